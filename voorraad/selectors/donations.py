"""Reading donations: what a collection drive brought in."""

from __future__ import annotations

from django.db.models import Sum

from voorraad.models import CollectionDrive, Donation, DonationLine


def drive_progress(drive: CollectionDrive) -> int:
    """Units received in posted donations of a drive."""
    total: int | None = DonationLine.objects.filter(
        donation__drive=drive, donation__status=Donation.Status.POSTED
    ).aggregate(total=Sum("quantity"))["total"]
    return total or 0
