"""Who is told under an agreement (Art. 10.3): the controller keeps the contacts its notices go
to; the processor keeps its own address for the controller's replies and deadline alerts.

Removing a contact raises ``contacts_revision``: the removed address's personal links stop, and
stay stopped if it is named again; the links of the contacts kept go on working.
"""

from __future__ import annotations

from registry.agreements.models import Agreement
from registry.agreements.service import hold_for_party
from registry.audit import service as audit
from registry.notifications.service import queue_notice
from registry.organisations.models import Organisation

# Notice kind, registered with its templates in registry/agreements/term_notices.py.
AGREEMENT_CONTACTS_CHANGED = "agreement_contacts_changed"


def change_contacts(
    *, controller: Organisation, agreement_id: int, notify_emails: list[str]
) -> Agreement:
    """Replace the contacts of the controller's agreement; the old and the new contacts and
    the processor are told. Naming the same contacts again changes nothing."""
    agreement = hold_for_party(organisation=controller, agreement_id=agreement_id)
    before = list(agreement.notify_emails)
    after = list(dict.fromkeys(email.lower() for email in notify_emails))
    if after == before:
        return agreement
    removed = sorted(set(before) - set(after))
    if removed:
        agreement.contacts_revision += 1
    since = dict(agreement.contact_revisions or {})
    for email in set(after) - set(before):
        since[email] = agreement.contacts_revision
    agreement.contact_revisions = {email: since[email] for email in after if since.get(email)}
    agreement.notify_emails = after
    audit.record_on_agreement(
        agreement,
        action="agreement.contacts_changed",
        object_type="agreement",
        object_id=agreement.id,
        data={"before": before, "after": after, "removed": removed},
    )
    queue_notice(
        kind=AGREEMENT_CONTACTS_CHANGED,
        processor_id=agreement.processor_id,
        agreement_id=agreement.id,
        data={"before": before, "after": after},
    )
    return agreement


def set_processor_contact(
    *, processor: Organisation, agreement_id: int, email: str | None
) -> Agreement:
    """Where the processor's notices under this agreement go; None: its organisation's own
    address again."""
    agreement = hold_for_party(organisation=processor, agreement_id=agreement_id)
    before = agreement.processor_email
    agreement.processor_email = email.lower() if email else None
    if agreement.processor_email != before:
        audit.record_on_agreement(
            agreement,
            action="agreement.processor_contact_changed",
            object_type="agreement",
            object_id=agreement.id,
            data={"before": before, "after": agreement.processor_email},
        )
    return agreement
