"""Seasonal actions: a coordinator sets up an action with its age bands and packages; at
the counter a volunteer hands the packages of a household's entitled children out as
one distribution (stock out of the point through the ledger). At most one package per
child per action: checked under the household's lock, and kept by the database."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import Conflict, DomainError
from kern.models import Location, User
from toegang import services as access
from toegang.models import Household, Program
from uitlening.models import (
    AgeBand,
    Distribution,
    PackageLine,
    SeasonalAction,
    SeasonalPackage,
)
from uitlening.selectors import LinePlan
from uitlening.selectors.seasonal import EntitledChild, entitled_list
from uitlening.services._rules import claim, idempotency_key_text, lock_household, require_counter
from uitlening.services.distributions import write_lines
from voorraad.models import Product

MANAGE_PERMISSION = "kern.manage_programs"
MAX_BAND_MONTHS = 18 * 12 + 11
MAX_PACKS = 100


def _require_manager(actor: User) -> None:
    permissions.require(actor, MANAGE_PERMISSION)


def _check_action(
    *,
    name: str,
    program: Program,
    handout_from: dt.date,
    handout_until: dt.date,
    points: Sequence[Location],
    exclude: int | None = None,
) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the action a name."), field="name")
    if len(name) > 100:
        raise DomainError(_("Keep the name under 100 characters."), field="name")
    others = SeasonalAction.objects.filter(name=name)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise DomainError(
            _("There is already an action called “%(name)s”.") % {"name": name}, field="name"
        )
    if program.kind != Program.Kind.SEASONAL:
        raise DomainError(
            _("%(program)s is not a seasonal program.") % {"program": program.name},
            field="program",
        )
    if handout_from > handout_until:
        raise DomainError(
            _("The hand-out starts on %(start)s, after it ends (%(end)s).")
            % {"start": f"{handout_from:%d/%m/%Y}", "end": f"{handout_until:%d/%m/%Y}"},
            field="handout_until",
        )
    if not points:
        raise DomainError(_("Choose at least one distribution point."), field="points")
    for point in points:
        if point.kind != Location.Kind.DISTRIBUTION_POINT:
            raise DomainError(
                _("%(location)s is not a distribution point.") % {"location": point.name},
                field="points",
            )
    return name


@transaction.atomic
def create_action(
    *,
    actor: User,
    name: str,
    kind: str,
    program: Program,
    action_date: dt.date,
    handout_from: dt.date,
    handout_until: dt.date,
    points: Sequence[Location],
) -> SeasonalAction:
    _require_manager(actor)
    if kind not in SeasonalAction.Kind.values:
        raise DomainError(_("Choose the kind of action."), field="kind")
    name = _check_action(
        name=name,
        program=program,
        handout_from=handout_from,
        handout_until=handout_until,
        points=points,
    )
    action = SeasonalAction.objects.create(
        name=name,
        kind=kind,
        program=program,
        action_date=action_date,
        handout_from=handout_from,
        handout_until=handout_until,
    )
    action.points.set(points)
    audit.record(actor=actor, action="create", obj=action)
    return action


@transaction.atomic
def update_action(
    *,
    actor: User,
    action: SeasonalAction,
    name: str,
    kind: str,
    program: Program,
    action_date: dt.date,
    handout_from: dt.date,
    handout_until: dt.date,
    points: Sequence[Location],
) -> SeasonalAction:
    """Change an action. Its program and action date decide who is entitled, so they
    stay as they are once packages were handed out."""
    _require_manager(actor)
    action = SeasonalAction.objects.select_for_update().get(pk=action.pk)
    if kind not in SeasonalAction.Kind.values:
        raise DomainError(_("Choose the kind of action."), field="kind")
    name = _check_action(
        name=name,
        program=program,
        handout_from=handout_from,
        handout_until=handout_until,
        points=points,
        exclude=action.pk,
    )
    changes_entitlement = program.pk != action.program_id or action_date != action.action_date
    if changes_entitlement and SeasonalPackage.objects.filter(action=action).exists():
        raise DomainError(
            _(
                "Packages of %(action)s were handed out already: its program and action "
                "date stay as they are."
            )
            % {"action": action.name},
            field="action_date",
        )
    action.name, action.kind, action.program = name, kind, program
    action.action_date, action.handout_from, action.handout_until = (
        action_date,
        handout_from,
        handout_until,
    )
    action.save()
    action.points.set(points)
    audit.record(actor=actor, action="update", obj=action)
    return action


def months_of(value: int, unit: str, *, upper: bool) -> int:
    """An age bound in months: years count whole (“up to 2 years” is up to 35 months)."""
    if unit == "years":
        return value * 12 + (11 if upper else 0)
    if unit == "months":
        return value
    raise DomainError(_("Ages are in years or months."), field="unit")


@transaction.atomic
def add_age_band(
    *,
    actor: User,
    action: SeasonalAction,
    label: str,
    age_from: int,
    age_to: int,
    unit: str = "years",
) -> AgeBand:
    """An age band from ``age_from`` up to and including ``age_to`` (years or months);
    bands of one action do not overlap, so a child is in one band at most."""
    _require_manager(actor)
    action = SeasonalAction.objects.select_for_update().get(pk=action.pk)
    label = (label or "").strip()
    if not label:
        raise DomainError(_("Give the age band a label, e.g. “0–2 jaar”."), field="label")
    if len(label) > 40:
        raise DomainError(_("Keep the label under 40 characters."), field="label")
    if age_from < 0 or age_to < 0:
        raise DomainError(_("An age is not negative."), field="age_from")
    low = months_of(age_from, unit, upper=False)
    high = months_of(age_to, unit, upper=True)
    if low > high:
        raise DomainError(_("The band starts after it ends."), field="age_to")
    if high > MAX_BAND_MONTHS:
        raise DomainError(_("Age bands go up to 18 years."), field="age_to")
    for band in action.bands.all():
        if band.label == label:
            raise DomainError(
                _("There is already a band “%(label)s”.") % {"label": label}, field="label"
            )
        if low <= band.to_months and band.from_months <= high:
            raise DomainError(
                _("This band overlaps with “%(label)s”: a child is in one band only.")
                % {"label": band.label},
                field="age_from",
            )
    band = AgeBand.objects.create(action=action, label=label, from_months=low, to_months=high)
    audit.record(actor=actor, action="add_age_band", obj=action, details={"band": label})
    return band


@transaction.atomic
def remove_age_band(*, actor: User, band: AgeBand) -> None:
    _require_manager(actor)
    SeasonalAction.objects.select_for_update().get(pk=band.action_id)
    if SeasonalPackage.objects.filter(band=band).exists():
        raise DomainError(
            _("Packages of “%(label)s” were handed out already: the band stays.")
            % {"label": band.label}
        )
    audit.record(
        actor=actor, action="remove_age_band", obj=band.action, details={"band": band.label}
    )
    band.delete()


@transaction.atomic
def set_package_line(*, actor: User, band: AgeBand, product: Product, packs: int) -> None:
    """Put ``packs`` of ``product`` in the package of ``band`` (0 takes it out)."""
    _require_manager(actor)
    SeasonalAction.objects.select_for_update().get(pk=band.action_id)
    if packs < 0 or packs > MAX_PACKS:
        raise DomainError(
            _("A package holds 0 to %(max)d packs of a product.") % {"max": MAX_PACKS},
            field="packs",
        )
    if packs == 0:
        PackageLine.objects.filter(band=band, product=product).delete()
    else:
        PackageLine.objects.update_or_create(band=band, product=product, defaults={"packs": packs})
    audit.record(
        actor=actor,
        action="set_package_line",
        obj=band.action,
        details={"band": band.label, "product": product.pk, "packs": packs},
    )


# --- Handing out at the counter -----------------------------------------------------------


@dataclass(frozen=True)
class HandOut:
    distribution: Distribution
    packages: list[SeasonalPackage]


def _already(action: SeasonalAction, child: EntitledChild) -> Conflict:
    return Conflict(
        _("The child born %(born)s already got its package of %(action)s.")
        % {"born": child.born, "action": action.name},
        code="package_handed_out",
    )


@transaction.atomic
def hand_out_packages(
    *,
    actor: User,
    location: Location,
    household: Household,
    action: SeasonalAction,
    child_ids: Sequence[int] | None = None,
    idempotency_key: str | None = None,
    source: str = "",
) -> HandOut:
    """Hand out the packages of ``action`` for the household's entitled children
    ``child_ids`` (None: every entitled child still without one) as one distribution:
    each child's band package, taken out of the point's stock. A child that got its
    package already, is not entitled, or a product short in stock: refused with a Dutch
    message, nothing written. ``idempotency_key``: a retry gets the first hand-out."""
    require_counter(actor, location)
    key = idempotency_key_text(idempotency_key)
    household = lock_household(household)
    visit, replayed = claim(
        actor=actor,
        key=key,
        operation="hand_out_packages",
        household=household,
        location=location,
        request={
            "household": household.pk,
            "action": action.pk,
            "children": sorted(child_ids) if child_ids is not None else None,
        },
    )
    if replayed:
        distribution = visit.distributions.get()
        return HandOut(distribution, list(distribution.seasonal_packages.order_by("pk")))
    action = SeasonalAction.objects.select_related("program").get(pk=action.pk)
    today = timezone.localdate()
    if not action.handout_from <= today <= action.handout_until:
        raise DomainError(
            _("The packages of %(action)s are handed out from %(start)s to %(end)s.")
            % {
                "action": action.name,
                "start": f"{action.handout_from:%d/%m/%Y}",
                "end": f"{action.handout_until:%d/%m/%Y}",
            },
            code="action_closed",
        )
    if not action.points.filter(pk=location.pk).exists():
        raise DomainError(
            _("%(action)s is not handed out at %(location)s.")
            % {"action": action.name, "location": location.name},
            code="action_elsewhere",
        )
    listed = entitled_list(action, household_id=household.pk)
    entitled = {child.child_id: child for h in listed.households for child in h.children}
    if child_ids is None:
        chosen = [child for child in entitled.values() if not child.served]
        if not chosen and entitled:
            raise Conflict(
                _("Every child of %(household)s already got its package of %(action)s.")
                % {"household": household.code, "action": action.name},
                code="package_handed_out",
            )
    else:
        chosen = []
        for child_id in dict.fromkeys(child_ids):
            child = entitled.get(child_id)
            if child is None:
                raise DomainError(
                    _("This child of %(household)s is not entitled to a package of %(action)s.")
                    % {"household": household.code, "action": action.name},
                    code="not_entitled",
                )
            if child.served:
                raise _already(action, child)
            chosen.append(child)
    if not chosen:
        raise DomainError(
            _("%(household)s has no child entitled to a package of %(action)s.")
            % {"household": household.code, "action": action.name},
            code="not_entitled",
        )
    packs: dict[int, int] = defaultdict(int)
    products: dict[int, Product] = {}
    for child in chosen:
        band_lines = list(child.band.lines.all())
        if not band_lines:
            raise DomainError(
                _("The package of “%(band)s” is still empty: a coordinator fills it first.")
                % {"band": child.band.label},
                code="empty_package",
            )
        for line in band_lines:
            packs[line.product_id] += line.packs
            products[line.product_id] = line.product
    now = timezone.now()
    distribution = Distribution.objects.create(
        household=household,
        location=location,
        user=actor,
        visit=visit,
        created_at=now,
        idempotency_key=key,
    )
    packages = [
        SeasonalPackage(
            action=action,
            child_id=child.child_id,
            household=household,
            band=child.band,
            birth_year=child.birth_year,
            birth_month=child.birth_month,
            distribution=distribution,
            handed_out_at=now,
            handed_out_by=actor,
            location=location,
        )
        for child in chosen
    ]
    try:
        with transaction.atomic():
            SeasonalPackage.objects.bulk_create(packages)
    except IntegrityError:
        # Another counter served one of these children since we read (the household
        # lock makes this rare; the constraint makes it impossible to write twice).
        raise _already(action, chosen[0]) from None
    write_lines(
        distribution=distribution,
        lines=[
            LinePlan(
                product=products[pk],
                packs=packs[pk],
                units=packs[pk] * products[pk].pack_size,
                program=action.program,
            )
            for pk in sorted(packs)
        ],
    )
    audit.record(
        actor=actor,
        action="hand_out_packages",
        obj=distribution,
        source=source,
        details={"action": action.pk, "children": len(chosen)},
    )
    access.touch(household)
    return HandOut(distribution, packages)
