"""Donors and donations: a draft collects scanned lines; posting books them at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kern.errors import Conflict, DomainError
from kern.models import Location, User
from voorraad.models import CollectionDrive, Donation, DonationLine, Donor, Product
from voorraad.selectors.catalogue import product_for_code
from voorraad.services._checks import (
    check_location,
    check_quantity,
    check_received_on,
    first_with_key,
    require_stock_role,
    validate,
)
from voorraad.services.ledger import Kind, Line, Posting, _book, merge_lines


@transaction.atomic
def save_donor(*, actor: User, donor: Donor) -> Donor:
    require_stock_role(actor)
    donor.name = (donor.name or "").strip()
    if not donor.name:
        raise DomainError(_("Give the donor a name."), field="name")
    validate(donor)
    donor.save()
    return donor


def anonymous_donor() -> Donor:
    donor, _created = Donor.objects.get_or_create(
        name="Anonieme schenker", kind=Donor.Kind.ANONYMOUS, defaults={"wants_receipt": False}
    )
    return donor


@transaction.atomic
def start_donation(
    *,
    actor: User,
    donor: Donor,
    location: Location,
    drive: CollectionDrive | None = None,
    received_on: dt.date | None = None,
    note: str = "",
) -> Donation:
    require_stock_role(actor)
    check_location(location)
    if not donor.is_active:
        raise DomainError(_("Donor %(donor)s is no longer active.") % {"donor": donor.name})
    received_on = check_received_on(received_on or timezone.localdate(), document="donation")
    if drive is not None and not (drive.starts_on <= received_on <= drive.ends_on):
        raise DomainError(
            _("%(drive)s runs from %(start)s to %(end)s, not on %(day)s.")
            % {
                "drive": drive.name,
                "start": f"{drive.starts_on:%d/%m/%Y}",
                "end": f"{drive.ends_on:%d/%m/%Y}",
                "day": f"{received_on:%d/%m/%Y}",
            },
            field="drive",
        )
    return Donation.objects.create(
        donor=donor,
        location=location,
        drive=drive,
        received_on=received_on,
        note=note,
        created_by=actor,
    )


def _draft(donation: Donation) -> Donation:
    locked = Donation.objects.select_for_update().get(pk=donation.pk)
    if locked.status != Donation.Status.DRAFT:
        raise Conflict(_("This donation is already booked; start a new one."))
    return locked


@transaction.atomic
def scan_into_donation(
    *, actor: User, donation: Donation, code: str, packs: int = 1
) -> DonationLine:
    """Add what a scanned code stands for (a repeat scan adds to the same line)."""
    require_stock_role(actor)
    donation = _draft(donation)
    scanned = product_for_code(code)
    packs = check_quantity(scanned.product, packs)
    return _add_to_line(donation, scanned.product, scanned.units * packs)


def _add_to_line(donation: Donation, product: Product, units: int) -> DonationLine:
    check_quantity(product, units)
    line, created = DonationLine.objects.get_or_create(
        donation=donation, product=product, defaults={"quantity": units}
    )
    if not created:
        check_quantity(product, line.quantity + units)
        DonationLine.objects.filter(pk=line.pk).update(quantity=F("quantity") + units)
        line.refresh_from_db()
    return line


@transaction.atomic
def set_donation_line(
    *, actor: User, donation: Donation, product: Product, units: int
) -> DonationLine | None:
    """Set a line to a typed quantity; zero removes the line."""
    require_stock_role(actor)
    donation = _draft(donation)
    units = check_quantity(product, units, allow_zero=True)
    if units == 0:
        DonationLine.objects.filter(donation=donation, product=product).delete()
        return None
    line, _created = DonationLine.objects.update_or_create(
        donation=donation, product=product, defaults={"quantity": units}
    )
    return line


@transaction.atomic
def post_donation(*, actor: User, donation: Donation, at: dt.datetime | None = None) -> Donation:
    """Book a draft donation: one ledger row per line, all or nothing."""
    require_stock_role(actor)
    donation = _draft(donation)
    lines = merge_lines(
        Line(line.product, line.quantity) for line in donation.lines.select_related("product")
    )
    _book(
        donation,
        (Posting(donation.location, line.product, line.quantity, Kind.DONATION) for line in lines),
        user=actor,
        at=at,
    )
    return donation


@transaction.atomic
def receive_donation(
    *,
    actor: User,
    donor: Donor,
    location: Location,
    lines: Sequence[Line],
    drive: CollectionDrive | None = None,
    received_on: dt.date | None = None,
    note: str = "",
    idempotency_key: str | None = None,
    at: dt.datetime | None = None,
) -> Donation:
    """Take in and book a whole donation at once (API, imports). ``at`` is when the goods
    arrived, for imports of past donations (default: now)."""
    # The role comes before the key: knowing a used key must not reveal its donation.
    require_stock_role(actor)
    if idempotency_key:
        existing = Donation.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    merged = merge_lines(lines)
    try:
        with transaction.atomic():  # the same key at the same time: see first_with_key
            donation = start_donation(
                actor=actor,
                donor=donor,
                location=location,
                drive=drive,
                received_on=received_on,
                note=note,
            )
            DonationLine.objects.bulk_create(
                DonationLine(donation=donation, product=line.product, quantity=line.quantity)
                for line in merged
            )
            if idempotency_key:
                donation.idempotency_key = idempotency_key
                donation.save(update_fields=["idempotency_key"])
            return post_donation(actor=actor, donation=donation, at=at)
    except IntegrityError:
        existing = first_with_key(Donation, idempotency_key)
        if existing is None:
            raise
        return existing
