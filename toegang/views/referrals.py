from django.shortcuts import render
from django.urls import path

from kern.models import Location
from kern.permissions import role_required


@role_required("kern.manage_referrals")
def referral_list(request):
    """A social worker's referrals (issue: toegang), with where families can go."""
    points = (
        Location.objects.filter(kind=Location.Kind.DISTRIBUTION_POINT, is_active=True)
        .select_related("municipality")
        .prefetch_related("opening_hours")
    )
    return render(
        request,
        "toegang/referral_list.html",
        {"organisation": request.user.organisation, "points": points},
    )


urlpatterns = [
    path("doorverwijzingen/", referral_list, name="referral_list"),
]
