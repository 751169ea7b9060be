"""What the counter and the programs around it record, one module per sub-domain."""

from uitlening.models.counter import (
    DEFAULT_LOAN_DAYS,
    DepositRule,
    Distribution,
    DistributionLine,
    Loan,
    ProgramCategory,
    RepairTicket,
    Visit,
)
from uitlening.models.holds import Reservation

__all__ = [
    "DEFAULT_LOAN_DAYS",
    "DepositRule",
    "Distribution",
    "DistributionLine",
    "Loan",
    "ProgramCategory",
    "RepairTicket",
    "Reservation",
    "Visit",
]
