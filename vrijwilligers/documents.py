"""Printable volunteer documents, in the house style of :mod:`kern.pdf`: the yearly
attestation of volunteer work (shifts and hours per month) and the volunteer card with
the ``V`` code a volunteer scans at the counter to check in.

Both are rendered in the site language (Dutch) unless another ``language`` is asked for.
The attestation names the organisation of the distribution points the volunteer worked
at (the Sociaal Huis when they have none); it carries no contact data."""

from __future__ import annotations

import io
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table

from kern.labels import draw_code128
from kern.models import Organisation
from kern.pdf import (
    CARD_HEIGHT,
    CARD_WIDTH,
    CELL,
    CELL_RIGHT,
    CONTENT_WIDTH,
    HEAD,
    HEAD_RIGHT,
    INK,
    MUTED,
    SMALL,
    TITLE,
    card_canvas,
    format_day,
    in_language,
    paragraph,
    render,
    table_style,
)
from vrijwilligers.models import Volunteer
from vrijwilligers.selectors.hours import VolunteerYear, hours_of_year


def format_hours(hours: Decimal) -> str:
    """“12”, “2,5”, “2,75”: hours as people here write them."""
    text = f"{hours.quantize(Decimal('0.01')):f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") or "0"


def month_name(month: int) -> str:
    return [
        _("January"),
        _("February"),
        _("March"),
        _("April"),
        _("May"),
        _("June"),
        _("July"),
        _("August"),
        _("September"),
        _("October"),
        _("November"),
        _("December"),
    ][month - 1]


def attestation_organisation(worked: VolunteerYear) -> str:
    """The organisation that attests: the one of a distribution point the volunteer
    worked at, else the Sociaal Huis, else Deelpunt."""
    for location in worked.locations:
        if location.organisation is not None:
            return location.organisation.name
    social_service = (
        Organisation.objects.filter(kind=Organisation.Kind.SOCIAL_SERVICE, is_active=True)
        .order_by("name")
        .first()
    )
    return social_service.name if social_service else "Deelpunt"


# --- The yearly attestation --------------------------------------------------------------


def attestation_pdf(volunteer: Volunteer, *, year: int, language: str | None = None) -> bytes:
    """One page: who, which year, the number of shifts and the hours per month."""
    return in_language(lambda: _attestation(volunteer, year), language)


def _month_table(worked: VolunteerYear) -> Table:
    rows: list[list[Flowable]] = [
        [
            paragraph(_("Month"), HEAD),
            paragraph(_("Shifts"), HEAD_RIGHT),
            paragraph(_("Hours"), HEAD_RIGHT),
        ]
    ]
    for month in worked.months:
        rows.append(
            [
                paragraph(month_name(month.month), CELL),
                paragraph(str(month.shifts) if month.shifts else "—", CELL_RIGHT),
                paragraph(format_hours(month.hours) if month.shifts else "—", CELL_RIGHT),
            ]
        )
    rows.append(
        [
            paragraph(_("Total"), HEAD),
            paragraph(str(worked.shifts), HEAD_RIGHT),
            paragraph(format_hours(worked.hours), HEAD_RIGHT),
        ]
    )
    table = Table(
        rows,
        colWidths=[CONTENT_WIDTH * 0.5, CONTENT_WIDTH * 0.25, CONTENT_WIDTH * 0.25],
        repeatRows=1,
    )
    table.setStyle(table_style(("LINEABOVE", (0, -1), (-1, -1), 0.8, INK)))
    return table


def _attestation(volunteer: Volunteer, year: int) -> bytes:
    worked = hours_of_year(volunteer=volunteer, year=year)
    organisation = attestation_organisation(worked)
    name = volunteer.full_name
    points = ", ".join(location.name for location in worked.locations)
    today = timezone.localdate()

    story: list[Flowable] = [
        paragraph(organisation, SMALL),
        Spacer(1, 2 * mm),
        paragraph(_("Attestation of volunteer work %(year)d") % {"year": year}, TITLE),
        Spacer(1, 8 * mm),
        paragraph(
            _(
                "%(organisation)s declares that %(name)s worked as a volunteer for our "
                "organisation in %(year)d, unpaid and of their own free will, within the "
                "meaning of the law of 3 July 2005 on the rights of volunteers."
            )
            % {"organisation": organisation, "name": name, "year": year}
        ),
        Spacer(1, 3 * mm),
    ]
    if worked.shifts:
        story.append(
            paragraph(
                _(
                    "In %(year)d %(name)s worked %(shifts)d shifts, %(hours)s hours in total, "
                    "at: %(points)s."
                )
                % {
                    "year": year,
                    "name": name,
                    "shifts": worked.shifts,
                    "hours": format_hours(worked.hours),
                    "points": points,
                }
            )
        )
    else:
        story.append(
            paragraph(
                _("No shifts of %(name)s were recorded in %(year)d.") % {"name": name, "year": year}
            )
        )
    story += [
        Spacer(1, 6 * mm),
        _month_table(worked),
        Spacer(1, 4 * mm),
        paragraph(
            _(
                "Hours are counted for the shifts at which the volunteer was present, as "
                "recorded at check-in and corrected by the coordinator."
            ),
            SMALL,
        ),
        Spacer(1, 12 * mm),
        KeepTogether(
            [
                paragraph(_("Drawn up on %(day)s.") % {"day": format_day(today)}),
                Spacer(1, 4 * mm),
                paragraph(_("For %(organisation)s,") % {"organisation": organisation}),
                Spacer(1, 18 * mm),
                paragraph(_("the volunteer coordinator"), SMALL),
            ]
        ),
    ]
    return render(
        story,
        title=_("Attestation of volunteer work %(year)d · %(name)s") % {"year": year, "name": name},
        footer=f"{organisation} · "
        + _("Attestation of volunteer work %(year)d") % {"year": year}
        + f" · {name}",
    )


# --- The volunteer card ----------------------------------------------------------------


def volunteer_card_pdf(volunteer: Volunteer, *, language: str | None = None) -> bytes:
    """One card, 85.6 × 54 mm: “Deelpunt · Volunteer”, the volunteer's name and their
    code as Code 128, to scan at the counter when a shift starts."""
    return in_language(lambda: _card(volunteer), language)


def _card(volunteer: Volunteer) -> bytes:
    code = volunteer.code
    pad = 5 * mm
    buffer = io.BytesIO()
    canvas = card_canvas(buffer, title=_("Volunteer card %(code)s") % {"code": code})

    canvas.setFillColor(INK)
    canvas.setFont("Helvetica-Bold", 13)
    canvas.drawString(pad, CARD_HEIGHT - pad - 10, "Deelpunt")
    canvas.setFont("Helvetica", 8)
    canvas.setFillColor(MUTED)
    canvas.drawRightString(CARD_WIDTH - pad, CARD_HEIGHT - pad - 9, _("Volunteer"))

    canvas.setFillColor(INK)
    canvas.setFont("Helvetica-Bold", 12)
    canvas.drawString(pad, CARD_HEIGHT - pad - 27, volunteer.full_name[:40])
    canvas.setFont("Helvetica", 7.5)
    canvas.setFillColor(MUTED)
    canvas.drawString(
        pad, CARD_HEIGHT - pad - 38, _("Scan this card at the counter when your shift starts.")
    )

    canvas.setFillColor(INK)
    text_y = pad - 1
    draw_code128(canvas, code, pad, text_y + 10, 13 * mm, max_width=CARD_WIDTH - 2 * pad)
    canvas.setFont("Courier-Bold", 10)
    canvas.drawCentredString(CARD_WIDTH / 2, text_y, code)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
