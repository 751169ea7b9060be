"""The organisation note the Belgian volunteer law asks for (informatieplicht, wet van
3 juli 2005): a coordinator publishes a new version (versions are append-only; the newest
is current), a volunteer receives it on screen and acknowledges it there, or a coordinator
records a paper acknowledgement with its date. Scheduling needs the acknowledgement of the
current version (``selectors.people.has_acknowledged_current_note``)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kern import audit
from kern.errors import Conflict, DomainError
from kern.models import User
from kern.permissions import require
from vrijwilligers.models import NoteAcknowledgement, OrganisationNote, Volunteer
from vrijwilligers.selectors.people import current_note
from vrijwilligers.services.people import MANAGE, own_volunteer

#: Publishing retries this often when another coordinator published the same version
#: number at the same moment (the unique version decides; the loser takes the next).
PUBLISH_TRIES = 5


def _text(value: str, *, field: str, label: str) -> str:
    value = value.strip()
    if not value:
        raise DomainError(_("The note needs a text for “%(part)s”.") % {"part": label}, field=field)
    if len(value) > 20000:
        raise DomainError(
            _("The text for “%(part)s” is too long (at most 20,000 characters).") % {"part": label},
            field=field,
        )
    return value


def publish_note(
    *, actor: User, aim: str, insurance: str, allowance_scheme: str, discretion: str
) -> OrganisationNote:
    """Publish the next version of the organisation note; from now on volunteers must
    acknowledge this version before they can be scheduled."""
    require(actor, MANAGE)
    texts = {
        "aim": _text(aim, field="aim", label=_("aim and legal form")),
        "insurance": _text(insurance, field="insurance", label=_("insurance")),
        "allowance_scheme": _text(
            allowance_scheme, field="allowance_scheme", label=_("allowance scheme")
        ),
        "discretion": _text(discretion, field="discretion", label=_("discretion")),
    }
    for _try in range(PUBLISH_TRIES):
        try:
            with transaction.atomic():
                # Lock the current version (PostgreSQL) so two coordinators queue; the
                # unique version number is the last word when there is none to lock yet.
                newest = OrganisationNote.objects.select_for_update().order_by("-version").first()
                latest = OrganisationNote.objects.aggregate(top=Max("version"))["top"] or 0
                if newest is not None and all(
                    getattr(newest, name) == text for name, text in texts.items()
                ):
                    raise DomainError(
                        _("This text is the same as version %(version)d: nothing to publish.")
                        % {"version": newest.version}
                    )
                note = OrganisationNote.objects.create(
                    version=latest + 1, published_by=actor, published_at=timezone.now(), **texts
                )
                audit.record(actor=actor, action="create", obj=note, source="vrijwilligers.note")
                return note
        except IntegrityError:
            continue
    raise Conflict(_("Another version was being published at the same moment; try again."))


def _acknowledgement(volunteer: Volunteer, note: OrganisationNote) -> NoteAcknowledgement:
    row, _created = NoteAcknowledgement.objects.get_or_create(
        volunteer=volunteer, note=note, defaults={"received_at": timezone.now()}
    )
    return row


@transaction.atomic
def mark_note_received(*, user: User) -> NoteAcknowledgement | None:
    """The volunteer is shown the current note: record that they received it (once; the
    first time counts). None when no note is published yet."""
    volunteer = own_volunteer(user)
    note = current_note()
    if note is None:
        return None
    return _acknowledgement(volunteer, note)


@transaction.atomic
def acknowledge_note(*, user: User, version: int) -> NoteAcknowledgement:
    """The volunteer confirms on screen they read ``version``; it must be the current one
    (a newer version may have been published while they read). Confirming twice keeps the
    first moment."""
    volunteer = own_volunteer(user)
    note = current_note()
    if note is None or note.version != version:
        raise Conflict(
            _("A newer version of the organisation note was published: read it and confirm again.")
        )
    row = _acknowledgement(volunteer, note)
    if row.acknowledged_at is None:
        row.acknowledged_at = timezone.now()
        row.save(update_fields=["acknowledged_at"])
    return row


@transaction.atomic
def record_paper_acknowledgement(
    *, actor: User, volunteer: Volunteer, version: int, signed_on: dt.date
) -> NoteAcknowledgement:
    """A coordinator records that ``volunteer`` signed version ``version`` on paper on
    ``signed_on`` (not in the future, not before that version was published)."""
    require(actor, MANAGE)
    note = OrganisationNote.objects.filter(version=version).first()
    if note is None:
        raise DomainError(
            _("There is no version %(version)d of the organisation note.") % {"version": version},
            field="version",
        )
    today = timezone.localdate()
    published_on = timezone.localtime(note.published_at).date()
    if signed_on > today:
        raise DomainError(_("The date of signing cannot be in the future."), field="signed_on")
    if signed_on < published_on:
        raise DomainError(
            _("Version %(version)d was published on %(date)s: it cannot be signed before that.")
            % {"version": version, "date": published_on.strftime("%d/%m/%Y")},
            field="signed_on",
        )
    row = (
        NoteAcknowledgement.objects.select_for_update()
        .filter(volunteer=volunteer, note=note)
        .first()
    )
    if row is not None and row.acknowledged_at is not None:
        raise Conflict(
            _("%(name)s already acknowledged version %(version)d on %(date)s.")
            % {
                "name": volunteer.first_name,
                "version": version,
                "date": timezone.localtime(row.acknowledged_at).strftime("%d/%m/%Y"),
            }
        )
    # Noon on the day of signing (the paper carries a date, not a time), never later than now.
    moment = min(timezone.make_aware(dt.datetime.combine(signed_on, dt.time(12))), timezone.now())
    if row is None:
        row = NoteAcknowledgement(volunteer=volunteer, note=note, received_at=moment)
    row.received_at = min(row.received_at, moment)
    row.acknowledged_at = moment
    row.recorded_by = actor
    row.save()
    audit.record(
        actor=actor,
        action="update",
        obj=volunteer,
        source="vrijwilligers.note",
        details={"paper_acknowledgement": version, "signed_on": signed_on.isoformat()},
    )
    return row
