"""The records the access-control matrix and the probes point their URLs at: the demo
data (``load_demo``) plus the few things it does not make (a stock count, a shift swap,
an import, an API token), looked up by what they are, never by a fixed id."""

from __future__ import annotations

import datetime as dt
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from kern import services as kern_services
from kern.models import Location, User
from kern.roles import Role
from rapportering.models import ImportBatch
from toegang.models import Household, Program, Referral
from uitlening.models import (
    Distribution,
    Loan,
    PartnerRequest,
    RepairTicket,
    Reservation,
    SeasonalAction,
)
from voorraad.models import (
    CollectionDrive,
    Donation,
    Donor,
    Item,
    ItemType,
    Product,
    Purchase,
    StockCount,
    StockMovement,
    Transfer,
)
from vrijwilligers.models import ClosingDay, Shift, ShiftTemplate, Signup, SwapRequest, Volunteer
from vrijwilligers.services import regenerate_calendar_token

ANONYMOUS = "anonymous"
VOLUNTEER_OF_B = "volunteer of point B"

# The demo account that plays each role; the volunteer works at Uitdeelpunt Centrum only,
# the social worker at CAW Oost-Vlaanderen.
ACCOUNTS = {
    Role.VOLUNTEER.value: "vrijwilliger",
    Role.SOCIAL_WORKER.value: "maatschappelijkwerker",
    Role.COORDINATOR.value: "coordinator",
    Role.ADMIN.value: "beheerder",
}


def load() -> dict[str, object]:
    """Load the demo data and return the context: name -> id (or code) of a record."""
    call_command("load_demo", "--allow-without-debug", stdout=StringIO())
    users = {role: User.objects.get(username=name) for role, name in ACCOUNTS.items()}
    # The volunteer of the other point (Uitdeelpunt Melle), for probes at point A's records.
    users[VOLUNTEER_OF_B] = User.objects.get(username="vrijwilliger.melle")
    volunteer_user = users[Role.VOLUNTEER.value]
    social_worker = users[Role.SOCIAL_WORKER.value]
    coordinator = users[Role.COORDINATOR.value]
    point = Location.objects.get(name="Uitdeelpunt Centrum")
    other_point = Location.objects.get(name="Uitdeelpunt Melle")
    volunteer = Volunteer.objects.get(user=volunteer_user)
    other_volunteer = Volunteer.objects.filter(user__locations=point).exclude(pk=volunteer.pk)[0]
    own_signup = (
        Signup.objects.filter(volunteer=volunteer, shift__starts_at__gt=timezone.now())
        .order_by("shift__starts_at")
        .first()
    )
    assert own_signup is not None, "the demo volunteer has no future shift"
    other_signup = (
        Signup.objects.filter(shift__starts_at__gt=timezone.now(), status="confirmed")
        .exclude(volunteer=volunteer)
        .order_by("shift__starts_at")
        .first()
    )
    assert other_signup is not None
    open_shift = (
        Shift.objects.filter(location=point, starts_at__gt=timezone.now())
        .exclude(signups__volunteer=volunteer)
        .order_by("starts_at")
        .first()
    )
    other_point_shift = (
        Shift.objects.filter(location=other_point, starts_at__gt=timezone.now())
        .exclude(signups__volunteer=volunteer)
        .order_by("starts_at")
        .first()
    )
    assert open_shift is not None and other_point_shift is not None
    swap = SwapRequest.objects.create(signup=own_signup, note="")
    referral = Referral.objects.filter(organisation=social_worker.organisation).order_by("pk")[0]
    other_referral = Referral.objects.exclude(organisation=social_worker.organisation).order_by(
        "pk"
    )[0]
    distribution = Distribution.objects.filter(location=point).order_by("pk")[0]
    other_distribution = Distribution.objects.filter(location=other_point).order_by("pk")[0]
    loan = Loan.objects.filter(location=point, returned_at__isnull=True).order_by("pk")[0]
    count = StockCount.objects.create(location=point, started_by=coordinator)
    batch = ImportBatch.objects.create(kind="producten", user=coordinator, file_name="x.csv")
    tokens = {
        role: kern_services.create_api_token(actor=user, owner=user, name="matrix").token.pk
        for role, user in users.items()
    }
    year = timezone.localdate().year
    calendar_token = regenerate_calendar_token(user=volunteer_user)
    return {
        "users": users,
        "tokens": tokens,
        "token": tokens[Role.VOLUNTEER.value],
        "point": point.pk,
        "other_point": other_point.pk,
        "warehouse": Location.objects.get(name="Magazijn Wiedauwkaai").pk,
        "household": referral.household_id,
        "household_code": referral.household.code,
        "other_household": Household.objects.exclude(referrals__issued_by=social_worker)
        .order_by("pk")[0]
        .pk,
        "referral": referral.pk,
        "other_referral": other_referral.pk,
        "distribution": distribution.pk,
        "other_distribution": other_distribution.pk,
        "loan": loan.pk,
        "repair": RepairTicket.objects.order_by("pk")[0].pk,
        "seasonal": SeasonalAction.objects.order_by("pk")[0].pk,
        "partner_request": PartnerRequest.objects.order_by("pk")[0].pk,
        "reservation": Reservation.objects.filter(location=point).order_by("pk")[0].pk,
        "program": Program.objects.order_by("pk")[0].pk,
        "movement": StockMovement.objects.filter(location=point).order_by("-pk")[0].pk,
        "transfer": Transfer.objects.order_by("-pk")[0].pk,
        "count": count.pk,
        "product": Product.objects.order_by("pk")[0].pk,
        "item": Item.objects.filter(location=point, status="beschikbaar").order_by("pk")[0].pk,
        "item_type": ItemType.objects.order_by("pk")[0].pk,
        "donor": Donor.objects.order_by("pk")[0].pk,
        "donation": Donation.objects.order_by("-pk")[0].pk,
        "drive": CollectionDrive.objects.order_by("pk")[0].pk,
        "purchase": Purchase.objects.order_by("pk")[0].pk,
        "volunteer": volunteer.pk,
        "volunteer_user": volunteer_user.pk,
        "other_volunteer": other_volunteer.pk,
        "shift": own_signup.shift_id,
        "open_shift": open_shift.pk,
        "other_point_shift": other_point_shift.pk,
        "missing_id": 987654,
        # a code with a valid check digit for a household that does not exist
        "missing_code": Household(pk=987654).code,
        "signup": own_signup.pk,
        "other_signup": other_signup.pk,
        "swap": swap.pk,
        "template": ShiftTemplate.objects.order_by("pk")[0].pk,
        "closing_day": ClosingDay.objects.order_by("pk")[0].pk,
        "import": batch.pk,
        "year": year,
        "calendar_token": calendar_token,
        "today": dt.date.today().isoformat(),
        "household_obj": Household.objects.get(pk=referral.household_id),
    }
