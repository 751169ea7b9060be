"""Reads of memberships: which programs need one, whether a household is a member on a
day, what a (renewed) membership would cost today, the gate ``check_loan`` applies, the
coordinators' overview, and the ``membership_ending`` reminders.

The fee kind is never decided here: the household's entitlement for the program says
``social`` (``toegang.selectors.entitlement``, the same rule that gives the social
deposit in ``check_loan``), and its ``membership_fee`` is the amount that goes with it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kern.models import Location
from toegang import selectors as access
from toegang.models import Household, Program
from uitlening.models import Membership
from uitlening.selectors.lines import Refusal
from uitlening.selectors.panel_kinds import PanelSection
from uitlening.selectors.reminder_kinds import ReminderDue

#: A renewal may be recorded this many days before the current membership ends; earlier,
#: a second payment is refused as paid twice.
RENEW_WINDOW_DAYS = 30
#: Reminders of a membership that ends: this many days before, and on the day.
REMIND_DAYS_BEFORE = 30

FeeKind = Membership.FeeKind


def needs_membership(program: Program) -> bool:
    """A program with a membership fee lends only to members; one without needs none."""
    return program.membership_fee_normal > 0 or program.membership_fee_social > 0


def membership_programs() -> list[Program]:
    """The active programs that ask a membership fee, by name."""
    return list(
        Program.objects.filter(is_active=True)
        .filter(Q(membership_fee_normal__gt=0) | Q(membership_fee_social__gt=0))
        .order_by("name")
    )


def membership_end(start: dt.date) -> dt.date:
    """A year from ``start``: the day before the same date next year (29 February
    starts a year that ends on 28 February)."""
    try:
        same_day = start.replace(year=start.year + 1)
    except ValueError:
        same_day = start.replace(year=start.year + 1, day=28) + dt.timedelta(days=1)
    return same_day - dt.timedelta(days=1)


def membership_on(*, household: Household, program: Program, on: dt.date) -> Membership | None:
    """The membership of ``household`` in ``program`` that covers ``on``, if any."""
    return (
        Membership.objects.filter(
            household=household, program=program, valid_from__lte=on, valid_until__gte=on
        )
        .order_by("-valid_until")
        .first()
    )


def last_membership(*, household: Household, program: Program) -> Membership | None:
    """The membership that ends last (a renewal that has not started yet included)."""
    return (
        Membership.objects.filter(household=household, program=program)
        .order_by("-valid_until", "-id")
        .first()
    )


def _date(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _euro(amount: Decimal) -> str:
    return f"€ {amount:.2f}".replace(".", ",")


def fee_label(kind: str) -> str:
    return _("social fee") if kind == FeeKind.SOCIAL else _("normal fee")


@dataclass(frozen=True)
class MembershipOffer:
    """A household's membership of one program as the counter sees it on ``on``: the
    one that covers the day, the fee that applies today (normal or social, from its
    entitlement), and when a new or renewed membership would start (None: none can be
    recorded today, ``blocked`` says why)."""

    program: Program
    on: dt.date
    current: Membership | None
    last: Membership | None
    allowed: bool
    fee_kind: str
    amount: Decimal
    starts_on: dt.date | None
    blocked: str = ""
    explanation: str = ""
    #: Why ``starts_on`` is None, as a ``DomainError`` code: "membership_paid_twice",
    #: "no_access" or "uitpas_check_needed".
    blocked_code: str = ""
    #: The household may have a social tariff but its last UiTPAS check is too old to
    #: say so: no fee is shown, and none recorded, until the card is scanned again.
    fee_undecided: bool = False

    @property
    def social(self) -> bool:
        return self.fee_kind == FeeKind.SOCIAL

    @property
    def ends_on(self) -> dt.date | None:
        return membership_end(self.starts_on) if self.starts_on else None

    @property
    def lapsed(self) -> bool:
        return self.current is None and self.last is not None

    @property
    def renewal(self) -> bool:
        return self.current is not None and self.starts_on is not None

    @property
    def ending_soon(self) -> bool:
        return (
            self.current is not None
            and (self.current.valid_until - self.on).days < RENEW_WINDOW_DAYS
            and (self.last is None or self.last.pk == self.current.pk)
        )

    @property
    def fee_text(self) -> str:
        return fee_label(self.fee_kind)


def membership_offer(
    *,
    household: Household,
    program: Program,
    location: Location,
    on: dt.date | None = None,
    entitlement: access.Entitlement | None = None,
    memberships: list[Membership] | None = None,
) -> MembershipOffer:
    """``memberships``: the household's memberships of ``program`` when the caller read
    them already (the panel reads those of every program in one query)."""
    on = on or timezone.localdate()
    entitlement = entitlement or access.entitlement(
        household=household, program=program, location=location, on=on
    )
    if memberships is None:
        current = membership_on(household=household, program=program, on=on)
        last = last_membership(household=household, program=program)
    else:
        ordered = sorted(memberships, key=lambda m: (m.valid_until, m.pk), reverse=True)
        current = next((m for m in ordered if m.valid_from <= on <= m.valid_until), None)
        last = ordered[0] if ordered else None
    fee_kind = FeeKind.SOCIAL if entitlement.social else FeeKind.NORMAL
    amount = program.membership_fee_social if entitlement.social else program.membership_fee_normal
    starts_on: dt.date | None
    blocked = blocked_code = ""
    if last is not None and last.valid_until >= on:
        # Member today (or renewed already): the next year starts after the last one,
        # and only once it is within reach, so a second payment is not a new year.
        starts_on = last.valid_until + dt.timedelta(days=1)
        if (last.valid_until - on).days >= RENEW_WINDOW_DAYS:
            blocked = _(
                "Household %(household)s is a member of %(program)s until %(until)s; it can "
                "be renewed from %(from)s."
            ) % {
                "household": household.code,
                "program": program.name,
                "until": _date(last.valid_until),
                "from": _date(last.valid_until - dt.timedelta(days=RENEW_WINDOW_DAYS - 1)),
            }
            blocked_code = "membership_paid_twice"
            starts_on = None
    else:
        starts_on = on
    # Open to all, so allowed; but the normal fee would be a guess against a card that
    # may still have its social tariff.
    fee_undecided = entitlement.allowed and entitlement.needs_uitpas_check
    if not entitlement.allowed:
        blocked = _("Household %(household)s cannot join %(program)s: %(explanation)s") % {
            "household": household.code,
            "program": program.name,
            "explanation": entitlement.explanation,
        }
        blocked_code = "no_access"
        starts_on = None
    elif fee_undecided and starts_on is not None:
        blocked = uitpas_scan_needed(household=household, program=program)
        blocked_code = "uitpas_check_needed"
        starts_on = None
    return MembershipOffer(
        program=program,
        on=on,
        current=current,
        last=last,
        allowed=entitlement.allowed,
        fee_kind=fee_kind,
        amount=amount,
        starts_on=starts_on,
        blocked=blocked,
        blocked_code=blocked_code,
        explanation=entitlement.explanation,
        fee_undecided=fee_undecided,
    )


def uitpas_scan_needed(*, household: Household, program: Program) -> str:
    return _(
        "The membership fee of %(program)s cannot be decided: the last UiTPAS check of "
        "household %(household)s is too old. Scan the UiTPAS again to decide the fee."
    ) % {"program": program.name, "household": household.code}


def membership_refusal(
    *,
    household: Household,
    program: Program,
    on: dt.date,
    entitlement: access.Entitlement | None = None,
) -> Refusal | None:
    """The gate of a new loan: a program with a fee lends only to a household that is
    a member on the day. The message names the program and the household and offers
    the renewal with the fee that applies today."""
    if not needs_membership(program):
        return None
    if membership_on(household=household, program=program, on=on) is not None:
        return None
    last = last_membership(household=household, program=program)
    if entitlement is not None and entitlement.allowed and entitlement.needs_uitpas_check:
        offer = uitpas_scan_needed(household=household, program=program)
    elif entitlement is not None and entitlement.allowed:
        social = entitlement.social
        fee = program.membership_fee_social if social else program.membership_fee_normal
        offer = _("Record the membership in the family's panel: %(amount)s (%(fee)s).") % {
            "amount": _euro(fee),
            "fee": fee_label(FeeKind.SOCIAL if social else FeeKind.NORMAL),
        }
    else:
        offer = _("Record the membership in the family's panel first.")
    if last is not None and last.valid_until < on:
        message = _(
            "Household %(household)s is no longer a member of %(program)s: the membership "
            "lapsed on %(until)s. Renew it before lending."
        ) % {"household": household.code, "program": program.name, "until": _date(last.valid_until)}
    else:
        message = _(
            "Household %(household)s is not a member of %(program)s: a membership is needed "
            "before lending."
        ) % {"household": household.code, "program": program.name}
    return Refusal("membership_lapsed", f"{message} {offer}")


# --- The counter's panel ---------------------------------------------------------------


def membership_offers(
    *, household: Household, location: Location, on: dt.date
) -> list[MembershipOffer]:
    """One offer per program with a fee that the household may join or was a member
    of."""
    programs = membership_programs()
    if not programs:
        return []
    by_program: dict[int, list[Membership]] = {program.pk: [] for program in programs}
    for membership in Membership.objects.filter(household=household, program__in=programs):
        by_program[membership.program_id].append(membership)
    offers = []
    for program in programs:
        offer = membership_offer(
            household=household,
            program=program,
            location=location,
            on=on,
            memberships=by_program[program.pk],
        )
        if offer.allowed or offer.last is not None:
            offers.append(offer)
    return offers


def membership_section(
    household: Household, location: Location, on: dt.date
) -> PanelSection | None:
    offers = membership_offers(household=household, location=location, on=on)
    if not offers:
        return None
    return PanelSection(
        template="uitlening/partials/panel_membership.html",
        context={
            "household": household,
            "location": location,
            "offers": offers,
            "on": on,
            # One key per rendering of the form: a double click replays, a new form is new.
            "form_key": uuid.uuid4().hex,
        },
    )


# --- Coordinators ---------------------------------------------------------------------


@dataclass
class MembershipOverview:
    program: Program
    on: dt.date
    active: list[Membership] = field(default_factory=list)
    ending: list[Membership] = field(default_factory=list)
    lapsed: list[Membership] = field(default_factory=list)

    @property
    def members(self) -> list[Membership]:
        return self.active + self.ending

    @property
    def normal_count(self) -> int:
        return sum(1 for m in self.members if m.fee_kind == FeeKind.NORMAL)

    @property
    def social_count(self) -> int:
        return sum(1 for m in self.members if m.fee_kind == FeeKind.SOCIAL)


def membership_overview(*, program: Program, on: dt.date | None = None) -> MembershipOverview:
    """Per household its membership that ends last: active, ending within
    ``RENEW_WINDOW_DAYS`` days, or lapsed; with the counts of normal and social fees of
    the members."""
    on = on or timezone.localdate()
    overview = MembershipOverview(program=program, on=on)
    seen: set[int] = set()
    rows = (
        Membership.objects.filter(program=program, household__anonymised_at__isnull=True)
        .select_related("household", "recorded_by")
        .order_by("household_id", "-valid_until", "-id")
    )
    for membership in rows:
        if membership.household_id in seen:
            continue
        seen.add(membership.household_id)
        if membership.valid_until < on:
            overview.lapsed.append(membership)
        elif (membership.valid_until - on).days < RENEW_WINDOW_DAYS:
            overview.ending.append(membership)
        else:
            overview.active.append(membership)
    overview.ending.sort(key=lambda m: m.valid_until)
    overview.lapsed.sort(key=lambda m: m.valid_until, reverse=True)
    return overview


# --- Reminders ------------------------------------------------------------------------


def membership_ending(now: dt.datetime) -> Iterable[ReminderDue]:
    """Memberships that end and are not renewed: ``REMIND_DAYS_BEFORE`` days before the
    end (key ``membership_ending:<id>:30``) and on the last day (``…:0``). A day the
    run did not happen is caught up: the first reminder is due from 30 days before
    until the end, the second on the last day and the two days after (``lapsed``: then
    it says the membership ended on that day)."""
    today = timezone.localdate(now)
    renewed = Membership.objects.filter(
        household_id=OuterRef("household_id"),
        program_id=OuterRef("program_id"),
        valid_from__gt=OuterRef("valid_until"),
    )
    window = (
        Membership.objects.filter(
            valid_until__gte=today - dt.timedelta(days=2),
            valid_until__lte=today + dt.timedelta(days=REMIND_DAYS_BEFORE),
            household__anonymised_at__isnull=True,
        )
        .exclude(Exists(renewed))
        .select_related("program")
    )
    for membership in window.order_by("valid_until", "id"):
        days = 0 if membership.valid_until <= today else REMIND_DAYS_BEFORE
        # Caught up after the last day: the text says it ended, not that it ends today.
        lapsed = membership.valid_until < today
        yield ReminderDue(
            household_id=membership.household_id,
            kind="membership_ending",
            key=f"membership_ending:{membership.pk}:{days}",
            context={
                "program": membership.program.name,
                "valid_until": membership.valid_until,
                "days_left": max(0, (membership.valid_until - today).days),
                "lapsed": lapsed,
                "fee_normal": str(membership.program.membership_fee_normal),
                "fee_social": str(membership.program.membership_fee_social),
            },
        )
