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
from uitlening.models.memberships import Membership
from uitlening.models.partners import PartnerHandover, PartnerRequest, PartnerRequestLine
from uitlening.models.points import PointsBalance, PointsEntry, PointsRate, PointsScheme
from uitlening.models.reminders import Reminder
from uitlening.models.seasonal import AgeBand, PackageLine, SeasonalAction, SeasonalPackage

__all__ = [
    "DEFAULT_LOAN_DAYS",
    "AgeBand",
    "DepositRule",
    "Distribution",
    "DistributionLine",
    "Loan",
    "Membership",
    "PackageLine",
    "PartnerHandover",
    "PartnerRequest",
    "PartnerRequestLine",
    "PointsBalance",
    "PointsEntry",
    "PointsRate",
    "PointsScheme",
    "ProgramCategory",
    "Reminder",
    "RepairTicket",
    "Reservation",
    "SeasonalAction",
    "SeasonalPackage",
    "Visit",
]
