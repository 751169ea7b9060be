"""Volunteers and shifts (issue 10) with 100,000 sign-ups in the dataset: signing up
(``vrijwilligers.services.sign_up`` and the sign-up screen's htmx POST), cancelling
(``cancel_signup``), the coordinator's week grid of a location (``GET
/vrijwilligers/planning/``, the busiest week), a volunteer's iCal feed (``GET
/vrijwilligers/agenda/<token>.ics``), ``list_shifts`` through the API with a token and the
volunteer's "my shifts" page.

Dataset on top of the demo: ``VOLUNTEERS`` bench volunteers at the two distribution
points and, per point and day, ``len(ROLES)`` roles in a morning and an afternoon slot
(24 shifts a day), from a year ahead back in time until the sign-up table holds
``SIGNUPS`` rows: mostly confirmed in numbered places (past ones attended), some on a
waitlist, some cancelled, as the database constraints require (one place per shift, once
per shift, one waitlist position each). No volunteer works two shifts of one slot. Mieke
(the demo volunteer who logs in) holds place 1 of every morning counter shift at
Uitdeelpunt Centrum: a heavy calendar (hundreds of events in her feed) and a long "my
shifts". Everything is written with ``bulk_create``: bench data, not a test of the rules.

Each sign-up goes into a shift nobody else touches (an evening shift at Centrum on its
own day, one other volunteer in it already), so every call takes a numbered place."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

SIGNUPS = 100_000
VOLUNTEERS = 500
ROLES = ("Balie", "Onthaal", "Sorteren", "Fietsherstel", "Laptops", "Magazijn")
SLOTS = ((dt.time(9), dt.time(12)), (dt.time(13, 30), dt.time(16, 30)))
DAYS_AHEAD = 365
# Confirmed volunteers per shift (cycled): mostly staffed, some under-staffed.
FILL = (3, 3, 2, 3, 3, 1, 3, 2)
EVENING = (dt.time(19), dt.time(21))


def _aware(day: dt.date, moment: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, moment))


def generate_shift_data(targets: int) -> dict[str, Any]:
    """The bench volunteers, shifts and sign-ups, and ``targets`` evening shifts at
    Centrum (one per day from next week on) to sign up for."""
    from django.contrib.auth.models import Group

    from kern.models import Location, User
    from kern.roles import Role
    from vrijwilligers.models import Shift, Signup, Volunteer

    started = time.perf_counter()
    centrum = Location.objects.get(name="Uitdeelpunt Centrum")
    melle = Location.objects.get(name="Uitdeelpunt Melle")
    mieke = Volunteer.objects.select_related("user").get(user__username="vrijwilliger")
    today = timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        users = User.objects.bulk_create(
            [
                User(
                    username=f"bench.vw.{n}",
                    first_name=f"Bench{n}",
                    last_name="Vrijwilliger",
                    password="!",
                )
                for n in range(VOLUNTEERS)
            ],
            batch_size=1000,
        )
        if users[0].pk is None:  # a backend that does not return ids
            users = list(User.objects.filter(username__startswith="bench.vw.").order_by("pk"))
        half = VOLUNTEERS // 2
        group = Group.objects.get(name=Role.VOLUNTEER.value)
        User.groups.through.objects.bulk_create(
            [User.groups.through(user_id=u.pk, group_id=group.pk) for u in users],
            batch_size=2000,
        )
        through = User.locations.through
        through.objects.bulk_create(
            [
                through(user_id=u.pk, location_id=(centrum if i < half else melle).pk)
                for i, u in enumerate(users)
            ],
            batch_size=2000,
        )
        volunteers = Volunteer.objects.bulk_create(
            [Volunteer(user=u) for u in users], batch_size=1000
        )
        if volunteers[0].pk is None:
            volunteers = list(Volunteer.objects.filter(user__in=users).order_by("pk"))
        pools = {
            centrum.pk: itertools.cycle(volunteers[:half]),
            melle.pk: itertools.cycle(volunteers[half:]),
        }
        # The evening shifts below get one sign-up each: 100,000 with them.
        needed = SIGNUPS - Signup.objects.count() - targets
        # Shifts first (their ids are needed), then their sign-ups; generated day by day
        # from a year ahead backwards until there are enough sign-ups.
        plans: list[tuple[Shift, list[tuple[Volunteer, str]]]] = []
        planned = 0
        day = today + dt.timedelta(days=DAYS_AHEAD)
        index = 0
        while planned < needed:
            for point in (centrum, melle):
                for slot, (start, end) in enumerate(SLOTS):
                    pool = pools[point.pk]
                    for role in ROLES:
                        shift = Shift(
                            location=point,
                            role=role,
                            starts_at=_aware(day, start),
                            ends_at=_aware(day, end),
                            min_volunteers=2,
                            max_volunteers=3,
                        )
                        who: list[tuple[Volunteer, str]] = []
                        confirmed = FILL[index % len(FILL)]
                        if point == centrum and slot == 0 and role == "Balie":
                            who.append((mieke, "confirmed"))
                            confirmed = max(confirmed - 1, 0)
                        who += [(next(pool), "confirmed") for _ in range(confirmed)]
                        if len(who) == 3 and index % 4 == 0:
                            who.append((next(pool), "waitlisted"))
                        if index % 3 == 0:
                            who.append((next(pool), "cancelled"))
                        plans.append((shift, who))
                        planned += len(who)
                        index += 1
            day -= dt.timedelta(days=1)
        shifts = Shift.objects.bulk_create([shift for shift, _ in plans], batch_size=2000)
        rows: list[Signup] = []
        for shift, (_, who) in zip(shifts, plans, strict=True):
            past = shift.ends_at < now
            created = shift.starts_at - dt.timedelta(days=14)
            place = waiting = 0
            for volunteer, status in who:
                row = Signup(
                    shift_id=shift.pk,
                    volunteer_id=volunteer.pk,
                    status=status,
                    created_at=created,
                    created_by_id=volunteer.user_id,
                )
                if status == "confirmed":
                    place += 1
                    row.place, row.confirmed_at = place, created
                    if past:
                        row.attendance, row.hours = "attended", Decimal("3.00")
                        row.checked_in_at = shift.starts_at
                elif status == "waitlisted":
                    waiting += 1
                    row.waitlist_position = shift.max_volunteers + waiting
                else:
                    row.cancelled_at = created + dt.timedelta(days=2)
                    row.cancelled_by_id = volunteer.user_id
                rows.append(row)
        Signup.objects.bulk_create(rows[:needed], batch_size=2000)
        # The shifts to sign up for: evenings at Centrum, one a day (no overlap between
        # them), each with one bench volunteer in place 1.
        first = today + dt.timedelta(days=7)
        evenings = Shift.objects.bulk_create(
            [
                Shift(
                    location=centrum,
                    role="Bench avond",
                    starts_at=_aware(first + dt.timedelta(days=n), EVENING[0]),
                    ends_at=_aware(first + dt.timedelta(days=n), EVENING[1]),
                    min_volunteers=2,
                    max_volunteers=3,
                )
                for n in range(targets)
            ]
        )
        if evenings[0].pk is None:
            evenings = list(Shift.objects.filter(role="Bench avond").order_by("starts_at"))
        evening_pool = pools[centrum.pk]
        Signup.objects.bulk_create(
            [
                Signup(
                    shift_id=s.pk,
                    volunteer_id=next(evening_pool).pk,
                    status="confirmed",
                    place=1,
                    created_at=now,
                    confirmed_at=now,
                )
                for s in evenings
            ]
        )
    return {
        "centrum": centrum,
        "mieke": mieke,
        "evenings": evenings,
        "shifts": Shift.objects.count(),
        "signups": Signup.objects.count(),
        "volunteers": Volunteer.objects.count(),
        "seconds": round(time.perf_counter() - started, 1),
    }


def busiest_week(location: Any) -> dt.date:
    """The Monday of the week with the most confirmed sign-ups at ``location``."""
    from vrijwilligers.models import Signup

    weeks: dict[dt.date, int] = {}
    for starts_at in Signup.objects.filter(
        shift__location=location, status=Signup.Status.CONFIRMED
    ).values_list("shift__starts_at", flat=True):
        day = timezone.localtime(starts_at).date()
        monday = day - dt.timedelta(days=day.weekday())
        weeks[monday] = weeks.get(monday, 0) + 1
    return max(weeks, key=lambda monday: (weeks[monday], monday))


def benchmarks(repeat: int, client_factory) -> Iterator[tuple[str, Any, int, dict]]:
    """Yield (name, callable, repeat, extra)."""
    from django.test import Client

    from kern import services as kern_services
    from vrijwilligers import services
    from vrijwilligers.models import Signup
    from vrijwilligers.selectors.profiles import calendar_signups

    warmup = 10
    writes = min(repeat, 150)
    data = generate_shift_data(targets=3 * (writes + warmup))
    mieke = data["mieke"]
    user = mieke.user
    evenings = iter(data["evenings"])
    signed: list[Signup] = []
    extra = {
        "signups": data["signups"],
        "shifts": data["shifts"],
        "volunteers": data["volunteers"],
        "mieke_signups": Signup.objects.filter(volunteer=mieke).count(),
        "generated_in_s": data["seconds"],
    }

    def sign_up() -> None:
        signup = services.sign_up(actor=user, shift=next(evenings), source="bench")
        assert signup.status == Signup.Status.CONFIRMED and signup.place == 2
        signed.append(signup)

    def cancel() -> None:
        signup = services.cancel_signup(actor=user, signup=signed.pop(), source="bench")
        assert signup.status == Signup.Status.CANCELLED

    yield "shifts_sign_up_service", sign_up, writes, extra
    yield "shifts_cancel_signup_service", cancel, writes, {}

    volunteer_client = client_factory("vrijwilliger")

    def sign_up_screen() -> None:
        shift = next(evenings)
        response = volunteer_client.post(
            f"/vrijwilligers/diensten/{shift.pk}/inschrijven/", HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200, response.status_code
        assert b'data-status="confirmed"' in response.content, response.content[:300]

    yield (
        "shifts_sign_up_screen_htmx",
        sign_up_screen,
        writes,
        {"compare_to": "shifts_sign_up_service"},
    )

    coordinator = client_factory("coordinator")
    monday = busiest_week(data["centrum"])
    week_url = f"/vrijwilligers/planning/?locatie={data['centrum'].pk}&week={monday.isoformat()}"

    def week_grid() -> None:
        response = coordinator.get(week_url)
        assert response.status_code == 200, response.status_code

    yield "shifts_week_grid_busiest_week", week_grid, repeat, {"week": monday.isoformat()}

    token = services.regenerate_calendar_token(user=user)
    feed_url = f"/vrijwilligers/agenda/{token}.ics"
    anonymous = Client()
    events = calendar_signups(volunteer=mieke, now=timezone.now()).count()

    def ical_feed() -> None:
        response = anonymous.get(feed_url)
        assert response.status_code == 200, response.status_code

    yield "shifts_ical_feed", ical_feed, min(repeat, 100), {"events": events}

    api_token = kern_services.create_api_token(actor=user, owner=user, name="bench shifts")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_token.plaintext}")

    def list_shifts() -> None:
        response = api.get("/api/v1/vrijwilligers/shifts?days=14&limit=50")
        assert response.status_code == 200, response.status_code

    yield "shifts_api_list_shifts_50", list_shifts, repeat, {}

    def my_shifts() -> None:
        assert volunteer_client.get("/vrijwilligers/diensten/mijn/").status_code == 200

    upcoming = Signup.objects.filter(
        volunteer=mieke, status__in=("confirmed", "waitlisted"), shift__ends_at__gt=timezone.now()
    ).count()
    yield "shifts_my_shifts_page", my_shifts, min(repeat, 100), {"rows": upcoming}

    # A bench volunteer as most are: a few hundred sign-ups over the years, a few ahead.
    from kern.demo import DEMO_PASSWORD
    from kern.models import User

    bench_user = User.objects.get(username="bench.vw.0")
    bench_user.set_password(DEMO_PASSWORD)
    bench_user.save(update_fields=["password"])
    typical = client_factory("bench.vw.0")
    typical_rows = Signup.objects.filter(
        volunteer__user=bench_user, status="confirmed", shift__ends_at__gt=timezone.now()
    ).count()

    def my_shifts_typical() -> None:
        assert typical.get("/vrijwilligers/diensten/mijn/").status_code == 200

    yield "shifts_my_shifts_page_typical", my_shifts_typical, repeat, {"rows": typical_rows}
