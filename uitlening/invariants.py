"""Counter invariants for ``manage.py check_invariants`` (kern.invariants).

Several of these are also database constraints. They are checked anyway: a restore from
a dump made without constraints, a hand-edited table or a migration gone wrong would
otherwise go unnoticed, and these checks are what a restore drill and the stress run
rely on."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kern import invariants
from toegang.models import Household
from uitlening.models import Loan, PartnerHandover, PartnerRequest, PointsBalance, PointsEntry
from voorraad.models import Item


def _household(pk: int) -> str:
    return Household(pk=pk).code


def _item(pk: int) -> str:
    return Item(pk=pk).code


def one_open_loan_per_item() -> list[str]:
    rows = (
        Loan.objects.filter(returned_at__isnull=True)
        .values("item_id")
        .annotate(open=Count("id"))
        .filter(open__gt=1)
        .order_by("item_id")
    )
    return [
        _("Item %(item)s has %(count)d open loans at once.")
        % {"item": _item(row["item_id"]), "count": row["open"]}
        for row in rows
    ]


def lent_items_marked_on_loan() -> list[str]:
    """An open loan's item says it is on loan, and an item on loan has an open loan."""
    problems = [
        _("Item %(item)s is on loan (loan %(loan)d) but its status is “%(status)s”.")
        % {"item": _item(item_id), "loan": loan_id, "status": status}
        for loan_id, item_id, status in Loan.objects.filter(returned_at__isnull=True)
        .exclude(item__status=Item.Status.ON_LOAN)
        .values_list("id", "item_id", "item__status")
        .order_by("id")
    ]
    open_items = Loan.objects.filter(returned_at__isnull=True).values("item_id")
    problems += [
        _("Item %(item)s has the status “on loan” but no open loan.") % {"item": _item(item_id)}
        for item_id in Item.objects.filter(status=Item.Status.ON_LOAN)
        .exclude(pk__in=open_items)
        .values_list("id", flat=True)
        .order_by("id")
    ]
    return problems


def points_ledger_matches_balances() -> list[str]:
    ledger: dict[int, int] = {
        row["household_id"]: row["total"] or 0
        for row in PointsEntry.objects.values("household_id").annotate(total=Sum("delta"))
    }
    problems = []
    for household_id, balance in PointsBalance.objects.values_list(
        "household_id", "balance"
    ).order_by("household_id"):
        total = ledger.pop(household_id, 0)
        if total != balance:
            problems.append(
                _(
                    "Household %(household)s: %(balance)d swap points on its balance, %(ledger)d in the ledger."
                )
                % {"household": _household(household_id), "balance": balance, "ledger": total}
            )
    for household_id, total in sorted(ledger.items()):  # ledger rows without a balance row
        if total:
            problems.append(
                _("Household %(household)s: no swap points balance, %(ledger)d in the ledger.")
                % {"household": _household(household_id), "ledger": total}
            )
    return problems


def points_not_negative() -> list[str]:
    return [
        _("Household %(household)s has %(balance)d swap points.")
        % {"household": _household(household_id), "balance": balance}
        for household_id, balance in PointsBalance.objects.filter(balance__lt=0)
        .values_list("household_id", "balance")
        .order_by("household_id")
    ]


def one_handover_per_partner_request() -> list[str]:
    """One hand-over (the partner's distribution) per request, and a request says it was
    handed over exactly when it was."""
    problems = [
        _("Partner request %(request)d was handed over %(count)d times.")
        % {"request": row["request_id"], "count": row["count"]}
        for row in PartnerHandover.objects.values("request_id")
        .annotate(count=Count("id"))
        .filter(count__gt=1)
        .order_by("request_id")
    ]
    handed_over = PartnerRequest.Status.HANDED_OVER
    problems += [
        _("Partner request %(request)d is marked handed over but has no hand-over.")
        % {"request": pk}
        for pk in PartnerRequest.objects.filter(status=handed_over, handover__isnull=True)
        .values_list("id", flat=True)
        .order_by("id")
    ]
    problems += [
        _("Partner request %(request)d has a hand-over but its status is “%(status)s”.")
        % {"request": pk, "status": status}
        for pk, status in PartnerRequest.objects.filter(
            ~Q(status=handed_over), handover__isnull=False
        )
        .values_list("id", "status")
        .order_by("id")
    ]
    return problems


def register() -> None:
    invariants.register(
        name="uitlening.one_open_loan_per_item",
        description=gettext_lazy("An item has at most one open loan."),
        check=one_open_loan_per_item,
    )
    invariants.register(
        name="uitlening.lent_items_marked_on_loan",
        description=gettext_lazy(
            "An item with an open loan has the status “on loan”, and the other way round."
        ),
        check=lent_items_marked_on_loan,
    )
    invariants.register(
        name="uitlening.points_ledger_matches_balances",
        description=gettext_lazy("Every swap points balance equals the sum of its ledger rows."),
        check=points_ledger_matches_balances,
    )
    invariants.register(
        name="uitlening.points_not_negative",
        description=gettext_lazy("No swap points balance is below zero."),
        check=points_not_negative,
    )
    invariants.register(
        name="uitlening.one_handover_per_partner_request",
        description=gettext_lazy(
            "A partner request is handed over at most once, and is marked so exactly when it was."
        ),
        check=one_handover_per_partner_request,
    )
