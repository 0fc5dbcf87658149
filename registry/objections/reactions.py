"""How objections react to the domains below them (see ``registry.events``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from registry.agreements.models import Agreement
from registry.agreements.signals import transfer_restrictions
from registry.objections import service
from registry.subprocessors.models import Change
from registry.subprocessors.signals import change_withdrawn


@change_withdrawn.connect
def close_objections(_sender: Any, *, change: Change, reason: str) -> None:
    """A change withdrawn is withdrawn for everyone: every objection to it has its remedy."""
    service.close_objections_of_withdrawn_change(change=change, summary=reason)


@transfer_restrictions.connect
def objected_or_excluded(
    _sender: Any, *, agreement: Agreement, at: datetime
) -> dict[int, tuple[str, str]]:
    """Sub-processors an open objection holds back or leaves in use, or an outcome excluded,
    for this controller."""
    restricted = service.objected_subprocessors(agreement=agreement, at=at)
    for subprocessor_id, why in service.excluded_subprocessors(agreement=agreement, at=at).items():
        restricted[subprocessor_id] = ("excluded", why)
    return restricted
