"""GDPR tasks of the admin (beheerder): retention (anonymising inactive households), the
right of access (an export of everything held on a household) and the right to erasure.

Privacy by design: the household row itself is never deleted, so referrals and the
counter's records keep adding up to anonymous totals per municipality; what goes is
everything that could point at a family (first name, contact details, consent, UiTPAS
cards, eligibility evidence, children's birth months, and on erasure the children).
The audit log keeps that it happened, never the data that was removed."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from kern import audit, permissions
from kern.errors import DomainError
from kern.models import AuditEntry, User
from kern.pdf import (
    BODY,
    CELL,
    CONTENT_WIDTH,
    HEAD,
    SMALL,
    SUBJECT,
    TITLE,
    paragraph,
    render,
    table_style,
)
from toegang.documents import document_language
from toegang.models import Child, Evidence, Household, Referral, UitpasCard

DEFAULT_RETENTION_MONTHS = 24
BATCH_SIZE = 200
ANONYMISE_SOURCE = "anonymise_inactive"
HOUSEHOLD_TYPE = Household._meta.label_lower

# Audit actions in words, for the readable export.
ACTION_LABELS = {
    "view": gettext_lazy("opened"),
    "create": gettext_lazy("registered"),
    "update": gettext_lazy("changed"),
    "link_uitpas": gettext_lazy("UiTPAS card linked"),
    "check_uitpas": gettext_lazy("UiTPAS checked"),
    "issue_referral": gettext_lazy("referral issued"),
    "revoke_referral": gettext_lazy("referral revoked"),
    "grant_exception": gettext_lazy("exception granted"),
    "export": gettext_lazy("data exported"),
    "anonymise": gettext_lazy("anonymised"),
    "erase": gettext_lazy("personal data erased"),
}


# --- Retention --------------------------------------------------------------------------


def retention_months() -> int:
    """The retention period from the settings (``DEELPUNT_RETENTION_MONTHS``), else 24."""
    return int(getattr(settings, "DEELPUNT_RETENTION_MONTHS", DEFAULT_RETENTION_MONTHS))


def retention_cutoff(*, months: int, now: dt.datetime | None = None) -> dt.datetime:
    """The moment ``months`` calendar months before ``now`` (31 March minus one month is
    the last day of February)."""
    if months < 1:
        raise DomainError(_("The retention period is at least one month."), field="months")
    local = timezone.localtime(now or timezone.now())
    index = local.year * 12 + (local.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day)


def households_due(*, months: int = DEFAULT_RETENTION_MONTHS, now: dt.datetime | None = None):
    """Households without activity for ``months`` that are not anonymised yet."""
    return Household.objects.filter(
        anonymised_at__isnull=True,
        last_activity_at__lt=retention_cutoff(months=months, now=now),
    )


def _strip_personal_data(ids: list[int], *, now: dt.datetime, remove_children: bool) -> None:
    """Blank everything that could point at a family, for the households ``ids``; keep
    the postcode, the municipality, the number of adults and the referrals (anonymous
    totals). Children keep their birth year only, or go altogether on erasure."""
    Evidence.objects.filter(household_id__in=ids).delete()
    UitpasCard.objects.filter(household_id__in=ids).delete()
    children = Child.objects.filter(household_id__in=ids)
    if remove_children:
        children.delete()
    else:
        children.update(birth_month=1, diaper_size=None)
    Household.objects.filter(pk__in=ids).update(
        first_name="",
        email="",
        phone="",
        consent_version="",
        consent_at=None,
    )
    Household.objects.filter(pk__in=ids, anonymised_at__isnull=True).update(anonymised_at=now)


def anonymise_inactive(*, months: int = DEFAULT_RETENTION_MONTHS, now=None) -> int:
    """Anonymise every household without activity for ``months``; return how many.

    Safe to run again (a nightly cron): anonymised households are skipped. Works in
    batches, each in its own transaction, so a large first run does not hold the database
    for long; an interrupted run is finished by the next one. One audit entry per
    household (action ``anonymise``, no actor)."""
    now = now or timezone.now()
    cutoff = retention_cutoff(months=months, now=now)
    ids = list(households_due(months=months, now=now).order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), BATCH_SIZE):
        done += _anonymise_batch(ids[start : start + BATCH_SIZE], cutoff=cutoff, now=now)
    return done


@transaction.atomic
def _anonymise_batch(ids: list[int], *, cutoff: dt.datetime, now: dt.datetime) -> int:
    # Lock and look again: a family may have come by since the ids were read.
    locked = list(
        Household.objects.select_for_update()
        .filter(pk__in=ids, anonymised_at__isnull=True, last_activity_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not locked:
        return 0
    _strip_personal_data(locked, now=now, remove_children=False)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            at=now,
            actor=None,
            action="anonymise",
            object_type=HOUSEHOLD_TYPE,
            object_id=str(pk),
            object_repr=Household(pk=pk).code,
            source=ANONYMISE_SOURCE,
            details={"inactive_since_before": cutoff.date().isoformat()},
        )
        for pk in locked
    )
    return len(locked)


# --- Erasure ----------------------------------------------------------------------------


@transaction.atomic
def erase_household(
    *, actor: User, household: Household, reason: str, source: str = ""
) -> Household:
    """Erase a household's personal data on the family's request, irreversibly.

    Contact details, consent, children, UiTPAS cards and evidence go; the household row
    stays as an anonymous shell (postcode, adults) so its referrals still count in the
    totals. The audit log records that it happened and why, not the data."""
    permissions.require(actor, "kern.manage_users")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Say why the data are erased, e.g. “request of the family by e-mail of 3 May”."),
            field="reason",
        )
    household = Household.objects.select_for_update().get(pk=household.pk)
    removed = {
        "children": Child.objects.filter(household=household).count(),
        "uitpas_cards": UitpasCard.objects.filter(household=household).count(),
        "evidence": Evidence.objects.filter(household=household).count(),
    }
    now = timezone.now()
    _strip_personal_data([household.pk], now=now, remove_children=True)
    audit.record(
        actor=actor,
        action="erase",
        obj=household,
        source=source,
        details={"reason": reason[:500], "erased": True, "removed": removed},
    )
    household.refresh_from_db()
    return household


# --- Right of access: the export --------------------------------------------------------


def _when(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def _collect(household: Household, *, actor: User) -> dict[str, Any]:
    """Everything held on ``household``, JSON-serialisable, in a fixed number of queries."""
    household = (
        Household.objects.select_related("municipality", "created_by__organisation")
        .filter(pk=household.pk)
        .get()
    )
    registered_by = household.created_by
    children = list(Child.objects.filter(household=household))
    cards = list(UitpasCard.objects.filter(household=household).order_by("added_at", "pk"))
    referrals = list(
        Referral.objects.filter(household=household)
        .select_related("organisation", "renews")
        .prefetch_related("programs")
        .order_by("created_at", "pk")
    )
    evidence = list(
        Evidence.objects.filter(household=household)
        .select_related("program", "card")
        .order_by("checked_at", "pk")
    )
    entries = list(
        AuditEntry.objects.filter(object_type=HOUSEHOLD_TYPE, object_id=str(household.pk))
        .select_related("actor__organisation")
        .order_by("at", "id")
    )
    return {
        "exported_at": _when(timezone.now()),
        "exported_by": actor.get_username(),
        "household": {
            "code": household.code,
            "postcode": household.postcode,
            "municipality": household.municipality.name if household.municipality else None,
            "adults": household.adults,
            "preferred_language": household.language,
            "first_name": household.first_name,
            "email": household.email,
            "phone": household.phone,
            "consent": {
                "privacy_text_version": household.consent_version,
                "given_at": _when(household.consent_at),
            },
            "registered_at": _when(household.created_at),
            "registered_by_organisation": (
                registered_by.organisation.name
                if registered_by is not None and registered_by.organisation
                else None
            ),
            "last_activity_at": _when(household.last_activity_at),
            "anonymised_at": _when(household.anonymised_at),
        },
        "children": [
            {
                "birth_year": child.birth_year,
                "birth_month": child.birth_month,
                "diaper_size": child.diaper_size,
            }
            for child in children
        ],
        "uitpas_cards": [
            {"last_digits": card.last_digits, "linked_at": _when(card.added_at)} for card in cards
        ],
        "referrals": [
            {
                "code": referral.code,
                "programs": sorted(program.name for program in referral.programs.all()),
                "organisation": referral.organisation.name,
                "issued_at": _when(referral.created_at),
                "valid_from": _when(referral.valid_from),
                "valid_until": _when(referral.valid_until),
                "revoked_at": _when(referral.revoked_at),
                "first_used_at": _when(referral.first_used_at),
                "renews": referral.renews.code if referral.renews else None,
            }
            for referral in referrals
        ],
        "evidence": [
            {
                "kind": item.kind,
                "kind_label": str(item.get_kind_display()),
                "checked_at": _when(item.checked_at),
                "valid_until": _when(item.valid_until),
                "social_tariff": item.social_tariff,
                "card_system": item.card_system_name,
                "card_last_digits": item.card.last_digits if item.card else None,
                "program": item.program.name if item.program else None,
                "reason": item.reason,
            }
            for item in evidence
        ],
        "audit": [
            {
                "at": _when(entry.at),
                "who": entry.actor_name or None,
                "organisation": (
                    entry.actor.organisation.name
                    if entry.actor is not None and entry.actor.organisation
                    else None
                ),
                "action": entry.action,
                "from": entry.source,
                "details": entry.details,
            }
            for entry in entries
        ],
    }


def _notes() -> dict[str, str]:
    return {
        "uitpas_cards": _(
            "Of an UiTPAS card only the last four digits are kept. The full number is stored "
            "only as a one-way keyed hash, so the counter can recognise the card; that hash "
            "cannot be turned back into the number and is left out of this export."
        ),
        "referrals": _(
            "A referral never records a reason: the social worker's professional secrecy "
            "stays with the social worker."
        ),
        "audit": _(
            "Every time staff opened or changed this household: when, who, from which "
            "organisation and from which screen."
        ),
    }


@transaction.atomic
def export_household(*, actor: User, household: Household, source: str = "") -> dict:
    """Everything held on a household (right of access), as a JSON-serialisable dict.
    Only an admin may; every export is logged."""
    permissions.require(actor, "kern.manage_users")
    data = {**_collect(household, actor=actor), "notes": _notes()}
    audit.record(
        actor=actor, action="export", obj=household, source=source, details={"format": "json"}
    )
    return data


@transaction.atomic
def export_household_pdf(
    *, actor: User, household: Household, source: str = "", language: str | None = None
) -> bytes:
    """The same export as a readable A4 summary for the family, in the household's
    language (``documents.document_language``: Dutch, French or English, else Dutch)
    unless another ``language`` is asked for. Logged like the JSON export."""
    permissions.require(actor, "kern.manage_users")
    data = _collect(household, actor=actor)
    language = language or document_language(household) or settings.LANGUAGE_CODE
    with translation.override(language):
        pdf = _export_pdf(data)
    audit.record(
        actor=actor, action="export", obj=household, source=source, details={"format": "pdf"}
    )
    return pdf


def _day(iso: str | None, *, with_time: bool = False) -> str:
    if not iso:
        return "—"
    if "T" in iso:
        moment = dt.datetime.fromisoformat(iso)
        return f"{moment:%d/%m/%Y %H:%M}" if with_time else f"{moment:%d/%m/%Y}"
    return f"{dt.date.fromisoformat(iso):%d/%m/%Y}"


def _grid(header: list[str], rows: list[list[str]], widths: list[float]) -> Table:
    body = [[paragraph(text, HEAD) for text in header]]
    body += [[paragraph(str(cell), CELL) for cell in row] for row in rows]
    table = Table(body, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(table_style(("VALIGN", (0, 0), (-1, -1), "TOP")))
    return table


def _section(title: str, content: list[Flowable], empty: str, has_rows: bool) -> list[Flowable]:
    heading = [paragraph(title, SUBJECT), Spacer(1, 2 * mm)]
    if not has_rows:
        return [KeepTogether([*heading, paragraph(empty, SMALL)]), Spacer(1, 6 * mm)]
    return [KeepTogether([*heading, *content]), Spacer(1, 6 * mm)]


def _export_pdf(data: dict[str, Any]) -> bytes:
    home = data["household"]
    notes = _notes()
    code = home["code"]
    title = _("What Deelpunt keeps about household %(code)s") % {"code": code}
    story: list[Flowable] = [
        paragraph(title, TITLE),
        Spacer(1, 2 * mm),
        paragraph(
            _("Summary made on %(day)s, at the request of the family.")
            % {"day": _day(data["exported_at"])},
            SMALL,
        ),
        Spacer(1, 6 * mm),
    ]
    if home["anonymised_at"]:
        story += [
            paragraph(
                _("This household was anonymised on %(day)s: personal data were removed.")
                % {"day": _day(home["anonymised_at"])}
            ),
            Spacer(1, 4 * mm),
        ]

    def or_dash(value) -> str:
        return str(value) if value not in (None, "") else "—"

    consent = home["consent"]
    facts = [
        [_("Household code"), code],
        [_("Postcode"), home["postcode"]],
        [_("Municipality"), or_dash(home["municipality"])],
        [_("Adults"), str(home["adults"])],
        [_("Preferred language"), or_dash(home["preferred_language"])],
        [_("First name"), or_dash(home["first_name"])],
        [_("E-mail"), or_dash(home["email"])],
        [_("Phone"), or_dash(home["phone"])],
        [
            _("Consent"),
            _("given on %(day)s (privacy text %(version)s)")
            % {"day": _day(consent["given_at"]), "version": consent["privacy_text_version"]}
            if consent["given_at"]
            else _("none: no name or contact details are kept"),
        ],
        [_("Registered on"), _day(home["registered_at"])],
        [_("Registered by"), or_dash(home["registered_by_organisation"])],
        [_("Last activity"), _day(home["last_activity_at"])],
    ]
    fact_table = Table(
        [[paragraph(label, HEAD), paragraph(value, BODY)] for label, value in facts],
        colWidths=[45 * mm, CONTENT_WIDTH - 45 * mm],
        hAlign="LEFT",
    )
    fact_table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    story += _section(_("Household"), [fact_table], "", True)

    children = data["children"]
    story += _section(
        _("Children"),
        [
            _grid(
                [_("Born (month/year)"), _("Diaper size")],
                [
                    [f"{c['birth_month']:02d}/{c['birth_year']}", or_dash(c["diaper_size"])]
                    for c in children
                ],
                [60 * mm, CONTENT_WIDTH - 60 * mm],
            )
        ],
        _("No children are recorded."),
        bool(children),
    )

    cards = data["uitpas_cards"]
    story += _section(
        _("UiTPAS cards"),
        [
            _grid(
                [_("Card ending in"), _("Linked on")],
                [["…" + card["last_digits"], _day(card["linked_at"])] for card in cards],
                [60 * mm, CONTENT_WIDTH - 60 * mm],
            ),
            Spacer(1, 2 * mm),
            paragraph(notes["uitpas_cards"], SMALL),
        ],
        _("No UiTPAS card is linked."),
        bool(cards),
    )

    referrals = data["referrals"]
    story += _section(
        _("Referrals"),
        [
            _grid(
                [_("Programs"), _("Organisation"), _("Valid"), _("Revoked")],
                [
                    [
                        ", ".join(r["programs"]),
                        r["organisation"],
                        f"{_day(r['valid_from'])} – {_day(r['valid_until'])}",
                        _day(r["revoked_at"]) if r["revoked_at"] else "—",
                    ]
                    for r in referrals
                ],
                [55 * mm, 50 * mm, 45 * mm, CONTENT_WIDTH - 150 * mm],
            ),
            Spacer(1, 2 * mm),
            paragraph(notes["referrals"], SMALL),
        ],
        _("No referrals.") + " " + notes["referrals"],
        bool(referrals),
    )

    evidence = data["evidence"]
    story += _section(
        _("Proof of eligibility"),
        [
            _grid(
                [_("Kind"), _("Checked on"), _("Valid until"), _("Details")],
                [
                    [
                        e["kind_label"],
                        _day(e["checked_at"]),
                        _day(e["valid_until"]),
                        "; ".join(
                            part
                            for part in (
                                e["card_system"],
                                e["social_tariff"],
                                e["program"] or "",
                                e["reason"],
                            )
                            if part
                        )
                        or "—",
                    ]
                    for e in evidence
                ],
                [40 * mm, 30 * mm, 30 * mm, CONTENT_WIDTH - 100 * mm],
            )
        ],
        _("No proof of eligibility is kept."),
        bool(evidence),
    )

    entries = data["audit"]
    story += _section(
        _("Who opened or changed this household"),
        [
            paragraph(notes["audit"], SMALL),
            Spacer(1, 2 * mm),
            _grid(
                [_("When"), _("Who"), _("Action"), _("From")],
                [
                    [
                        _day(entry["at"], with_time=True),
                        " · ".join(part for part in (entry["who"], entry["organisation"]) if part)
                        or _("automatic"),
                        str(ACTION_LABELS.get(entry["action"], entry["action"])),
                        entry["from"] or "—",
                    ]
                    for entry in entries
                ],
                [32 * mm, 50 * mm, 30 * mm, CONTENT_WIDTH - 112 * mm],
            ),
        ],
        _("Nothing was logged."),
        bool(entries),
    )
    return render(
        story,
        title=title,
        footer=f"Deelpunt · {code}",
        running_header=title,
    )
