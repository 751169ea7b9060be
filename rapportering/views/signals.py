"""(A placeholder until this part is built.)"""

from django.http import HttpResponse
from django.urls import URLPattern, path

from kern.permissions import role_required


@role_required("kern.view_reports")
def signals(request):
    return HttpResponse("")


urlpatterns: list[URLPattern] = [
    path("signalen/", signals, name="signals"),
]
