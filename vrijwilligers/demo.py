"""Demo volunteers and shifts: skills, the organisation note, twenty volunteers at the two
distribution points (Mieke and Jamal are the demo accounts that log in), weekly counter
shifts and a monthly bike-repair shift for the coming weeks with Christmas and New Year as
holidays, most shifts staffed, some under-staffed, one full with Mieke on its waitlist, a
shift starting soon at Uitdeelpunt Centrum for which a volunteer card checks in at the
counter, a few past shifts with attendance (hours and an attestation to look at), and the
allowance ceilings with a few payments.

Everything current goes through ``vrijwilligers.services``, so the rules (note, skill,
overlap, places, waitlist) hold for the demo as for everyone. The past shifts cannot be
made by the services (they only plan the future), so they are written directly, as
attended shifts of the last weeks. Idempotent: it only runs when there is no volunteer
profile yet."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from kern.demo import DEMO_PASSWORD, DemoLine, DemoSection, register
from kern.errors import DomainError
from kern.models import Location, User
from kern.roles import Role
from vrijwilligers import services
from vrijwilligers.models import (
    AllowanceCeiling,
    ClosingDay,
    Shift,
    Signup,
    Skill,
    Volunteer,
)

CENTRUM = "Uitdeelpunt Centrum"
MELLE = "Uitdeelpunt Melle"

SKILLS = [
    ("balie", "Balie"),
    ("sorteren", "Sorteren"),
    ("fietsherstel", "Fietsherstel"),
    ("chauffeur", "Chauffeur (rijbewijs B)"),
    ("laptops", "Laptops klaarzetten"),
]

# username, first name, last name, points, skills (code, valid for this many days or None)
VOLUNTEERS: list[tuple[str, str, str, tuple[str, ...], tuple[tuple[str, int | None], ...]]] = [
    ("vrijwilliger", "Mieke", "Claes", (CENTRUM,), (("balie", None), ("sorteren", None))),
    ("vrijwilliger.melle", "Jamal", "Bennani", (MELLE,), (("balie", None),)),
    ("vw.sara", "Sara", "De Smet", (CENTRUM,), (("balie", None), ("fietsherstel", None))),
    ("vw.pieter", "Pieter", "Van Acker", (CENTRUM,), (("balie", None), ("chauffeur", 400))),
    ("vw.fatima", "Fatima", "El Amrani", (CENTRUM, MELLE), (("balie", None),)),
    ("vw.jan", "Jan", "Peeters", (CENTRUM,), (("balie", None), ("fietsherstel", None))),
    ("vw.lien", "Lien", "Maes", (CENTRUM,), (("balie", None), ("laptops", None))),
    ("vw.tom", "Tom", "Willems", (CENTRUM,), (("balie", None),)),
    ("vw.nadia", "Nadia", "Hermans", (CENTRUM,), (("balie", None), ("sorteren", None))),
    ("vw.koen", "Koen", "Goossens", (CENTRUM,), (("balie", None), ("chauffeur", 20))),
    ("vw.els", "Els", "Wouters", (CENTRUM,), (("balie", None),)),
    ("vw.youssef", "Youssef", "Aerts", (CENTRUM,), (("balie", None),)),
    ("vw.hilde", "Hilde", "Jacobs", (MELLE,), (("balie", None), ("sorteren", None))),
    ("vw.bram", "Bram", "Mertens", (MELLE,), (("balie", None),)),
    ("vw.an", "Annelies", "Dubois", (MELLE,), (("balie", None),)),
    ("vw.marc", "Marc", "Lambert", (MELLE,), (("balie", None), ("chauffeur", None))),
    ("vw.ines", "Ines", "Verbeke", (MELLE,), (("balie", None),)),
    ("vw.ruben", "Ruben", "De Clercq", (MELLE,), (("balie", None),)),
    ("vw.oona", "Oona", "Pauwels", (CENTRUM, MELLE), (("balie", None),)),
    # Has not yet acknowledged the organisation note: cannot be scheduled.
    ("vw.dirk", "Dirk", "Claeys", (CENTRUM,), (("balie", None),)),
]
NOT_ACKNOWLEDGED = {"vw.dirk"}

T = dt.time
# point, role, recurrence, weekday, week of month, start, end, min, max, skill
TEMPLATES = [
    (CENTRUM, "Balie", "weekly", 1, None, T(9), T(12), 2, 3, "balie"),
    (CENTRUM, "Balie", "weekly", 1, None, T(13, 30), T(16), 2, 3, "balie"),
    (CENTRUM, "Balie", "weekly", 3, None, T(13, 30), T(18), 2, 3, "balie"),
    (CENTRUM, "Balie", "weekly", 5, None, T(9, 30), T(12, 30), 2, 3, "balie"),
    (CENTRUM, "Fietsherstel", "monthly", 5, 1, T(13), T(16), 1, 2, "fietsherstel"),
    (MELLE, "Balie", "weekly", 2, None, T(14), T(17), 2, 3, "balie"),
    (MELLE, "Balie", "weekly", 4, None, T(9), T(12), 2, 3, "balie"),
]

# How many volunteers sign up for the n-th shift of a point (cycled): under-staffed ones
# (1 of at least 2) among full and staffed ones; the first full Centrum shift gets Mieke
# on its waitlist.
FILL = [3, 2, 1, 3, 2, 2, 1, 3]

NOTE = {
    "aim": (
        "Deelpunt is het samenwerkingsverband van de Sociale Huizen van Gent en Melle "
        "(lokaal bestuur, publiekrechtelijk) voor materiële hulp aan gezinnen: pamperbank, "
        "babytheek, fietsbib, laptops, speelotheek en ruilwinkel."
    ),
    "insurance": (
        "Burgerlijke aansprakelijkheid en lichamelijke ongevallen tijdens het "
        "vrijwilligerswerk en op weg ernaartoe, bij Ethias (polis 45.123.456)."
    ),
    "allowance_scheme": (
        "Forfaitaire onkostenvergoeding tot het wettelijke plafond per dag en per jaar, of "
        "terugbetaling van reële kosten op bewijsstuk; nooit beide in hetzelfde jaar."
    ),
    "discretion": (
        "Wat je over gezinnen hoort of ziet, blijft binnen de dienst (discretieplicht). "
        "Gebruik gegevens alleen voor je taak aan de balie."
    ),
}

# Ceilings of the forfaitaire onkostenvergoeding (indexed each year). 2026: the 2025
# amounts until the coordinator enters the indexed ones.
CEILINGS = [(2025, "42.31", "1692.51"), (2026, "42.31", "1692.51")]


def demo_ceilings(today: dt.date) -> list[tuple[int, str, str]]:
    """The known ceilings, and for every later year up to ``today``'s the last known
    amounts: the demo pays allowances for past shifts, which need a ceiling for their
    year whatever day the demo is loaded on."""
    known = dict((year, (per_day, per_year)) for year, per_day, per_year in CEILINGS)
    last = max(known)
    for year in range(last + 1, today.year + 1):
        known[year] = known[last]
    return [(year, *known[year]) for year in sorted(known)]


def _volunteer_group() -> Group:
    return Group.objects.get(name=Role.VOLUNTEER.value)


def _people(coordinator: User, points: dict[str, Location]) -> dict[str, Volunteer]:
    skills = {
        code: Skill.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in SKILLS
    }
    today = timezone.localdate()
    volunteers: dict[str, Volunteer] = {}
    for username, first, last, where, owned in VOLUNTEERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            volunteer = services.create_volunteer(
                actor=coordinator,
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@deelpunt.example",
                locations=[points[name] for name in where],
            )
        else:
            if not user.last_name:
                user.last_name = last
                user.save(update_fields=["last_name"])
            volunteer = services.add_volunteer_profile(actor=coordinator, user=user)
        for code, days in owned:
            valid = today + dt.timedelta(days=days) if days is not None else None
            services.set_skill(
                actor=coordinator, volunteer=volunteer, skill=skills[code], valid_until=valid
            )
        volunteers[username] = volunteer
    return volunteers


def _acknowledge(volunteers: dict[str, Volunteer], note_version: int) -> None:
    for username, volunteer in volunteers.items():
        if username in NOT_ACKNOWLEDGED:
            services.mark_note_received(user=volunteer.user)
        else:
            services.acknowledge_note(user=volunteer.user, version=note_version)


def _templates(coordinator: User, points: dict[str, Location]) -> None:
    skills = {skill.code: skill for skill in Skill.objects.all()}
    today = timezone.localdate()
    for point, role, recurrence, weekday, week, start, end, low, high, skill in TEMPLATES:
        services.create_template(
            actor=coordinator,
            location=points[point],
            role=role,
            recurrence=recurrence,
            weekday=weekday,
            week_of_month=week,
            starts_on=today,
            start_time=start,
            end_time=end,
            min_volunteers=low,
            max_volunteers=high,
            required_skill=skills[skill],
        )


def _holidays(coordinator: User) -> None:
    today = timezone.localdate()
    for month, day, reason in ((12, 25, "Kerstmis"), (1, 1, "Nieuwjaar")):
        year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
        with contextlib.suppress(DomainError):  # already entered
            services.add_closing_day(
                actor=coordinator, day=dt.date(year, month, day), reason=reason
            )


def _sign_ups(volunteers: dict[str, Volunteer], points: dict[str, Location]) -> None:
    """Fill the generated shifts per point in turn from the volunteers working there; a
    refusal (an overlap, a skill) just skips that volunteer, as it would at the screen."""
    mieke_waits = False
    for name, point in points.items():
        pool = [
            v
            for username, v in volunteers.items()
            if username not in NOT_ACKNOWLEDGED
            and username != "vrijwilliger"
            and point in v.user.locations.all()
        ]
        shifts = Shift.objects.filter(location=point, cancelled_at__isnull=True).order_by(
            "starts_at"
        )
        turn = 0
        for index, shift in enumerate(shifts):
            wanted = FILL[index % len(FILL)]
            placed = 0
            for step in range(len(pool)):
                if placed >= min(wanted, shift.max_volunteers):
                    break
                volunteer = pool[(turn + step) % len(pool)]
                try:
                    services.sign_up(actor=volunteer.user, shift=shift, source="demo")
                except DomainError:
                    continue
                placed += 1
            turn += placed
            if name == CENTRUM and not mieke_waits and placed >= shift.max_volunteers:
                # Mieke waits on the first full shift she may do: which shift is first
                # depends on the day the demo is loaded (one may need a skill she lacks).
                try:
                    services.sign_up(
                        actor=volunteers["vrijwilliger"].user, shift=shift, source="demo"
                    )
                except DomainError:
                    continue
                mieke_waits = True


def _shift_starting_soon(
    coordinator: User, volunteers: dict[str, Volunteer], point: Location
) -> None:
    """A one-off counter shift at Centrum starting within the hour, with Sara assigned:
    her card checks her in at the counter (check-in opens an hour before the start)."""
    start = timezone.localtime() + dt.timedelta(minutes=30)
    end = start + dt.timedelta(hours=3)
    if end.date() != start.date():
        return  # too late in the day for a shift today
    if ClosingDay.objects.filter(day=start.date()).exists():
        return  # a holiday or a closing day: no shift today
    shift = services.create_shift(
        actor=coordinator,
        location=point,
        role="Balie (extra)",
        day=start.date(),
        start_time=start.time().replace(second=0, microsecond=0),
        end_time=end.time().replace(second=0, microsecond=0),
        min_volunteers=1,
        max_volunteers=2,
    )
    services.assign_to_shift(
        actor=coordinator,
        volunteer=volunteers["vw.sara"],
        shift=shift,
        reason="demo: inchecken met de vrijwilligerskaart",
        source="demo",
    )


def _past_shifts(coordinator: User, volunteers: dict[str, Volunteer], point: Location) -> None:
    """Attended Tuesday-morning counter shifts of the last weeks, written directly (the
    services plan only the future): hours for the attestation and the hours export."""
    today = timezone.localdate()
    tuesday = today - dt.timedelta(days=(today.weekday() - 1) % 7 or 7)
    team = [volunteers["vrijwilliger"], volunteers["vw.sara"], volunteers["vw.tom"]]
    for weeks in range(1, 7):
        day = tuesday - dt.timedelta(weeks=weeks - 1)
        starts = timezone.make_aware(dt.datetime.combine(day, T(9)))
        shift = Shift.objects.create(
            location=point,
            role="Balie",
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=3),
            min_volunteers=2,
            max_volunteers=3,
        )
        for place, volunteer in enumerate(team, start=1):
            no_show = weeks == 3 and place == 3
            Signup.objects.create(
                shift=shift,
                volunteer=volunteer,
                status=Signup.Status.CONFIRMED,
                place=place,
                created_at=starts - dt.timedelta(days=10),
                created_by=volunteer.user,
                confirmed_at=starts - dt.timedelta(days=10),
                attendance=Signup.Attendance.NO_SHOW if no_show else Signup.Attendance.ATTENDED,
                checked_in_at=None if no_show else starts - dt.timedelta(minutes=5),
                attendance_recorded_by=coordinator,
                hours=None if no_show else Decimal("3.00"),
            )


def _allowances(coordinator: User, volunteers: dict[str, Volunteer]) -> None:
    for year, per_day, per_year in demo_ceilings(timezone.localdate()):
        services.set_ceiling(
            actor=coordinator, year=year, per_day=Decimal(per_day), per_year=Decimal(per_year)
        )
    paid = Signup.objects.filter(
        attendance=Signup.Attendance.ATTENDED, volunteer=volunteers["vw.sara"]
    ).select_related("shift")
    for signup in paid[:3]:
        services.record_payment(
            actor=coordinator,
            volunteer_id=signup.volunteer_id,
            day=signup.shift.day,
            amount=Decimal("25.00"),
            kind="flat_rate",
            note="forfait balie",
        )


@transaction.atomic
def load() -> None:
    if Volunteer.objects.exists():
        return
    coordinator = User.objects.filter(username="coordinator").first()
    points = {p.name: p for p in Location.objects.filter(name__in=[CENTRUM, MELLE])}
    if coordinator is None or len(points) < 2:
        return
    volunteers = _people(coordinator, points)
    note = services.publish_note(actor=coordinator, **NOTE)
    _acknowledge(volunteers, note.version)
    _templates(coordinator, points)
    _holidays(coordinator)
    services.generate_shifts(actor=coordinator)
    _sign_ups(volunteers, points)
    _shift_starting_soon(coordinator, volunteers, points[CENTRUM])
    _past_shifts(coordinator, volunteers, points[CENTRUM])
    _allowances(coordinator, volunteers)
    # Mieke and Jamal log in with the demo password (kern's demo made their accounts).
    for user in User.objects.filter(username__in=["vrijwilliger", "vrijwilliger.melle"]):
        if not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])


def show() -> list[DemoSection]:
    volunteers = {
        v.user.username: v for v in Volunteer.objects.select_related("user").order_by("pk")
    }
    if not volunteers:
        return []
    lines: list[DemoLine] = []
    soon = (
        Signup.objects.filter(
            status=Signup.Status.CONFIRMED,
            shift__role="Balie (extra)",
            shift__starts_at__gte=timezone.now() - dt.timedelta(hours=3),
        )
        .select_related("volunteer__user", "shift", "shift__location")
        .first()
    )
    if soon is not None:
        start = timezone.localtime(soon.shift.starts_at)
        lines.append(
            DemoLine(
                soon.volunteer.code,
                f"vrijwilligerskaart van {soon.volunteer.first_name}: scan aan de balie van "
                f"{soon.shift.location} om in te checken voor de dienst van {start:%H:%M}",
            )
        )
    waiting = (
        Signup.objects.filter(
            status=Signup.Status.WAITLISTED, volunteer__user__username="vrijwilliger"
        )
        .select_related("shift", "shift__location")
        .first()
    )
    if waiting is not None:
        start = timezone.localtime(waiting.shift.starts_at)
        lines.append(
            DemoLine(
                "vrijwilliger",
                f"Mieke staat op de wachtlijst voor {waiting.shift.role} op {start:%d/%m %H:%M} "
                "(Mijn diensten); wie zich uitschrijft, maakt plaats",
            )
        )
    understaffed = sum(
        1
        for shift in Shift.objects.filter(
            starts_at__gte=timezone.now(), cancelled_at__isnull=True
        ).prefetch_related("signups")
        if sum(1 for s in shift.signups.all() if s.status == Signup.Status.CONFIRMED)
        < shift.min_volunteers
    )
    lines.append(
        DemoLine(
            "coordinator",
            f"{len(volunteers)} vrijwilligers; {understaffed} onderbezette diensten in de "
            "planning (Vrijwilligers → Planning); Dirk heeft de organisatienota nog niet bevestigd",
        )
    )
    years = sorted(AllowanceCeiling.objects.values_list("year", flat=True))
    if years:
        lines.append(
            DemoLine(
                "coordinator",
                f"vergoedingsplafonds {years[0]}–{years[-1]} (€ 42,31 per dag, "
                "€ 1.692,51 per jaar); Sara kreeg al forfaits",
            )
        )
    return [DemoSection("Vrijwilligers en diensten", lines)]


register(load=load, show=show)
