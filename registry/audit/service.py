"""Write audit events. Every state change of the registry calls ``record``."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, and_, or_, select

from registry import clock
from registry.audit.models import AuditEvent
from registry.audit.signals import readable_agreements, readable_processors
from registry.auth import request_contact, request_token
from registry.errors import NotFound
from registry.events import answers
from registry.extensions import db
from registry.organisations.models import Organisation, OrgKind
from registry.organisations.service import as_party


class AgreementLike(Protocol):
    """What the trail needs of an agreement (the domain lives above this service)."""

    id: int
    processor_id: int
    controller_id: int


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
    """Add an event for the current actor: the request's token, a contact acting through a
    notice's link, or the system."""
    token = request_token()
    contact = request_contact()
    event = AuditEvent(
        occurred_at=clock.now(),
        actor_org_id=token.organisation_id if token is not None else contact and contact[0],
        actor_contact=contact[1] if contact is not None else None,
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


def record_on_agreement(
    agreement: AgreementLike,
    *,
    action: str,
    object_type: str,
    object_id: int,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """An event in the trail of both parties of an agreement."""
    return record(
        action=action,
        object_type=object_type,
        object_id=object_id,
        processor_id=agreement.processor_id,
        controller_id=agreement.controller_id,
        agreement_id=agreement.id,
        data=data,
    )


# --- reading: each party sees its own trail ---------------------------------------------------


def _visible_to(organisation: Organisation) -> ColumnElement[bool]:
    """A processor: every event of its own. A controller: the events concerning it, of the
    agreements it has confirmed (a processor cannot write into a controller's trail by
    naming it), whatever its own people did, and the changes of its processors."""
    own = as_party(
        organisation,
        processor_column=AuditEvent.processor_id,
        controller_column=AuditEvent.controller_id,
    )
    if organisation.kind is OrgKind.PROCESSOR:
        return own
    agreements = [
        AuditEvent.agreement_id.in_(readable)
        for readable in answers(readable_agreements, controller_id=organisation.id)
    ]
    processors = [
        AuditEvent.processor_id.in_(readable)
        for readable in answers(readable_processors, controller_id=organisation.id)
    ]
    return or_(
        and_(
            own,
            or_(
                AuditEvent.agreement_id.is_(None),
                AuditEvent.actor_org_id == organisation.id,
                *agreements,
            ),
        ),
        and_(AuditEvent.object_type == "change", or_(*processors)),
    )


def events_for(
    organisation: Organisation,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    agreement_id: int | None = None,
    action: str | None = None,
) -> Select[AuditEvent]:
    """The events an organisation may read, newest first."""
    statement = select(AuditEvent).where(_visible_to(organisation))
    if object_type is not None:
        statement = statement.where(AuditEvent.object_type == object_type)
    if object_id is not None:
        statement = statement.where(AuditEvent.object_id == object_id)
    if agreement_id is not None:
        statement = statement.where(AuditEvent.agreement_id == agreement_id)
    if action is not None:
        statement = statement.where(AuditEvent.action == action)
    return statement.order_by(AuditEvent.id.desc())


def get_for_party_or_404(*, event_id: int, organisation: Organisation) -> AuditEvent:
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.id == event_id, _visible_to(organisation))
    )
    if event is None:
        raise NotFound(f"No audit event {event_id}.")
    return event
