"""Writing to the audit log. Call ``record`` from services, in their transaction."""

from __future__ import annotations

from typing import Any

from django.db import models

from kern.models import AuditEntry, User


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    source: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. ``action`` is a short verb (``view``, ``create``, ``update``,
    ``login``…); ``source`` names the screen or API operation it came from."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = str(obj)[:200]
    else:
        object_repr = ""
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=(actor.get_username() if actor is not None and actor.is_authenticated else ""),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        source=source[:120],
        details=details or {},
    )


def history(*, obj: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
