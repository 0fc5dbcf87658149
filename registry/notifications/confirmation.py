"""The one notice kind of this domain: the confirmation of a public subscription."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from registry.auth import hash_secret
from registry.extensions import db
from registry.notifications.kinds import Recipient, register_kind
from registry.notifications.models import Notice, Subscription, SubscriptionStatus
from registry.notifications.render import base_url, format_datetime, language_of

SUBSCRIPTION_CONFIRM = "subscription_confirm"


def confirm_recipients(notice: Notice) -> list[Recipient]:
    """The address that asked, while its request is open and this token is its latest."""
    subscription = db.session.get(Subscription, notice.subscription_id)
    if subscription is None or subscription.status is not SubscriptionStatus.PENDING:
        return []
    if subscription.confirm_token_hash != hash_secret(notice.data.get("token", "")):
        return []  # a newer request replaced this link; only the newest mail is worth sending
    return [
        Recipient(
            email=subscription.email,
            language=subscription.language,
            contractual=False,
            subscription_id=subscription.id,
        )
    ]


def confirm_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    language = language_of(recipient)
    expires_at = datetime.fromisoformat(notice.data["expires_at"])
    return {
        "confirm_url": f"{base_url()}/api/v1/subscriptions/confirm/{notice.data['token']}",
        "expires_at": format_datetime(expires_at, language),
    }


register_kind(
    SUBSCRIPTION_CONFIRM,
    recipients=confirm_recipients,
    context=confirm_context,
    subscriber_visible=True,
    secret_data=("token",),
)
