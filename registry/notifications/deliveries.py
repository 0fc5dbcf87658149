"""The evidence of who was told what: deliveries, requeueing them, and failing contacts."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import contains_eager

from registry import clock
from registry.audit import service as audit
from registry.errors import Conflict, NotFound
from registry.extensions import db
from registry.notifications.models import Delivery, DeliveryStatus, Notice
from registry.notifications.suppressions import lift_address, normalise_email
from registry.organisations.models import Organisation
from registry.organisations.service import as_party

RETRYABLE = frozenset({DeliveryStatus.DEAD, DeliveryStatus.FAILED})
FAILING = (DeliveryStatus.DEAD, DeliveryStatus.FAILED)
WITH_OUTCOME = (DeliveryStatus.SENT, *FAILING)


def is_stalled(delivery: Delivery) -> bool:
    """Claimed by a worker whose lease ran out: it stopped, or cannot reach the database."""
    until = delivery.claimed_until
    return delivery.status is DeliveryStatus.SENDING and until is not None and until < clock.now()


def _stalled(stalled: bool) -> ColumnElement[bool]:
    moment = clock.now()
    if stalled:
        return and_(Delivery.status == DeliveryStatus.SENDING, Delivery.claimed_until < moment)
    return or_(
        Delivery.status != DeliveryStatus.SENDING,
        Delivery.claimed_until.is_(None),
        Delivery.claimed_until >= moment,
    )


def deliveries_query(
    *,
    organisation: Organisation,
    change_id: int | None = None,
    status: DeliveryStatus | None = None,
    kind: str | None = None,
    stalled: bool | None = None,
) -> Select[Delivery]:
    """Deliveries a processor sent, or those addressed to a controller; newest first."""
    statement = (
        select(Delivery)
        .join(Delivery.notice)
        .options(contains_eager(Delivery.notice))
        .order_by(Delivery.id.desc())
    )
    statement = statement.where(
        as_party(
            organisation,
            processor_column=Delivery.processor_id,
            controller_column=Delivery.organisation_id,
        )
    )
    if change_id is not None:
        statement = statement.where(Notice.change_id == change_id)
    if status is not None:
        statement = statement.where(Delivery.status == status)
    if kind is not None:
        statement = statement.where(Notice.kind == kind)
    if stalled is not None:
        statement = statement.where(_stalled(stalled))
    return statement


def retry_delivery(*, processor: Organisation, delivery_id: int) -> Delivery:
    """Send a dead, failed or stalled delivery again now, lifting its address's suppression."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.processor_id != processor.id:
        raise NotFound(f"No delivery {delivery_id}.")
    if delivery.status not in RETRYABLE and not is_stalled(delivery):
        raise Conflict(
            f"A {delivery.status.value} delivery cannot be retried; only dead, failed or "
            "stalled ones (sending past their worker's lease).",
            state=delivery.status.value,
        )
    previous = {
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
    }
    lifted = lift_address(email=delivery.recipient)
    delivery.status = DeliveryStatus.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = clock.now()
    # A stalled worker that comes back finds its claim gone and records nothing.
    delivery.claimed_until = None
    audit.record(
        action="delivery.retried",
        object_type="delivery",
        object_id=delivery.id,
        processor_id=delivery.processor_id,
        controller_id=delivery.organisation_id,
        agreement_id=delivery.agreement_id,
        data={**previous, "suppression_lifted": lifted},
    )
    return delivery


def failing_contacts(*, agreement_id: int, emails: list[str]) -> list[dict[str, Any]]:
    """The contacts among ``emails`` whose last contractual notice under the agreement failed.

    The last is the newest delivery to the contact under this agreement with an outcome: one
    that ``failed`` is being retried, one that is ``dead`` was given up. Answers the address,
    the status, the error, when it failed and the delivery's id, by address.
    """
    addresses = sorted({normalise_email(email) for email in emails})
    if not addresses:
        return []
    newest = func.row_number().over(partition_by=Delivery.recipient, order_by=Delivery.id.desc())
    latest = (
        select(
            Delivery.id,
            Delivery.recipient,
            Delivery.status,
            Delivery.last_error,
            Delivery.last_attempt_at,
            newest.label("rank"),
        )
        .where(
            Delivery.agreement_id == agreement_id,
            Delivery.subscription_id.is_(None),
            Delivery.recipient.in_(addresses),
            Delivery.status.in_(WITH_OUTCOME),
        )
        .subquery()
    )
    rows = db.session.execute(
        select(latest)
        .where(latest.c.rank == 1, latest.c.status.in_(FAILING))
        .order_by(latest.c.recipient)
    )
    return [
        {
            "email": row.recipient,
            "status": row.status,
            "error": row.last_error,
            "failed_at": row.last_attempt_at,
            "delivery_id": row.id,
        }
        for row in rows
    ]
