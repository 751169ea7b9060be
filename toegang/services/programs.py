"""Programs and their rules, kept by the coordinator: which evidence opens a program,
what it grants (fees, contribution, quota, loans), how long a referral lasts, which
UiTPAS card systems count, and which other programs a right here opens automatically
(“rechten automatisch toekennen”)."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kern import audit, permissions
from kern.errors import DomainError
from kern.models import User
from toegang.models import Program

MAX_UITPAS_REUSE_HOURS = 168  # a week: an ended social tariff is noticed soon enough
CARD_SYSTEM_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def parse_card_systems(text: str) -> list[str]:
    """“1, 7 ,12” → ["1", "7", "12"]: the card system ids a coordinator typed, in order,
    without doubles."""
    ids: list[str] = []
    for part in re.split(r"[,;\s]+", text or ""):
        if part and part not in ids:
            ids.append(part)
    return ids


def _check(program: Program, grants: list[Program]) -> None:
    program.name = (program.name or "").strip()
    if not program.name:
        raise DomainError(_("Give the program a name."), field="name")
    same_name = Program.objects.filter(name__iexact=program.name)
    if program.pk:
        same_name = same_name.exclude(pk=program.pk)
    if same_name.exists():
        raise DomainError(
            _("There is already a program called %(name)s.") % {"name": program.name},
            field="name",
        )
    if program.kind not in Program.Kind.values:
        raise DomainError(_("Choose what kind of program this is."), field="kind")

    # Access
    if not (program.accepts_uitpas or program.accepts_referral or program.open_to_all):
        raise DomainError(
            _(
                "Nobody could use this program: accept an UiTPAS with social tariff, a "
                "referral, or open it to everyone."
            ),
            field="accepts_uitpas",
        )

    # What it grants
    for name in ("contribution", "membership_fee_normal", "membership_fee_social"):
        if getattr(program, name) is None:
            setattr(program, name, Decimal("0"))
        if getattr(program, name) < 0:
            raise DomainError(_("An amount cannot be negative."), field=name)
    if program.membership_fee_social > program.membership_fee_normal:
        raise DomainError(
            _("The social membership fee cannot be higher than the normal fee."),
            field="membership_fee_social",
        )
    if program.quota_packs_per_child is not None:
        if program.quota_packs_per_child < 1:
            raise DomainError(
                _("A quota is at least one pack per child; leave it empty for no quota."),
                field="quota_packs_per_child",
            )
        if not program.quota_period_days:
            raise DomainError(
                _("A quota needs a period of at least one day."), field="quota_period_days"
            )
        if not program.quota_child_max_age_months:
            raise DomainError(
                _("A quota needs the age (in months) up to which children count."),
                field="quota_child_max_age_months",
            )
    elif not program.quota_period_days:
        program.quota_period_days = 28  # unused without a quota; keep a sensible value
    if program.max_concurrent_loans is not None:
        if program.max_concurrent_loans < 1:
            raise DomainError(
                _("At least one loan at once; leave it empty when nothing is lent."),
                field="max_concurrent_loans",
            )
        if not program.loan_days:
            raise DomainError(
                _("A program that lends needs a loan period in days."), field="loan_days"
            )
    if program.loan_days is not None and program.loan_days < 1:
        raise DomainError(
            _("A loan period is at least one day; leave it empty when nothing is lent."),
            field="loan_days",
        )

    # Referrals
    if not program.referral_max_days or program.referral_max_days < 1:
        raise DomainError(_("A referral is valid for at least one day."), field="referral_max_days")
    if not program.referral_default_days or program.referral_default_days < 1:
        raise DomainError(
            _("A referral is valid for at least one day."), field="referral_default_days"
        )
    if program.referral_default_days > program.referral_max_days:
        raise DomainError(
            _(
                "The default validity of a referral (%(default)d days) cannot be longer than "
                "the maximum (%(max)d days)."
            )
            % {"default": program.referral_default_days, "max": program.referral_max_days},
            field="referral_default_days",
        )

    # UiTPAS
    systems = [str(item).strip() for item in (program.uitpas_card_systems or [])]
    wrong = [item for item in systems if not CARD_SYSTEM_ID.match(item)]
    if wrong:
        raise DomainError(
            _("“%(id)s” is not a card system id: use the ids UiTPAS gives, separated by commas.")
            % {"id": wrong[0]},
            field="uitpas_card_systems",
        )
    program.uitpas_card_systems = list(dict.fromkeys(systems))
    if program.uitpas_check_reuse_hours > MAX_UITPAS_REUSE_HOURS:
        raise DomainError(
            _("Reuse an UiTPAS check for at most %(hours)d hours (a week).")
            % {"hours": MAX_UITPAS_REUSE_HOURS},
            field="uitpas_check_reuse_hours",
        )

    # Rights granted automatically
    if program.pk and any(other.pk == program.pk for other in grants):
        raise DomainError(
            _("%(name)s cannot open itself: choose other programs.") % {"name": program.name},
            field="grants",
        )
    if any(other.pk is None for other in grants):
        raise DomainError(_("Save the other program first."), field="grants")


@transaction.atomic
def save_program(
    *, actor: User, program: Program, grants: list[Program], source: str = ""
) -> Program:
    """Create or change a program (already filled in by a form) with the programs a right
    in it opens automatically. Raises a DomainError naming the rule that is wrong."""
    permissions.require(actor, "kern.manage_programs")
    _check(program, grants)
    try:
        program.full_clean(exclude=["grants"])
    except ValidationError as exc:  # a safety net behind the checks above
        field, messages = next(iter(exc.message_dict.items()))
        raise DomainError(" ".join(messages), field=None if field == "__all__" else field) from None
    is_new = program.pk is None
    program.save()
    program.grants.set(grants)
    audit.record(
        actor=actor,
        action="create" if is_new else "update",
        obj=program,
        source=source,
        details={"grants": sorted(other.pk for other in grants)},
    )
    return program
