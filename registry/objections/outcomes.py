"""How a consultation ends: a solution both parties reach, or a concession of the processor.

"In dat geval treden partijen in overleg om tot een werkbare oplossing te komen" (Art. 5.2):
the processor proposes an outcome, the controller accepts it or rejects it with reasons (back
to the consultation). The processor alone may close only with a concession that needs no one's
consent (``models.CONCESSIONS``). ``service_ended_by_controller`` records that the controller
ends the service under the main contract (Art. 10.1); the agreement itself stays in force, as
it cannot be terminated early (Art. 10.2).
"""

from __future__ import annotations

from registry import clock
from registry.errors import Conflict, Invalid
from registry.extensions import db
from registry.objections.models import (
    CONCESSIONS,
    Objection,
    ObjectionAction,
    ObjectionKind,
    ObjectionState,
    Outcome,
)
from registry.objections.service import (
    OBJECTION_ACCEPTED,
    OBJECTION_PROPOSED,
    OBJECTION_REJECTED,
    add_message,
    allowed_actions,
    close,
    get_for_party_or_404,
    notify,
    party_of,
    record,
    require,
)
from registry.organisations.models import Organisation
from registry.subprocessors import service as subprocessors


def propose(
    *, processor: Organisation, objection_id: int, outcome: Outcome | str, summary: str
) -> Objection:
    """The processor proposes a solution: in_consultation → resolution_proposed."""
    objection = get_for_party_or_404(objection_id=objection_id, organisation=processor, lock=True)
    require(objection, ObjectionAction.PROPOSE, party_of(objection, processor))
    outcome = Outcome(outcome)
    _check_possible(objection, outcome, processor)
    objection.state = ObjectionState.RESOLUTION_PROPOSED
    objection.proposed_outcome = outcome
    objection.proposed_summary = summary.strip()
    objection.proposed_at = clock.now()
    record(
        objection,
        "objection.resolution_proposed",
        outcome=outcome.value,
        summary=objection.proposed_summary,
    )
    # The mail tells the proposal as made, even if it is answered before the mail is sent.
    notify(OBJECTION_PROPOSED, objection, outcome=outcome.value, summary=objection.proposed_summary)
    return objection


def accept(*, controller: Organisation, objection_id: int) -> Objection:
    """The controller accepts the proposal: resolved with the proposed outcome."""
    objection = get_for_party_or_404(objection_id=objection_id, organisation=controller, lock=True)
    require(objection, ObjectionAction.ACCEPT, party_of(objection, controller))
    assert objection.proposed_outcome is not None and objection.proposed_summary is not None
    outcome, summary = objection.proposed_outcome, objection.proposed_summary
    _check_possible(objection, outcome, controller)
    record(objection, "objection.proposal_accepted", outcome=outcome.value, summary=summary)
    notify(OBJECTION_ACCEPTED, objection, outcome=outcome.value)
    _finish(objection, outcome, summary)
    return objection


def reject(*, controller: Organisation, objection_id: int, reason: str) -> Objection:
    """The controller rejects the proposal, with its reasons in the thread: back to consultation."""
    objection = get_for_party_or_404(objection_id=objection_id, organisation=controller, lock=True)
    require(objection, ObjectionAction.REJECT, party_of(objection, controller))
    assert objection.proposed_outcome is not None
    outcome = objection.proposed_outcome
    message = add_message(objection, controller, reason)
    objection.state = ObjectionState.IN_CONSULTATION
    _clear_proposal(objection)
    db.session.flush()
    record(
        objection,
        "objection.proposal_rejected",
        outcome=outcome.value,
        reason=message.body,
        message_id=message.id,
    )
    notify(OBJECTION_REJECTED, objection, outcome=outcome.value, message_id=message.id)
    db.session.refresh(objection, ["messages"])
    return objection


def resolve(
    *, processor: Organisation, objection_id: int, outcome: Outcome | str, summary: str
) -> Objection:
    """The processor closes with a concession that needs no consent, and carries it out."""
    objection = get_for_party_or_404(objection_id=objection_id, organisation=processor, lock=True)
    require(objection, ObjectionAction.RESOLVE, party_of(objection, processor))
    outcome = Outcome(outcome)
    if outcome not in CONCESSIONS:
        raise Invalid(
            "outcome",
            f"{outcome.value} is a solution both parties reach: propose it "
            f"(POST /api/v1/objections/{objection.id}/propose) for the controller to accept. "
            "Resolve closes only with a concession: "
            f"{', '.join(sorted(o.value for o in CONCESSIONS))}.",
        )
    _check_possible(objection, outcome, processor)
    _finish(objection, outcome, summary.strip())
    return objection


def _finish(objection: Objection, outcome: Outcome, summary: str) -> None:
    """Close the objection, then carry the outcome out."""
    _clear_proposal(objection)
    close(objection, outcome, summary)
    if outcome is not Outcome.CHANGE_WITHDRAWN or objection.change_id is None:
        return
    change = subprocessors.find_change_or_404(change_id=objection.change_id)
    if change.withdrawn_at is None:
        processor = db.session.get(Organisation, objection.processor_id)
        assert processor is not None
        # Withdrawing closes the other controllers' objections to it as well.
        subprocessors.withdraw_change(
            processor=processor,
            change_id=change.id,
            reason=f"Withdrawn after objection {objection.id}: {summary}",
        )


def _clear_proposal(objection: Objection) -> None:
    objection.proposed_outcome = None
    objection.proposed_summary = None
    objection.proposed_at = None


def _check_possible(objection: Objection, outcome: Outcome, organisation: Organisation) -> None:
    """Refuse an outcome this objection cannot have: a change to withdraw that is not there."""
    if outcome is not Outcome.CHANGE_WITHDRAWN:
        return
    if objection.kind is ObjectionKind.LISTED or objection.change_id is None:
        raise Invalid(
            "outcome",
            "change_withdrawn is for an objection to an announced change; this one is to a "
            "sub-processor on the list (not_used_for_controller keeps it from this controller).",
        )
    change = subprocessors.find_change_or_404(change_id=objection.change_id)
    if change.withdrawn_at is None and not change.can_withdraw():
        raise Conflict(
            f"Change {change.id} is {change.status.value}; only an announced change can be "
            "withdrawn. Choose another outcome.",
            state=objection.state.value,
            allowed_actions=allowed_actions(objection, organisation),
            errors={"outcome": [f"Change {change.id} is {change.status.value}."]},
        )
