from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path

from kern.models import Location, User
from kern.permissions import AuthenticatedHttpRequest, role_required
from kern.roles import Role


@role_required("kern.manage_shifts")
def volunteer_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Volunteers and the distribution points where each works the counter."""
    volunteers = (
        User.objects.filter(groups__name=Role.VOLUNTEER, is_active=True)
        .prefetch_related(Prefetch("locations", queryset=Location.objects.order_by("name")))
        .order_by("first_name", "username")
        .distinct()
    )
    return render(request, "vrijwilligers/volunteer_list.html", {"volunteers": volunteers})


urlpatterns = [
    path("", volunteer_list, name="volunteer_list"),
]
