"""What a transfer covered by a consent rests on in law, for the consent mails.

The controller's consent answers the contract's question (Art. 3.1); the law's (GDPR
Chapter V) is answered by each sub-processor's entry. A consent mail names both, per
sub-processor at the location: "prior consent given (Art. 3.1); the transfer rests on …".
"""

from __future__ import annotations

from typing import Any

from registry.agreements.models import Agreement, Consent
from registry.countries import service as countries
from registry.subprocessors import safeguards
from registry.subprocessors import service as subprocessors
from registry.subprocessors.display import display_value


def transfer_bases(consent: Consent, agreement: Agreement, language: str) -> list[dict[str, Any]]:
    """Each sub-processor the consent covers on the list when it was given, with what its
    transfer rests on, in ``language``."""
    bases = []
    at = consent.given_at
    for version in subprocessors.list_at(processor_id=agreement.processor_id, at=at):
        if consent.subprocessor_id not in (None, version.subprocessor_id):
            continue
        for location in version.locations:
            code = location["code"]
            if code != consent.code and not code.startswith(consent.code + "-"):
                continue
            zone = countries.assess(
                code,
                at.date(),
                dpf_certified=version.dpf_certified,
                adequacy_scope_confirmed=version.adequacy_scope_confirmed,
            )["zone"]
            bases.append(
                {
                    "subprocessor": version.name,
                    "code": code,
                    "rests_on": _rests_on(zone, version.transfer_mechanism, language),
                }
            )
    return bases


def _rests_on(zone: str, mechanism: str | None, language: str) -> str | None:
    """The basis as a phrase; None where the entry has none (the mail says so)."""
    basis = safeguards.lawful_basis(zone, mechanism)
    if basis == safeguards.BASIS_ADEQUACY:
        return display_value("transfer_mechanism", safeguards.ADEQUACY, language)
    if basis == safeguards.BASIS_NONE:
        return None
    return display_value("transfer_mechanism", mechanism, language)
