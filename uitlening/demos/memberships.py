"""Demo memberships: the families that borrow in the babytheek and the fietsbib are
members at the social fee (their referral or UiTPAS says so), a Melle family is a member
of the speelotheek at the normal fee, one membership ends within the month (renewal
shown at the counter, and its reminder), and Jonas's fietsbib membership lapsed three
weeks ago: a bike scanned for him is refused, with the renewal offered.

Recorded through ``uitlening.services.record_membership`` (so the fee is chosen the one
way the counter chooses it); the dates of the older ones are then moved back, as the
counter's demo moves loans back. Runs before the counter's demo, which lends to these
members. Idempotent: only when there is no membership yet."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from kern.demo import DemoLine, DemoSection
from kern.models import Location, User
from toegang import demo as toegang_demo
from toegang.models import Household, Program
from uitlening import services
from uitlening.models import Membership
from uitlening.selectors.memberships import membership_end

CENTRUM = "Uitdeelpunt Centrum"
MELLE = "Uitdeelpunt Melle"

# family (position in toegang.demo.FAMILIES), program, point, started this many days ago
MEMBERS = [
    (0, "Babytheek", CENTRUM, 200),
    (3, "Babytheek", CENTRUM, 355),  # ends within the month: renewal shown
    (1, "Fietsbib", CENTRUM, 120),
    (7, "Speelotheek", MELLE, 40),  # no evidence: the normal fee
    (6, "Fietsbib", MELLE, 385),  # lapsed three weeks ago
]


def _move_back(membership: Membership, days: int) -> None:
    start = membership.valid_from - dt.timedelta(days=days)
    Membership.objects.filter(pk=membership.pk).update(
        valid_from=start,
        valid_until=membership_end(start),
        paid_at=membership.paid_at - dt.timedelta(days=days),
    )


@transaction.atomic
def load() -> None:
    if Membership.objects.exists():
        return
    programs = {p.name: p for p in Program.objects.all()}
    points = {p.name: p for p in Location.objects.filter(name__in=[CENTRUM, MELLE])}
    volunteers = {
        CENTRUM: User.objects.filter(username="vrijwilliger").first(),
        MELLE: User.objects.filter(username="vrijwilliger.melle").first(),
    }
    families = list(Household.objects.filter(anonymised_at__isnull=True).order_by("pk"))
    for index, name, point, days_ago in MEMBERS:
        volunteer = volunteers[point]
        if name not in programs or point not in points or index >= len(families) or not volunteer:
            continue
        membership = services.record_membership(
            actor=volunteer,
            location=points[point],
            household=families[index],
            program=programs[name],
            payment=Membership.Payment.CASH,
            source="demo",
        )
        if days_ago:
            _move_back(membership, days_ago)


def show() -> list[DemoSection]:
    today = timezone.localdate()
    lines = []
    # The members above; other parts' members (the reports' history) are not for trying.
    families = Household.objects.filter(anonymised_at__isnull=True).order_by("pk")
    members = list(families.values_list("pk", flat=True)[: len(toegang_demo.FAMILIES)])
    latest: dict[tuple[int, int], Membership] = {}
    for membership in (
        Membership.objects.filter(household__in=members)
        .select_related("household", "program")
        .order_by("valid_until")
    ):
        latest[(membership.household_id, membership.program_id)] = membership
    for membership in sorted(latest.values(), key=lambda m: (m.household_id, m.program.name)):
        fee = (
            "sociaal lidgeld"
            if membership.fee_kind == Membership.FeeKind.SOCIAL
            else "gewoon lidgeld"
        )
        until = f"{membership.valid_until:%d/%m/%Y}"
        if membership.valid_until < today:
            state = (
                f"lidmaatschap vervallen op {until}: uitlenen geweigerd, vernieuwen aan de balie"
            )
        elif (membership.valid_until - today).days < 30:
            state = f"lid tot {until}, vernieuwen kan nu"
        else:
            state = f"lid tot {until}"
        lines.append(
            DemoLine(
                membership.household.code,
                f"{membership.program.name}: {state} ({fee} € {membership.amount:.2f})".replace(
                    ".", ","
                ),
            )
        )
    if not lines:
        return []
    return [DemoSection("Lidmaatschappen (babytheek, fietsbib, speelotheek)", lines)]
