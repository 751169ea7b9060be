"""The pick list of a seasonal action for one point, printed for a day, as an A4 PDF in
the house style: what is still to pick up there when it is printed (households are not
assigned to days); per age band the number of packages and what one holds, the total
per product, and a row per household code with its children's bands to tick. Codes
only, no names: the list lies on a table in the storeroom."""

from __future__ import annotations

from collections import Counter

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.platypus import Flowable, Spacer, Table

from kern import pdf
from uitlening.selectors.seasonal import PickList

TICK = "[  ]"  # the standard PDF fonts have no ballot box


def pick_list_pdf(listed: PickList) -> bytes:
    action = listed.action
    story: list[Flowable] = [
        pdf.paragraph(_("Pick list: %(action)s") % {"action": action.name}, pdf.TITLE),
        pdf.paragraph(
            _(
                "%(point)s · still to pick up on %(day)s (as it stands when printed) · ages "
                "on %(action_day)s"
            )
            % {
                "point": listed.point.name,
                "day": pdf.format_day(listed.day),
                "action_day": pdf.format_day(action.action_date),
            },
            pdf.SMALL,
        ),
        Spacer(1, 10),
        pdf.paragraph(_("Packages per age band"), pdf.SUBJECT),
    ]
    rows = [
        [
            pdf.paragraph(_("Age band"), pdf.HEAD),
            pdf.paragraph(_("Packages"), pdf.HEAD_RIGHT),
            pdf.paragraph(_("One package holds"), pdf.HEAD),
        ]
    ]
    for band in listed.bands:
        holds = ", ".join(f"{line.packs} × {line.product_name}" for line in band.lines)
        rows.append(
            [
                pdf.paragraph(band.band.label, pdf.CELL),
                pdf.paragraph(str(band.packages), pdf.CELL_RIGHT),
                pdf.paragraph(holds or _("(empty)"), pdf.CELL),
            ]
        )
    widths = [pdf.CONTENT_WIDTH * 0.25, pdf.CONTENT_WIDTH * 0.15, pdf.CONTENT_WIDTH * 0.6]
    story += [Table(rows, colWidths=widths, style=pdf.table_style(), repeatRows=1)]
    story += [Spacer(1, 10), pdf.paragraph(_("Total per product"), pdf.SUBJECT)]
    totals = [[pdf.paragraph(_("Product"), pdf.HEAD), pdf.paragraph(_("Packs"), pdf.HEAD_RIGHT)]]
    totals += [
        [
            pdf.paragraph(total.product_name, pdf.CELL),
            pdf.paragraph(str(total.packs), pdf.CELL_RIGHT),
        ]
        for total in listed.totals
    ]
    story += [
        Table(
            totals,
            colWidths=[pdf.CONTENT_WIDTH * 0.75, pdf.CONTENT_WIDTH * 0.25],
            style=pdf.table_style(),
            repeatRows=1,
        )
    ]
    story += [Spacer(1, 10), pdf.paragraph(_("Per household"), pdf.SUBJECT)]
    households = [
        [
            pdf.paragraph(_("Household code"), pdf.HEAD),
            pdf.paragraph(_("Packages to hand out (tick each)"), pdf.HEAD),
        ]
    ]
    for household in listed.households:
        bands = Counter(child.band.label for child in household.waiting)
        ticks = "   ".join(
            f"{TICK} {label}" for label, n in sorted(bands.items()) for _i in range(n)
        )
        households.append([pdf.paragraph(household.code, pdf.CELL), pdf.paragraph(ticks, pdf.CELL)])
    if len(households) == 1:
        households.append(
            [pdf.paragraph("—", pdf.CELL), pdf.paragraph(_("Nothing left to hand out."), pdf.CELL)]
        )
    story += [
        Table(
            households,
            colWidths=[pdf.CONTENT_WIDTH * 0.25, pdf.CONTENT_WIDTH * 0.75],
            style=pdf.table_style(),
            repeatRows=1,
        )
    ]
    title = _("Pick list %(action)s") % {"action": action.name}
    return pdf.render(
        story,
        title=title,
        footer=_("Deelpunt · printed %(when)s")
        % {"when": timezone.localtime().strftime("%d/%m/%Y %H:%M")},
        running_header=f"{title} · {listed.point.name}",
    )
