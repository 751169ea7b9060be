"""A volunteer's personal calendar feed (iCalendar): their confirmed shifts from three
months back and every future one, with the role and the distribution point. No other
person's name is in it: the address is secret, not the content's only protection."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event  # type: ignore[import-untyped]  # no types in 6.x

from vrijwilligers.models import Volunteer
from vrijwilligers.selectors.profiles import calendar_signups


def feed(*, volunteer: Volunteer, now: dt.datetime | None = None) -> bytes:
    """The volunteer's feed as iCalendar bytes."""
    now = now or timezone.now()
    language = volunteer.user.language or settings.LANGUAGE_CODE
    calendar = Calendar()
    calendar.add("prodid", "-//Deelpunt//Vrijwilligersdiensten//NL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    with translation.override(language):
        calendar.add("x-wr-calname", _("Deelpunt shifts"))
        for signup in calendar_signups(volunteer=volunteer, now=now):
            shift = signup.shift
            event = Event()
            # Stable per sign-up: a calendar app updates the event instead of adding one.
            event.add("uid", f"signup-{signup.pk}@deelpunt")
            event.add("dtstamp", now)
            event.add("dtstart", shift.starts_at)
            event.add("dtend", shift.ends_at)
            event.add(
                "summary",
                _("%(role)s at %(point)s") % {"role": shift.role, "point": shift.location.name},
            )
            event.add(
                "location", ", ".join(p for p in (shift.location.name, shift.location.address) if p)
            )
            event.add("status", "CONFIRMED")
            calendar.add_component(event)
    return calendar.to_ical()
