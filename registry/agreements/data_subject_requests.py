"""Data-subject requests (Art. 7): the processor records a request it received and forwards it
to the controller at once; the controller acknowledges it and may ask the processor's help.

Nothing of the data subject is kept or mailed: only the right invoked, the dates, the channel
and the processor's own reference, by which the two parties find the request in their own
files. The controller answers the data subject within a month of receipt (GDPR Art. 12(3));
help asked under Art. 7.2 is at the controller's cost, and recorded so.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from registry import clock
from registry.agreements.data_subject_request_models import (
    AT_CONTROLLER_COST,
    DataSubjectRequest,
    DataSubjectRight,
)
from registry.agreements.models import Agreement
from registry.agreements.service import get_for_party_or_404, hold_for_party
from registry.audit import service as audit
from registry.auth import request_token_id
from registry.errors import Conflict, Invalid, NotFound
from registry.extensions import db
from registry.notifications.service import queue_notice
from registry.organisations.models import Organisation

# Notice kinds, registered with their templates in data_subject_request_notices.py.
DSR_FORWARDED = "data_subject_request_forwarded"
DSR_HELP_REQUESTED = "data_subject_request_help_requested"


def forward_request(
    *,
    processor: Organisation,
    agreement_id: int,
    received_at: datetime,
    right: DataSubjectRight,
    reference: str,
    channel: str,
) -> DataSubjectRequest:
    """Record a request the processor received and forward it to the controller now."""
    agreement = hold_for_party(organisation=processor, agreement_id=agreement_id)
    now = clock.now()
    if received_at > now:  # compared before converting: the far future is beyond UTC's years
        raise Invalid("received_at", "Lies in the future: give the moment the request came in.")
    received_at = clock.as_utc(received_at)
    if clock.local(received_at).date() < agreement.signed_on:
        raise Invalid(
            "received_at",
            f"Lies before the agreement was signed ({agreement.signed_on.isoformat()}).",
        )
    request = DataSubjectRequest(
        agreement_id=agreement.id,
        right=right,
        reference=reference.strip(),
        channel=channel.strip(),
        received_at=received_at,
        forwarded_at=now,
        forwarded_by_token_id=request_token_id(),
    )
    db.session.add(request)
    db.session.flush()
    _record(agreement, request, "forwarded", received_at=received_at.isoformat())
    _notify(DSR_FORWARDED, agreement, request)
    return request


def requests_of(*, organisation: Organisation, agreement_id: int) -> Select[DataSubjectRequest]:
    """The agreement's data-subject requests, newest first."""
    get_for_party_or_404(agreement_id=agreement_id, organisation=organisation)
    return (
        select(DataSubjectRequest)
        .where(DataSubjectRequest.agreement_id == agreement_id)
        .order_by(DataSubjectRequest.id.desc())
    )


def get_request_or_404(*, organisation: Organisation, request_id: int) -> DataSubjectRequest:
    """A request under an agreement the organisation is a party to; anyone else's is 404."""
    request = db.session.get(DataSubjectRequest, request_id)
    if request is None:
        raise NotFound(f"No data-subject request {request_id}.")
    try:
        get_for_party_or_404(agreement_id=request.agreement_id, organisation=organisation)
    except NotFound:
        raise NotFound(f"No data-subject request {request_id}.") from None
    return request


def acknowledge_request(*, controller: Organisation, request_id: int) -> DataSubjectRequest:
    """The controller confirms it has the request; once."""
    request = _held(controller, request_id, "acknowledged_at", "acknowledged")
    request.acknowledged_at = clock.now()
    request.acknowledged_by_token_id = request_token_id()
    _record(request.agreement, request, "acknowledged")
    return request


def request_help(
    *, controller: Organisation, request_id: int, note: str | None = None
) -> DataSubjectRequest:
    """The controller asks the processor's help with the request (Art. 7.2), at its own cost;
    once. The processor is told."""
    request = _held(controller, request_id, "help_requested_at", "asked for help with")
    request.help_requested_at = clock.now()
    request.help_requested_by_token_id = request_token_id()
    request.help_note = note.strip() if note and note.strip() else None
    _record(
        request.agreement,
        request,
        "help_requested",
        note=request.help_note,
        cost=AT_CONTROLLER_COST,
    )
    _notify(DSR_HELP_REQUESTED, request.agreement, request)
    return request


def _held(controller: Organisation, request_id: int, column: str, done: str) -> DataSubjectRequest:
    """The controller's request, read afresh and held; 409 when ``column`` is set already."""
    get_request_or_404(organisation=controller, request_id=request_id)
    request = db.session.get(
        DataSubjectRequest, request_id, with_for_update=True, populate_existing=True
    )
    if request is None:
        raise NotFound(f"No data-subject request {request_id}.")
    moment = getattr(request, column)
    if moment is not None:
        raise Conflict(
            f"Data-subject request {request.id} was {done} already, at {moment.isoformat()}.",
            **{column: moment.isoformat()},
        )
    return request


def _record(agreement: Agreement, request: DataSubjectRequest, verb: str, **data: Any) -> None:
    audit.record_on_agreement(
        agreement,
        action=f"agreement.data_subject_request_{verb}",
        object_type="data_subject_request",
        object_id=request.id,
        data={"right": request.right.value, "reference": request.reference, **data},
    )


def _notify(kind: str, agreement: Agreement, request: DataSubjectRequest) -> None:
    queue_notice(
        kind=kind,
        processor_id=agreement.processor_id,
        agreement_id=agreement.id,
        data={"data_subject_request_id": request.id},
    )
