"""The audit trail, read-only: each party sees the events of its own agreements, changes and
objections. There is no route that edits or deletes an event."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from registry.audit import service
from registry.audit.models import AuditEvent
from registry.audit.schemas import AuditEventSchema, AuditQuerySchema
from registry.auth import current_org, requires
from registry.errors import refusal
from registry.pagination import paginated

bp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1",
    description="Who did what, when, to which object; append-only",
)


@bp.route("/audit-events", methods=["GET"])
@requires("processor", "controller")
@bp.arguments(AuditQuerySchema, location="query", as_kwargs=True)
@bp.response(200, AuditEventSchema(many=True))
@paginated(bp)
def list_audit_events(**filters: Any) -> Any:
    """List the audit events visible to you, newest first."""
    return service.events_for(current_org(), **filters)


@bp.route("/audit-events/<int:event_id>", methods=["GET"])
@requires("processor", "controller")
@bp.response(200, AuditEventSchema)
@refusal(bp, 404, "No audit event visible to you with this id")
def get_audit_event(event_id: int) -> AuditEvent:
    """Show one audit event visible to you."""
    return service.get_for_party_or_404(event_id=event_id, organisation=current_org())
