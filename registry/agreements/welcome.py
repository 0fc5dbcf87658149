"""The welcome of an agreement that came in force while changes of its processor were
announced: the contacts learn the list as it is and every change still to come, with until when
they may object to it (``service.objection_deadline``: never less than the agreement's own
objection period, counted from the moment it came in force)."""

from __future__ import annotations

from typing import Any

from registry.agreements.models import Agreement
from registry.agreements.notifications import get_or_gone, to_controller
from registry.agreements.service import AGREEMENT_WELCOME, objection_deadline
from registry.extensions import db
from registry.notifications.kinds import Recipient, register_kind, shared
from registry.notifications.models import Notice
from registry.notifications.render import base_url, format_datetime, language_of
from registry.organisations.models import Organisation
from registry.subprocessors.display import action_label
from registry.subprocessors.models import Change
from registry.subprocessors.service import list_at


def _pending(notice: Notice, agreement: Agreement, language: str) -> list[dict[str, Any]]:
    slug = get_or_gone(Organisation, agreement.processor_id).slug
    changes = (db.session.get(Change, change_id) for change_id in notice.data["change_ids"])
    return [
        {
            "id": change.id,
            "action_label": action_label(change.action.value, language),
            "name": (change.after or change.before or {}).get("name", ""),
            "reason": change.reason,
            "effective_at": format_datetime(change.effective_at, language),
            "objection_until": format_datetime(
                objection_deadline(agreement=agreement, change=change), language
            ),
            "url": f"{base_url()}/p/{slug}/changes/{change.id}?lang={language}",
            "api_path": f"/api/v1/changes/{change.id}/objections",
        }
        for change in changes
        if change is not None and change.withdrawn_at is None
    ]


def welcome_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    language = language_of(recipient)
    agreement: Agreement = get_or_gone(Agreement, notice.agreement_id)
    changes = shared(notice, ("welcome", language), lambda: _pending(notice, agreement, language))
    count = shared(
        notice,
        "list count",
        lambda: len(list_at(processor_id=agreement.processor_id, at=notice.created_at)),
    )
    return {
        "welcome": {
            "reference": agreement.reference,
            "recorded_at": format_datetime(agreement.created_at, language),
            "objection_days": agreement.objection_days,
            "count": count,
            "changes": changes,
        },
        "agreement_reference": recipient.extra.get("agreement_reference"),
    }


register_kind(AGREEMENT_WELCOME, recipients=to_controller, context=welcome_context)
