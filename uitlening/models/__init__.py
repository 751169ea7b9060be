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
from uitlening.models.memberships import Membership
from uitlening.models.points import PointsBalance, PointsEntry, PointsRate, PointsScheme

__all__ = [
    "DEFAULT_LOAN_DAYS",
    "DepositRule",
    "Distribution",
    "DistributionLine",
    "Loan",
    "Membership",
    "PointsBalance",
    "PointsEntry",
    "PointsRate",
    "PointsScheme",
    "ProgramCategory",
    "RepairTicket",
    "Visit",
]
