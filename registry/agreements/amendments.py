"""Amendments (Art. 10.3): the terms of an agreement change only by mutual consent.

One party proposes new terms; the other accepts or rejects them; the proposer may withdraw.
An agreement has at most one open amendment. Accepting applies the terms and keeps the ones
replaced in the amendment, so the amendments are the history of the agreement's terms.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from registry import clock
from registry.agreements.models import AMENDABLE_TERMS, Agreement, Amendment, AmendmentState
from registry.agreements.service import check_periods, get_for_party_or_404, hold_for_party
from registry.audit import service as audit
from registry.auth import request_token_id
from registry.errors import Conflict, Invalid, NotFound
from registry.extensions import db
from registry.notifications.service import queue_notice
from registry.organisations.models import Organisation

# Notice kinds, registered with their templates in registry/agreements/term_notices.py.
AMENDMENT_PROPOSED = "agreement_amendment_proposed"
AMENDMENT_ACCEPTED = "agreement_amendment_accepted"
AMENDMENT_REJECTED = "agreement_amendment_rejected"
AMENDMENT_WITHDRAWN = "agreement_amendment_withdrawn"


def propose_amendment(
    *, party: Organisation, agreement_id: int, changes: dict[str, Any], reason: str
) -> Amendment:
    """Propose new terms; the other party is told and answers."""
    agreement = hold_for_party(organisation=party, agreement_id=agreement_id)
    open_one = db.session.scalar(
        select(Amendment).where(
            Amendment.agreement_id == agreement.id, Amendment.state == AmendmentState.PROPOSED
        )
    )
    if open_one is not None:
        raise Conflict(
            f"Amendment {open_one.id} of this agreement is open: it must be answered or "
            "withdrawn before another is proposed.",
            amendment_id=open_one.id,
        )
    changes = {term: value for term, value in changes.items() if getattr(agreement, term) != value}
    if not changes:
        raise Invalid("changes", "Changes nothing: the agreement has these terms already.")
    _check_resulting_terms(agreement, changes)
    amendment = Amendment(
        agreement_id=agreement.id,
        proposed_by=party.kind.value,
        proposed_by_token_id=request_token_id(),
        changes=changes,
        reason=reason.strip(),
        state=AmendmentState.PROPOSED,
        proposed_at=clock.now(),
    )
    db.session.add(amendment)
    db.session.flush()
    _record(agreement, amendment, "proposed", changes=changes, reason=amendment.reason)
    _notify(AMENDMENT_PROPOSED, agreement, amendment)
    return amendment


def accept_amendment(*, party: Organisation, agreement_id: int, amendment_id: int) -> Amendment:
    """The other party accepts: the terms apply from now on, the replaced ones are kept."""
    agreement, amendment = _open_for_answer(party, agreement_id, amendment_id, "accept")
    _check_resulting_terms(agreement, amendment.changes)
    amendment.previous = {term: getattr(agreement, term) for term in amendment.changes}
    for term, value in amendment.changes.items():
        setattr(agreement, term, value)
    _answer(agreement, amendment, AmendmentState.ACCEPTED, None)
    return amendment


def reject_amendment(
    *, party: Organisation, agreement_id: int, amendment_id: int, reason: str | None = None
) -> Amendment:
    """The other party rejects: the terms stay as they are."""
    agreement, amendment = _open_for_answer(party, agreement_id, amendment_id, "reject")
    _answer(agreement, amendment, AmendmentState.REJECTED, reason)
    return amendment


def withdraw_amendment(
    *, party: Organisation, agreement_id: int, amendment_id: int, reason: str | None = None
) -> Amendment:
    """The proposer takes its proposal back."""
    agreement, amendment = _open_for_answer(party, agreement_id, amendment_id, "withdraw")
    _answer(agreement, amendment, AmendmentState.WITHDRAWN, reason)
    return amendment


def amendments_of(*, organisation: Organisation, agreement_id: int) -> Select[Amendment]:
    """The agreement's amendments, newest first."""
    get_for_party_or_404(agreement_id=agreement_id, organisation=organisation)
    return (
        select(Amendment)
        .where(Amendment.agreement_id == agreement_id)
        .order_by(Amendment.id.desc())
    )


def _check_resulting_terms(agreement: Agreement, changes: dict[str, Any]) -> None:
    """The terms after the amendment obey the rules of recording an agreement."""
    unknown = set(changes) - set(AMENDABLE_TERMS)
    if unknown:
        raise Invalid(f"changes.{sorted(unknown)[0]}", "Not a term an amendment changes.")
    resulting = {term: changes.get(term, getattr(agreement, term)) for term in AMENDABLE_TERMS}
    check_periods(
        notice_days=resulting["notice_days"],
        objection_days=resulting["objection_days"],
        prefix="changes.",
    )


def _open_for_answer(
    party: Organisation, agreement_id: int, amendment_id: int, verb: str
) -> tuple[Agreement, Amendment]:
    """The open amendment, held with its agreement; 409 when this party may not ``verb`` it."""
    agreement = hold_for_party(organisation=party, agreement_id=agreement_id)
    amendment = db.session.get(Amendment, amendment_id, populate_existing=True)
    if amendment is None or amendment.agreement_id != agreement.id:
        raise NotFound(f"No amendment {amendment_id} of agreement {agreement_id}.")
    if amendment.state is not AmendmentState.PROPOSED:
        raise Conflict(
            f"Amendment {amendment.id} is {amendment.state.value} already.",
            state=amendment.state.value,
            allowed_actions=[],
        )
    own = amendment.proposed_by == party.kind.value
    if own != (verb == "withdraw"):
        allowed = ["withdraw"] if own else ["accept", "reject"]
        who = "the party that proposed it" if verb == "withdraw" else "the other party"
        raise Conflict(
            f"Only {who} can {verb} amendment {amendment.id}.",
            state=amendment.state.value,
            allowed_actions=allowed,
        )
    return agreement, amendment


def _answer(
    agreement: Agreement, amendment: Amendment, state: AmendmentState, reason: str | None
) -> None:
    amendment.state = state
    amendment.answered_at = clock.now()
    amendment.answered_by_token_id = request_token_id()
    amendment.answer_reason = reason.strip() if reason and reason.strip() else None
    data: dict[str, Any] = {"reason": amendment.answer_reason}
    if state is AmendmentState.ACCEPTED:
        data = {"previous": amendment.previous, "changes": amendment.changes}
    _record(agreement, amendment, state.value, **data)
    kind = {
        AmendmentState.ACCEPTED: AMENDMENT_ACCEPTED,
        AmendmentState.REJECTED: AMENDMENT_REJECTED,
        AmendmentState.WITHDRAWN: AMENDMENT_WITHDRAWN,
    }[state]
    _notify(kind, agreement, amendment)


def _record(agreement: Agreement, amendment: Amendment, verb: str, **data: Any) -> None:
    audit.record_on_agreement(
        agreement,
        action=f"agreement.amendment_{verb}",
        object_type="amendment",
        object_id=amendment.id,
        data=data,
    )


def _notify(kind: str, agreement: Agreement, amendment: Amendment) -> None:
    queue_notice(
        kind=kind,
        processor_id=agreement.processor_id,
        agreement_id=agreement.id,
        data={"amendment_id": amendment.id},
    )
