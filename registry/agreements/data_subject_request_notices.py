"""The notices of data-subject requests (Art. 7): a forwarded request, told to the contacts of
the agreement; a request for help (Art. 7.2), told to the processor. Neither carries personal
data of the data subject: only the right, the dates and the processor's reference."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext

from registry.agreements.data_subject_request_models import DataSubjectRequest, DataSubjectRight
from registry.agreements.data_subject_requests import DSR_FORWARDED, DSR_HELP_REQUESTED
from registry.agreements.models import Agreement
from registry.agreements.notifications import get_or_gone, to_controller, to_processor
from registry.notifications.kinds import Recipient, register_kind
from registry.notifications.models import Notice
from registry.notifications.render import base_url, format_datetime, language_of
from registry.organisations.models import Organisation


def right_label(right: DataSubjectRight) -> str:
    """The right, in the current (forced) locale."""
    return {
        DataSubjectRight.ACCESS: gettext("access (GDPR art. 15)"),
        DataSubjectRight.RECTIFICATION: gettext("rectification (GDPR art. 16)"),
        DataSubjectRight.ERASURE: gettext("erasure (GDPR art. 17)"),
        DataSubjectRight.RESTRICTION: gettext("restriction of processing (GDPR art. 18)"),
        DataSubjectRight.PORTABILITY: gettext("data portability (GDPR art. 20)"),
        DataSubjectRight.OBJECTION: gettext("objection to processing (GDPR art. 21)"),
        DataSubjectRight.AUTOMATED_DECISION: gettext(
            "not to be subject to automated decision-making (GDPR art. 22)"
        ),
    }[right]


def request_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    language = language_of(recipient)
    request: DataSubjectRequest = get_or_gone(
        DataSubjectRequest, notice.data.get("data_subject_request_id")
    )
    agreement: Agreement = get_or_gone(Agreement, request.agreement_id)
    url = f"{base_url()}/api/v1/data-subject-requests/{request.id}"
    return {
        "dsr": {
            "processor": get_or_gone(Organisation, agreement.processor_id).name,
            "controller": get_or_gone(Organisation, agreement.controller_id).name,
            "agreement_reference": agreement.reference,
            "right": right_label(request.right),
            "reference": request.reference,
            "channel": request.channel,
            "received_at": format_datetime(request.received_at, language),
            "forwarded_at": format_datetime(request.forwarded_at, language),
            "answer_due_at": format_datetime(request.answer_due_at, language),
            "late": request.forwarded_late(int(current_app.config["DSR_FORWARD_DAYS"])),
            "forward_days": int(current_app.config["DSR_FORWARD_DAYS"]),
            "help_note": request.help_note,
            "help_requested_at": format_datetime(request.help_requested_at, language),
            "url": url,
            "acknowledge_url": f"{url}/acknowledge",
            "help_url": f"{url}/help",
        }
    }


register_kind(DSR_FORWARDED, recipients=to_controller, context=request_context)
register_kind(DSR_HELP_REQUESTED, recipients=to_processor, context=request_context)
