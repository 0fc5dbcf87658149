"""The notice of a new version of the processor's overview of its security measures
(Art. 6.1, 2.2), told to the contacts of every agreement in force."""

from __future__ import annotations

from typing import Any

from registry.agreements.models import Agreement, SecurityMeasures
from registry.agreements.notifications import get_or_gone, to_controller
from registry.agreements.security_measures import SECURITY_MEASURES_UPDATED
from registry.notifications.kinds import Recipient, register_kind
from registry.notifications.models import Notice
from registry.notifications.render import base_url, format_datetime, language_of
from registry.organisations.models import Organisation


def measures_context(notice: Notice, recipient: Recipient) -> dict[str, Any]:
    measures: SecurityMeasures = get_or_gone(
        SecurityMeasures, notice.data.get("security_measures_id")
    )
    agreement: Agreement = get_or_gone(Agreement, notice.agreement_id)
    processor: Organisation = get_or_gone(Organisation, measures.processor_id)
    return {
        "measures": {
            "processor": processor.name,
            "reference": agreement.reference,
            "version": measures.version,
            "summary": measures.summary,
            "published_at": format_datetime(measures.published_at, language_of(recipient)),
            "url": f"{base_url()}/api/v1/processors/{processor.slug}/security-measures"
            f"?version={measures.version}",
        },
        "agreement_reference": recipient.extra.get("agreement_reference"),
    }


register_kind(SECURITY_MEASURES_UPDATED, recipients=to_controller, context=measures_context)
