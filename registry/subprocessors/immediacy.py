"""Which changes need no notice, and must not wait for one.

GDPR Art. 28(2) and Art. 5.2 of the agreement ask notice for adding or replacing a
sub-processor, so that the controller can object before it applies. What only stops —
a removal, an update that only drops locations, activities or categories — reduces what
happens to the data: it applies at once (or at a later moment the processor chooses).

A lapse of DPF certification is not a reduction but a fact: a transfer to the US has just
lost its adequacy basis, and a list that kept showing it adequate would be false. The update
that records it applies at once and names the Art. 46 safeguard the transfer now rests on.

A newer check of the DPF List that finds the recipient still certified changes nothing that is
processed: it is recorded at once too, so that a stale check never waits for a notice period.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from registry.errors import Invalid
from registry.subprocessors.models import ENTRY_FIELDS, ChangeAction
from registry.subprocessors.safeguards import ART46, rests_on_certification

REDUCTION = "reduction"
DPF_LAPSE = "dpf_lapse"
DPF_RECHECK = "dpf_recheck"
IMMEDIATE_KINDS = (REDUCTION, DPF_LAPSE, DPF_RECHECK)

# Fields whose values are lists a reduction may only shorten.
_SHRINKABLE = ("data_categories", "data_subject_categories")
# Fields the update recording a DPF lapse changes besides any reduction.
_LAPSE_FIELDS = ("dpf_certified", "dpf_checked_on", "transfer_mechanism")


def classify(
    action: ChangeAction,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    body: Mapping[str, Any] | None,
    day: date,
) -> str | None:
    """``reduction``, ``dpf_lapse``, ``dpf_recheck`` or None (the change needs notice)."""
    if action is ChangeAction.REMOVE:
        return REDUCTION
    if action is not ChangeAction.UPDATE or before is None or after is None:
        return None
    if _dpf_lapses(before, after, day):
        _check_lapse(before, after, body or {})
        return DPF_LAPSE
    if _only_rechecks(before, after):
        return DPF_RECHECK
    return REDUCTION if is_reduction(before, after) else None


def _only_rechecks(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Still certified, checked later; nothing else changes."""
    if not (before.get("dpf_certified") and after.get("dpf_certified")):
        return False
    old, new = before.get("dpf_checked_on") or "", after.get("dpf_checked_on") or ""
    rest = [name for name in ENTRY_FIELDS if name != "dpf_checked_on"]
    return new > old and all(_same(before.get(name), after.get(name)) for name in rest)


def _same(old: Any, new: Any) -> bool:
    """Equal, or both empty: a field left unset reads as false, none or no entries."""
    return old == new or (old in (None, False, "", []) and new in (None, False, "", []))


def is_reduction(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    """Something is dropped, nothing is added, and every other field stays as it was."""
    for name in ENTRY_FIELDS:
        if name == "locations" or name in _SHRINKABLE:
            continue
        if not _same(before.get(name), after.get(name)):
            return False
    dropped = False
    for name in _SHRINKABLE:
        old, new = set(before.get(name) or []), set(after.get(name) or [])
        if not new <= old:
            return False
        dropped |= new < old
    old_places = _activities(before)
    new_places = _activities(after)
    for code, activities in new_places.items():
        if code not in old_places or not activities <= old_places[code]:
            return False
        dropped |= activities < old_places[code]
    return dropped or len(new_places) < len(old_places)


def _activities(entry: Mapping[str, Any]) -> dict[str, set[str]]:
    return {
        location["code"]: set(location.get("activities") or [])
        for location in entry.get("locations") or []
    }


def _dpf_lapses(before: Mapping[str, Any], after: Mapping[str, Any], day: date) -> bool:
    """Certification turns false where it decided adequacy (a US location)."""
    if not before.get("dpf_certified") or after.get("dpf_certified"):
        return False
    return any(
        rests_on_certification(location["code"], day) for location in before.get("locations") or []
    )


def _check_lapse(
    before: Mapping[str, Any], after: Mapping[str, Any], body: Mapping[str, Any]
) -> None:
    """The same request names the new safeguard, and changes nothing that needs notice."""
    if body.get("transfer_mechanism") not in ART46:
        raise Invalid(
            "subprocessor.transfer_mechanism",
            "The DPF certification lapses: name in the same request the Art. 46 safeguard the "
            f"transfers now rest on ({', '.join(ART46)}).",
        )
    rest_before = {k: v for k, v in before.items() if k not in _LAPSE_FIELDS}
    rest_after = {k: v for k, v in after.items() if k not in _LAPSE_FIELDS}
    if rest_before != rest_after and not is_reduction(rest_before, rest_after):
        raise Invalid(
            "subprocessor",
            "A DPF lapse takes effect at once; announce other changes, which need notice, "
            "in a separate change.",
        )
