"""Notices, public subscriptions, and the evidence of who was told what.

``queue_notice`` is what every other domain calls: it writes one row in the caller's
transaction, whatever the number of recipients. The worker (``worker.py``) expands it later.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from registry import clock
from registry.audit import service as audit
from registry.auth import hash_secret
from registry.db import savepoint
from registry.errors import Invalid, NotFound
from registry.extensions import db
from registry.notifications.confirmation import SUBSCRIPTION_CONFIRM
from registry.notifications.kinds import Recipient, get_kind
from registry.notifications.models import Notice, Subscription, SubscriptionStatus
from registry.notifications.suppressions import normalise_email
from registry.organisations.models import Organisation


def queue_notice(
    *,
    kind: str,
    processor_id: int,
    change_id: int | None = None,
    objection_id: int | None = None,
    agreement_id: int | None = None,
    subscription_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Notice:
    """Add a notice to the current transaction (flushed, never committed)."""
    get_kind(kind)  # an unknown kind fails the cause, not the worker later
    notice = Notice(
        kind=kind,
        processor_id=processor_id,
        change_id=change_id,
        objection_id=objection_id,
        agreement_id=agreement_id,
        subscription_id=subscription_id,
        data=data or {},
        created_at=clock.now(),
    )
    db.session.add(notice)
    db.session.flush()
    return notice


# --- subscriptions ---------------------------------------------------------------------------


def subscribe(*, processor: Organisation, email: str, language: str) -> None:
    """Ask to follow a processor's changes; sends at most one confirmation mail per window.

    Says nothing about the outcome, so the answer cannot reveal who subscribes. Requests for
    one address at once are decided one after the other: one row, one mail.
    """
    address = normalise_email(email)
    moment = clock.now()
    subscription = _held_subscription(processor, address)
    if subscription is None:
        subscription = Subscription(
            processor_id=processor.id,
            email=address,
            language=language,
            status=SubscriptionStatus.PENDING,
            unsubscribe_token=secrets.token_urlsafe(32),
            created_at=moment,
        )
        try:
            with savepoint():
                db.session.add(subscription)
        except IntegrityError:
            # A concurrent request subscribed the address first: go on with its row.
            subscription = _held_subscription(processor, address)
            if subscription is None:
                raise
    if subscription.status is SubscriptionStatus.CONFIRMED:
        return
    resend_window = timedelta(minutes=current_app.config["SUBSCRIPTION_RESEND_MINUTES"])
    sent_at = subscription.confirmation_sent_at
    if (
        subscription.status is SubscriptionStatus.PENDING
        and sent_at is not None
        and moment - sent_at < resend_window
    ):
        return
    token = secrets.token_urlsafe(32)
    subscription.status = SubscriptionStatus.PENDING
    subscription.language = language
    subscription.confirm_token_hash = hash_secret(token)
    subscription.confirm_expires_at = moment + timedelta(
        hours=current_app.config["SUBSCRIPTION_CONFIRM_HOURS"]
    )
    subscription.confirmation_sent_at = moment
    db.session.flush()
    queue_notice(
        kind=SUBSCRIPTION_CONFIRM,
        processor_id=processor.id,
        subscription_id=subscription.id,
        data={"token": token, "expires_at": subscription.confirm_expires_at.isoformat()},
    )
    audit.record(
        action="subscription.requested",
        object_type="subscription",
        object_id=subscription.id,
        processor_id=processor.id,
    )


def _held_subscription(processor: Organisation, address: str) -> Subscription | None:
    """The address's subscription, read afresh and locked until the transaction ends."""
    return db.session.scalar(
        select(Subscription)
        .where(Subscription.processor_id == processor.id, Subscription.email == address)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def find_by_confirm_token(token: str) -> Subscription | None:
    return _find_by_secret(Subscription.confirm_token_hash, hash_secret(token))


def is_confirmable(subscription: Subscription) -> bool:
    expires_at = subscription.confirm_expires_at
    return (
        subscription.status is SubscriptionStatus.PENDING
        and expires_at is not None
        and expires_at > clock.now()
    )


def confirm_subscription(*, token: str) -> Subscription:
    """Confirm with the token from the mail; again with the same token changes nothing.

    An unknown, expired or spent token is 422 naming ``token``: the answer does not say
    which, so it cannot be used to probe tokens.
    """
    subscription = find_by_confirm_token(token)
    if subscription is None:
        raise Invalid("token", "Unknown or expired confirmation token.")
    if subscription.status is SubscriptionStatus.CONFIRMED:
        return subscription
    if not is_confirmable(subscription):
        raise Invalid("token", "Unknown or expired confirmation token.")
    subscription.status = SubscriptionStatus.CONFIRMED
    subscription.confirmed_at = clock.now()
    audit.record(
        action="subscription.confirmed",
        object_type="subscription",
        object_id=subscription.id,
        processor_id=subscription.processor_id,
    )
    return subscription


def find_by_unsubscribe_token(token: str) -> Subscription | None:
    return _find_by_secret(Subscription.unsubscribe_token, token)


def _find_by_secret(column: Any, value: str) -> Subscription | None:
    """The subscription whose ``column`` holds ``value``, compared in constant time."""
    subscription = db.session.scalar(select(Subscription).where(column == value))
    if subscription is None or not hmac.compare_digest(
        getattr(subscription, column.key) or "", value
    ):
        return None
    return subscription


def unsubscribe(*, token: str) -> Subscription:
    """Stop all mail to this subscription (RFC 8058 one-click); idempotent."""
    subscription = find_by_unsubscribe_token(token)
    if subscription is None:
        raise NotFound("No subscription with this unsubscribe link.")
    if subscription.status is SubscriptionStatus.UNSUBSCRIBED:
        return subscription
    subscription.status = SubscriptionStatus.UNSUBSCRIBED
    subscription.unsubscribed_at = clock.now()
    # An old confirmation link must not subscribe the address again.
    subscription.confirm_token_hash = None
    subscription.confirm_expires_at = None
    audit.record(
        action="subscription.unsubscribed",
        object_type="subscription",
        object_id=subscription.id,
        processor_id=subscription.processor_id,
    )
    return subscription


def subscriber_recipients(*, processor_id: int) -> list[Recipient]:
    """Every confirmed subscriber of a processor's changes, each with its unsubscribe link."""
    subscribers = db.session.execute(
        select(
            Subscription.id,
            Subscription.email,
            Subscription.language,
            Subscription.unsubscribe_token,
        )
        .where(
            Subscription.processor_id == processor_id,
            Subscription.status == SubscriptionStatus.CONFIRMED,
        )
        .order_by(Subscription.id)
    )
    return [
        Recipient(
            email=subscriber.email,
            language=subscriber.language,
            contractual=False,
            subscription_id=subscriber.id,
            unsubscribe_token=subscriber.unsubscribe_token,
        )
        for subscriber in subscribers
    ]


def processor_of(subscription: Subscription) -> Organisation:
    organisation = db.session.get(Organisation, subscription.processor_id)
    assert organisation is not None
    return organisation
