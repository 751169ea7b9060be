"""The programs around the counter: memberships (normal versus social fee), swap points
earned and spent, seasonal packages per action, and partner requests (requested versus
handed out, per product)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q, Sum
from django.db.models.functions import Abs
from django.utils.translation import gettext as _

from rapportering import anonymity
from rapportering.selectors.filters import ReportFilter
from rapportering.selectors.reach import swap_programs
from rapportering.selectors.report import Cell, KeyFigure, Table
from rapportering.selectors.scope import Group, breakdown_rows, day_in, moment_in, scoped
from uitlening.models import (
    Membership,
    PartnerRequestLine,
    PointsEntry,
    ProgramCategory,
    SeasonalPackage,
)


def section(filters: ReportFilter, *, tables: bool = True) -> tuple[list[KeyFigure], list[Table]]:
    key_figures: list[KeyFigure] = []
    found: list[Table] = []
    for part in (memberships, points, seasonal, partners):
        figures, table = part(filters)
        key_figures.extend(figures)
        if tables:
            found.append(table)
    return key_figures, found


def memberships(filters: ReportFilter) -> tuple[list[KeyFigure], Table]:
    """Memberships valid on some day of the period, per program and fee."""
    valid = Membership.objects.filter(
        scoped(filters, program="program", location="location", household="household"),
        valid_from__lte=filters.end,
        valid_until__gte=filters.start,
    )
    social = Q(fee_kind=Membership.FeeKind.SOCIAL)
    normal = Q(fee_kind=Membership.FeeKind.NORMAL)
    count = {
        "normal": Count("household", distinct=True, filter=normal),
        "social": Count("household", distinct=True, filter=social),
    }
    totals = valid.aggregate(**count)
    split = anonymity.mask_breakdown([totals["normal"], totals["social"]], households=lambda n: n)
    key_figures = [
        KeyFigure(
            key,
            label,
            anonymity.Figure(None) if index in split else anonymity.households(totals[name]),
        )
        for index, (key, name, label) in enumerate(
            (
                ("memberships_normal_fee", "normal", _("Members at the normal fee")),
                ("memberships_social_fee", "social", _("Members at the social fee")),
            )
        )
    ]
    per_program = list(valid.values("program__name").annotate(**count).order_by("program__name"))
    groups = [
        Group(labels=[row["program__name"], label], households=row[name])
        for row in per_program
        for name, label in (("normal", _("normal fee")), ("social", _("social fee")))
    ]
    table = Table(
        key="memberships",
        title=_("Members per program and fee"),
        columns=[_("Program"), _("Fee"), _("Households")],
        rows=breakdown_rows(groups),
        note=_("Households with a membership valid on some day of the period."),
        section="programs",
    )
    return key_figures, table


def points(filters: ReportFilter) -> tuple[list[KeyFigure], Table]:
    """Swap points per kind of entry in the period (the swap shop's programs only)."""
    if filters.programs and not swap_programs(filters):
        entries = PointsEntry.objects.none()
    else:
        entries = PointsEntry.objects.filter(
            moment_in(filters, "created_at"),
            scoped(filters, location="location", household="household"),
        )
    per_kind = {
        row["kind"]: row
        for row in entries.values("kind")
        .annotate(points=Sum(Abs("delta")), households=Count("household", distinct=True))
        .order_by()
    }
    kinds = list(PointsEntry.Kind)
    groups = [
        Group(
            labels=[str(kind.label)],
            households=per_kind.get(kind.value, {}).get("households", 0),
            about=[per_kind.get(kind.value, {}).get("points", 0) or 0],
        )
        for kind in kinds
    ]
    rows = breakdown_rows(groups)
    by_kind = dict(zip([kind.value for kind in kinds], rows, strict=True))
    key_figures = [
        KeyFigure("points_earned", _("Swap points earned"), figure(by_kind[PointsEntry.Kind.EARN])),
        KeyFigure("points_spent", _("Swap points spent"), figure(by_kind[PointsEntry.Kind.SPEND])),
    ]
    table = Table(
        key="swap_points",
        title=_("Swap points"),
        columns=[_("Kind"), _("Households"), _("Points")],
        rows=rows,
        note=_("Earned: for goods brought; spent: for goods taken; corrections either way."),
        section="programs",
    )
    return key_figures, table


def figure(row: list[Cell]) -> anonymity.Figure:
    """The points cell of a row of the points table (always a Figure there)."""
    cell = row[2]
    return cell if isinstance(cell, anonymity.Figure) else anonymity.Figure(0)


def seasonal(filters: ReportFilter) -> tuple[list[KeyFigure], Table]:
    """Seasonal packages handed out in the period, per action."""
    packages = SeasonalPackage.objects.filter(
        moment_in(filters, "handed_out_at"),
        scoped(filters, program="action__program", location="location", household="household"),
        distribution__corrected_at__isnull=True,
    )
    totals = packages.aggregate(n=Count("id"), households=Count("household", distinct=True))
    per_action = list(
        packages.values("action__name")
        .annotate(n=Count("id"), households=Count("household", distinct=True))
        .order_by("action__name")
    )
    key_figures = [
        KeyFigure(
            "seasonal_packages",
            _("Seasonal packages handed out"),
            anonymity.about(totals["n"], households=totals["households"]),
        )
    ]
    table = Table(
        key="seasonal_packages",
        title=_("Seasonal packages per action"),
        columns=[_("Action"), _("Households"), _("Packages")],
        rows=breakdown_rows(
            [
                Group(labels=[row["action__name"]], households=row["households"], about=[row["n"]])
                for row in per_action
            ]
        ),
        note=_("One package per child."),
        section="programs",
    )
    return key_figures, table


def partners(filters: ReportFilter) -> tuple[list[KeyFigure], Table]:
    """Partner requests with their pick-up day in the period, per product: requested,
    approved and handed-out packs. A partner says how many households a request serves
    (never which): that number is the group the "< 5" rule looks at."""
    lines = PartnerRequestLine.objects.filter(
        day_in(filters, "request__pickup_date"),
        scoped(filters, location="request__pickup_location"),
    )
    if filters.programs:
        categories = ProgramCategory.objects.filter(program__in=filters.programs).values(
            "category_id"
        )
        lines = lines.filter(product__category__in=categories)
    per_product = list(
        lines.values("product__name", "request_id", "request__households_served")
        .annotate(
            requested=Sum("requested_packs"),
            approved=Sum("approved_packs"),
            handed=Sum("handed_out_packs"),
        )
        .order_by()
    )
    # One row per (product, request): add up per product, counting each request's
    # households once per product.
    merged: dict[str, dict[str, int]] = defaultdict(
        lambda: {"requested": 0, "approved": 0, "handed": 0, "households": 0, "requests": 0}
    )
    served: dict[int, int] = {}
    for row in per_product:
        entry = merged[row["product__name"]]
        entry["requested"] += row["requested"] or 0
        entry["approved"] += row["approved"] or 0
        entry["handed"] += row["handed"] or 0
        entry["households"] += row["request__households_served"]
        entry["requests"] += 1
        served[row["request_id"]] = row["request__households_served"]
    households = sum(served.values())
    requested = sum(entry["requested"] for entry in merged.values())
    handed = sum(entry["handed"] for entry in merged.values())
    key_figures = [
        KeyFigure(
            "partner_packs_requested",
            _("Packs requested by partners"),
            anonymity.about(requested, households=households),
        ),
        KeyFigure(
            "partner_packs_handed_out",
            _("Packs handed out to partners"),
            anonymity.about(handed, households=households),
        ),
    ]
    groups = [
        Group(
            labels=[name],
            households=entry["households"],
            about=[entry["requested"], entry["approved"], entry["handed"]],
            after=[entry["requests"]],
        )
        for name, entry in sorted(merged.items(), key=lambda item: item[0].lower())
    ]
    table = Table(
        key="partner_requests",
        title=_("Partner requests: requested versus handed out"),
        columns=[
            _("Product"),
            _("Requests"),
            _("Households helped (as the partner organisation says)"),
            _("Packs requested"),
            _("Packs approved"),
            _("Packs handed out"),
        ],
        rows=breakdown_rows(groups, before=1),
        note=_(
            "Requests with their pick-up day in the period, at the chosen points; a request "
            "serves the households its partner organisation gave."
        ),
        section="programs",
    )
    return key_figures, table
