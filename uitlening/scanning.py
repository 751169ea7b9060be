"""What the counter adds to a scan: the programs a product or item goes out under, whether
an item is on loan (and until when, never to whom), and the printed confirm code.

Registered in ``UitleningConfig.ready`` with ``kern.scanning``."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from kern import scanning
from kern.models import User
from uitlening.codes import CONFIRM_CODE
from uitlening.selectors import open_loan_of_item, program_names_for_category
from voorraad.models import Item


def _programs(result: scanning.ScanResult) -> None:
    category = result.details.get("category_id")
    if isinstance(category, int):
        result.details["programs"] = [
            {"id": pk, "name": name} for pk, name in program_names_for_category(category)
        ]


def product_details(*, user: User, result: scanning.ScanResult) -> None:
    _programs(result)


def item_details(*, user: User, result: scanning.ScanResult) -> None:
    """An item on loan says so, with its loan (for a return or a renewal) and due date;
    who borrowed it the counter learns by scanning the household, not the item."""
    _programs(result)
    on_loan = result.details.get("status") == Item.Status.ON_LOAN
    result.details["on_loan"] = on_loan
    if not on_loan or result.object_id is None:
        return
    loan = open_loan_of_item(Item(pk=result.object_id))
    if loan is None:
        return
    today = timezone.localdate()
    result.details.update(
        loan_id=loan.pk,
        due_on=loan.due_on.isoformat(),
        overdue=loan.due_on < today,
        program=loan.program.name,
    )


def confirm(*, user: User) -> scanning.ScanResult:
    return scanning.ScanResult(kind="confirm", code=CONFIRM_CODE, label=_("Confirm the basket"))


def register() -> None:
    scanning.register_details("product", product_details)
    scanning.register_details("item", item_details)
    scanning.register_word(CONFIRM_CODE, confirm)
