"""The volunteer card at a scan field: ``V…`` names a volunteer (by first name only,
what anyone at the counter may see), and scanning it where a shift is worked checks the
volunteer in (``services.check_in_by_card``). Registered in ``AppConfig.ready``."""

from __future__ import annotations

from kern import scanning
from kern.barcodes import CodeType, InternalCode
from kern.models import Location, User
from vrijwilligers.models import Volunteer
from vrijwilligers.services import attendance


def resolve_volunteer(*, user: User, code: InternalCode) -> scanning.ScanResult | None:
    volunteer = Volunteer.objects.filter(pk=code.number).select_related("user").first()
    if volunteer is None:
        return None
    return scanning.ScanResult(
        kind="volunteer",
        code=str(code),
        label=volunteer.first_name,
        object_id=volunteer.pk,
        details={"active": volunteer.is_active},
    )


def check_in_action(
    *, user: User, location: Location | None, result: scanning.ScanResult, source: str = ""
) -> scanning.ScanAction:
    assert result.object_id is not None  # resolve_volunteer always sets it
    outcome = attendance.check_in_by_card(
        actor=user, volunteer_id=result.object_id, location=location, source=source
    )
    return scanning.ScanAction(message=outcome.message, level="ok")


def register() -> None:
    scanning.register_internal(CodeType.VOLUNTEER, resolve_volunteer)
    scanning.register_action("volunteer", check_in_action)
