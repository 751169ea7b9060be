"""Every shift screen (lists, detail, and the answers of its writes) carries volunteer
data and is sent with ``no-store``: a shared computer or proxy keeps no copy."""

from __future__ import annotations

import pytest

from tests.vrijwilligers.factories import ShiftFactory, SignupFactory, VolunteerFactory
from vrijwilligers.models import SwapRequest
from vrijwilligers.views import shifts

pytestmark = pytest.mark.django_db


def test_every_shift_view_is_marked_never_cache(login, point, coordinator):
    shift = ShiftFactory(location=point)
    sara = VolunteerFactory(locations=[point])
    signup = SignupFactory(shift=shift, volunteer=sara)
    swap = SwapRequest.objects.create(signup=signup)
    ids = {
        "shift_detail": shift.pk,
        "shift_signup": shift.pk,
        "shift_assign": shift.pk,
        "shift_cancel": signup.pk,
        "shift_remove": signup.pk,
        "shift_swap_offer": signup.pk,
        "shift_swap_withdraw": swap.pk,
        "shift_swap_take": swap.pk,
    }
    client = login(coordinator)
    volunteer_client = login(sara.user)
    for pattern in shifts.urlpatterns:
        route = "/vrijwilligers/" + str(pattern.pattern).replace(
            "<int:pk>", str(ids.get(pattern.name, 0))
        )
        writes = pattern.name not in {"shift_list", "shift_mine", "shift_detail"}
        who = volunteer_client if pattern.name.startswith("shift_swap") else client
        answer = who.post(route, {"reason": "x"}) if writes else who.get(route)
        assert "no-store" in answer.get("Cache-Control", ""), (pattern.name, answer.status_code)
