"""The demo: the seed's processor, 50+ fictional sub-processors, two controllers, tokens."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from registry import clock
from registry.agreements.models import Agreement
from registry.countries import service as countries
from registry.demo import DemoResult, load_demo, print_demo
from registry.extensions import db
from registry.organisations.models import ApiToken, Organisation
from registry.subprocessors import service as subprocessors
from registry.subprocessors.models import Change, ChangeStatus, Subprocessor


def count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def demo(app: object) -> DemoResult:
    load_demo()
    return load_demo()


def test_loading_twice_adds_nothing_twice(demo: DemoResult) -> None:
    assert demo.created is False
    assert count(Organisation) == 3
    assert count(Agreement) == 2
    first_counts = (count(Subprocessor), count(Change))
    load_demo()
    assert (count(Subprocessor), count(Change)) == first_counts
    assert demo.subprocessors_in_force >= 50


def test_the_processor_is_the_seed_contracts(demo: DemoResult) -> None:
    processor = db.session.scalar(select(Organisation).where(Organisation.slug == "ipvoice"))
    assert processor is not None
    assert processor.name == "IP Voice Group Services B.V."
    assert processor.country == "NL"
    assert demo.controllers == ["gemeente-zeewolde", "zorggroep-veluwe"]


def test_the_list_covers_eea_adequate_and_third_countries(demo: DemoResult) -> None:
    processor = db.session.scalar(select(Organisation).where(Organisation.slug == "ipvoice"))
    assert processor is not None
    entries = subprocessors.list_at(processor_id=processor.id, at=clock.now())
    assert len(entries) >= 50
    assert all(len(entry.locations) == 3 for entry in entries)

    codes = {location["code"] for entry in entries for location in entry.locations}
    assert {"CA-QC", "IN", "GB", "CH"} <= codes
    us = [e for e in entries if any(loc["code"] == "US" for loc in e.locations)]
    assert any(e.dpf_certified for e in us) and any(not e.dpf_certified for e in us)
    assert any(e.flowdown_signed_on is None for e in entries)  # Art. 5.3 flag shows

    today = clock.today()
    zones = {
        countries.assess(location["code"], today, dpf_certified=entry.dpf_certified)["zone"]
        for entry in entries
        for location in entry.locations
    }
    assert zones == {countries.ZONE_EEA, countries.ZONE_ADEQUATE, countries.ZONE_THIRD_COUNTRY}
    assert countries.assess("CA-QC", today)["requires_consent"] is True


def test_history_is_in_force_and_one_change_is_announced(demo: DemoResult) -> None:
    processor = db.session.scalar(select(Organisation).where(Organisation.slug == "ipvoice"))
    assert processor is not None
    announced = list(
        db.session.scalars(
            subprocessors.changes_query(processor_id=processor.id, status=ChangeStatus.ANNOUNCED)
        )
    )
    assert len(announced) == 1
    assert announced[0].effective_at > clock.now()
    assert announced[0].id == load_demo_announced_id(processor.id)
    effective = subprocessors.changes_query(
        processor_id=processor.id, status=ChangeStatus.EFFECTIVE
    )
    actions = {change.action.value for change in db.session.scalars(effective)}
    assert {"add", "update", "remove"} <= actions
    # History is not news: no "took effect" notice is due for it.
    assert subprocessors.due_effective_changes(at=clock.now()) == []


def load_demo_announced_id(processor_id: int) -> int:
    statement = subprocessors.changes_query(
        processor_id=processor_id, status=ChangeStatus.ANNOUNCED
    )
    change = db.session.scalars(statement).first()
    assert change is not None
    return change.id


def test_agreements_one_dutch_one_english(demo: DemoResult) -> None:
    languages = {a.language for a in db.session.scalars(select(Agreement))}
    assert languages == {"nl", "en"}


def test_printed_tokens_work_for_their_roles(
    demo: DemoResult, client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    assert set(demo.tokens) == {"ipvoice", "gemeente-zeewolde", "zorggroep-veluwe", "admin"}
    admin = client.get("/api/v1/organisations", headers=bearer(demo.tokens["admin"]))
    assert admin.status_code == 200 and len(admin.json) == 3
    processor = client.get("/api/v1/agreements", headers=bearer(demo.tokens["ipvoice"]))
    assert processor.status_code == 200 and len(processor.json) == 2
    controller = client.get("/api/v1/agreements", headers=bearer(demo.tokens["gemeente-zeewolde"]))
    assert controller.status_code == 200
    assert [a["reference"] for a in controller.json] == ["VWO-2026-014"]
    # Tokens from the earlier load still work: loading again replaces nothing.
    assert count(ApiToken) == 8

    print_demo(demo, base_url="http://127.0.0.1:8123")
    printed = capsys.readouterr().out
    for secret in demo.tokens.values():
        assert secret in printed
    curls = [line.strip() for line in printed.splitlines() if line.strip().startswith("curl")]
    assert len(curls) == 3
    assert all("http://127.0.0.1:8123/api/v1/" in line for line in curls)


def test_the_public_list_serves_the_demo(demo: DemoResult, client: FlaskClient) -> None:
    response = client.get("/api/v1/processors/ipvoice/subprocessors")
    assert response.status_code == 200
    assert response.json["count"] == demo.subprocessors_in_force
    assert len(response.json["subprocessors"]) == demo.subprocessors_in_force


def test_registry_demo_command_builds_schema_and_loads_once(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
    env["REGISTRY_INSTANCE_PATH"] = str(tmp_path)
    command = [sys.executable, "-m", "registry.cli", "demo"]
    runs = [
        subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
        assert len(set(re.findall(r"\breg_[A-Za-z0-9_-]{40,}", run.stdout))) == 4
    assert "Demo loaded" in runs[0].stdout
    assert "already loaded" in runs[1].stdout


def test_only_the_announced_change_is_mailed_to_the_agreements(demo: DemoResult) -> None:
    from registry.notifications import expansion
    from registry.notifications.models import Delivery

    while expansion.expand_next_notice() is not None:
        pass
    recipients = sorted(delivery.recipient for delivery in db.session.scalars(select(Delivery)))
    assert recipients == [
        "dpo@zorggroep-veluwe.example",
        "fg@gemeente-zeewolde.example",
        "privacy@gemeente-zeewolde.example",
    ]
