"""(A placeholder until this part is built.)"""

from django.contrib.auth.decorators import login_required
from django.urls import URLPattern, path

from kern import views as kern_views
from kern.permissions import role_required

REPORTS = "kern.view_reports"


@login_required
def home(request):
    """The home page: the dashboard for who may see reports, the tiles for everyone else."""
    if request.user.has_perm(REPORTS):
        return dashboard(request)
    return kern_views.home(request)


@role_required(REPORTS)
def dashboard(request):
    return kern_views.home(request)


urlpatterns: list[URLPattern] = [
    path("", dashboard, name="dashboard"),
]
