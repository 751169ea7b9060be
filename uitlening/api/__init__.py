"""API operations of the counter: check_eligibility, record_distribution, checkout_loan,
return_loan, renew_loan, exchange_loan and confirm_visit (a whole basket at once).

Each calls the same ``uitlening.services`` function as the counter screen, so every rule
(access, quota, stock, the loan gates, a volunteer only at their own points) is checked
there, once. Writes take an ``Idempotency-Key``: a retry gets the first answer.
Answers never reveal *why* a family is eligible (which evidence), only what it may do,
and never who borrowed an item beyond the household the caller named."""

from uitlening.api.counter import router
from uitlening.api.eligibility import eligibility_router

__all__ = ["eligibility_router", "router"]
