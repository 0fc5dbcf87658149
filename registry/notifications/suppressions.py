"""Suppressed addresses: mailboxes that are gone, to which no more subscriber mail is sent.

A permanent refusal of the recipient itself (``bounces``) suppresses its address. Suppression
stops subscriber mail only (a subscription's confirmation, a processor's list changes): a
contractual notice to an agreement's contact or an organisation is always attempted, and its
failure is flagged on the agreement. An admin sees and lifts every suppression; a processor
those of the contacts named in its own agreements.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, delete, false, select, true
from sqlalchemy.dialects import postgresql, sqlite

from registry import clock
from registry.audit import service as audit
from registry.db import dialect
from registry.errors import NotFound
from registry.events import answers
from registry.extensions import db
from registry.notifications.models import SuppressedAddress
from registry.notifications.outbox import Executor
from registry.notifications.signals import contact_addresses
from registry.organisations.models import Organisation, OrgKind


def normalise_email(email: str) -> str:
    """The form addresses are stored and compared in."""
    return email.strip().lower()


def suppress(executor: Executor, *, address: str, reason: str) -> None:
    """Suppress an address; one already suppressed keeps its first reason."""
    values = {"email": normalise_email(address), "reason": reason, "created_at": clock.now()}
    backend: Any = postgresql if dialect() == "postgresql" else sqlite
    statement = backend.insert(SuppressedAddress).values(**values)
    executor.execute(statement.on_conflict_do_nothing(index_elements=["email"]))


def suppressed_among(addresses: list[str]) -> set[str]:
    """Which of ``addresses`` are suppressed, in their normalised form."""
    if not addresses:
        return set()
    lowered = sorted({normalise_email(a) for a in addresses})
    found = db.session.scalars(
        select(SuppressedAddress.email).where(SuppressedAddress.email.in_(lowered))
    )
    return set(found)


def lift_address(*, email: str) -> bool:
    """Lift the suppression of an address, if any; answers whether there was one."""
    result = db.session.execute(
        delete(SuppressedAddress).where(SuppressedAddress.email == normalise_email(email))
    )
    return bool(getattr(result, "rowcount", 0))


def suppressions_query(*, organisation: Organisation | None) -> Select[Any]:
    """Suppressions an admin (``None``) or a processor may see; newest first."""
    return (
        select(SuppressedAddress)
        .where(_visible_to(organisation))
        .order_by(SuppressedAddress.created_at.desc(), SuppressedAddress.id.desc())
    )


def lift(*, suppression_id: int, organisation: Organisation | None) -> SuppressedAddress:
    """Lift one suppression: subscriber mail goes to the address again. Others' are 404."""
    found = db.session.scalar(
        select(SuppressedAddress).where(
            SuppressedAddress.id == suppression_id, _visible_to(organisation)
        )
    )
    if found is None:
        raise NotFound(f"No suppression {suppression_id}.")
    db.session.delete(found)
    audit.record(
        action="suppression.lifted",
        object_type="suppressed_address",
        object_id=found.id,
        processor_id=organisation.id if organisation is not None else None,
        data={"email": found.email, "reason": found.reason},
    )
    return found


def _visible_to(organisation: Organisation | None) -> ColumnElement[bool]:
    if organisation is None:
        return true()
    if organisation.kind is not OrgKind.PROCESSOR:
        return false()
    addresses: set[str] = set().union(*answers(contact_addresses, processor_id=organisation.id))
    return SuppressedAddress.email.in_(sorted(addresses))
