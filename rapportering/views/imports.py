"""(A placeholder until this part is built.)"""

from django.http import HttpResponse
from django.urls import URLPattern, path

from kern.permissions import role_required


@role_required("kern.manage_stock", "kern.manage_shifts", "kern.manage_programs")
def import_start(request):
    return HttpResponse("")


urlpatterns: list[URLPattern] = [
    path("import/", import_start, name="import_start"),
]
