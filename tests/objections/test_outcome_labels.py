"""How an objection ended, as the resolved notice says it in each language."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_babel import force_locale

from registry.objections.models import Outcome
from registry.objections.notifications import OUTCOMES, outcome_label


def test_every_outcome_has_a_label() -> None:
    assert set(OUTCOMES) == {outcome.value for outcome in Outcome}


@pytest.mark.parametrize(
    ("outcome", "nl", "en"),
    [
        ("change_withdrawn", "de wijziging is ingetrokken", "the change is withdrawn"),
        (
            "not_used_for_controller",
            "de sub-verwerker wordt niet ingezet voor uw gegevens",
            "the sub-processor will not be used for your data",
        ),
        (
            "safeguards_agreed",
            "er zijn aanvullende waarborgen overeengekomen",
            "additional safeguards were agreed",
        ),
        (
            "service_ended_by_controller",
            "de verwerkingsverantwoordelijke beëindigt de dienstverlening op grond van de "
            "hoofdovereenkomst",
            "the controller ends the service under the main contract",
        ),
    ],
)
def test_outcomes_read_in_the_language_asked_for(
    app: Flask, outcome: str, nl: str, en: str
) -> None:
    with force_locale("en"):
        assert outcome_label(outcome, "nl") == nl
    with force_locale("nl"):
        assert outcome_label(outcome, "en") == en
