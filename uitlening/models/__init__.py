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
from uitlening.models.partners import PartnerHandover, PartnerRequest, PartnerRequestLine
from uitlening.models.reminders import Reminder
from uitlening.models.seasonal import AgeBand, PackageLine, SeasonalAction, SeasonalPackage

__all__ = [
    "DEFAULT_LOAN_DAYS",
    "AgeBand",
    "DepositRule",
    "Distribution",
    "DistributionLine",
    "Loan",
    "PackageLine",
    "PartnerHandover",
    "PartnerRequest",
    "PartnerRequestLine",
    "ProgramCategory",
    "Reminder",
    "RepairTicket",
    "SeasonalAction",
    "SeasonalPackage",
    "Visit",
]
