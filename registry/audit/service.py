"""Write audit events. Every state change of the registry calls ``record``."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context

from registry import clock
from registry.audit.models import AuditEvent
from registry.extensions import db


def record(
    *,
    action: str,
    object_type: str,
    object_id: int,
    processor_id: int | None,
    controller_id: int | None = None,
    agreement_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an event for the current actor (the request's token, or the system)."""
    token = g.get("api_token") if has_request_context() else None
    event = AuditEvent(
        occurred_at=clock.now(),
        actor_org_id=token.organisation_id if token is not None else None,
        actor_token_id=token.id if token is not None else None,
        actor_token_name=token.name if token is not None else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        processor_id=processor_id,
        controller_id=controller_id,
        agreement_id=agreement_id,
        data=data or {},
    )
    db.session.add(event)
    return event
