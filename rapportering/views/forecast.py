"""(A placeholder until this part is built.)"""

from django.http import HttpResponse
from django.urls import URLPattern, path

from kern.permissions import role_required


@role_required("kern.view_reports")
def forecast(request):
    return HttpResponse("")


urlpatterns: list[URLPattern] = [
    path("prognose/", forecast, name="forecast"),
]
