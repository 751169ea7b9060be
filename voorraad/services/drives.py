"""Collection drives: a named period with collection points and an optional target."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from kern.errors import Conflict, DomainError
from kern.models import Location, User
from voorraad.models import CollectionDrive
from voorraad.services._checks import require_stock_role


@transaction.atomic
def save_drive(
    *, actor: User, drive: CollectionDrive, collection_points: Iterable[Location]
) -> CollectionDrive:
    """Create or change a collection drive and set its collection points."""
    require_stock_role(actor)
    drive.name = (drive.name or "").strip()
    if not drive.name:
        raise DomainError(_("Give the collection drive a name."), field="name")
    if drive.starts_on is None:
        raise DomainError(_("Give the day the drive starts."), field="starts_on")
    if drive.ends_on is None:
        raise DomainError(_("Give the day the drive ends."), field="ends_on")
    if drive.ends_on < drive.starts_on:
        raise DomainError(
            _("The drive cannot end (%(end)s) before it starts (%(start)s).")
            % {"end": f"{drive.ends_on:%d/%m/%Y}", "start": f"{drive.starts_on:%d/%m/%Y}"},
            field="ends_on",
        )
    if drive.target_units is not None and drive.target_units < 1:
        raise DomainError(
            _("A target must be at least one unit; leave it empty for no target."),
            field="target_units",
        )
    points = list(collection_points)
    for point in points:
        if point.kind != Location.Kind.COLLECTION_POINT:
            raise DomainError(
                _("%(location)s is not a collection point.") % {"location": point.name},
                field="collection_points",
            )
    taken = CollectionDrive.objects.filter(name__iexact=drive.name).exclude(pk=drive.pk)
    if taken.exists():
        raise Conflict(
            _("There is already a collection drive called %(name)s.") % {"name": drive.name},
            field="name",
        )
    drive.save()
    drive.collection_points.set(points)
    return drive
