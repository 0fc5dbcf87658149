"""The per-process copy of a list revision: fresh after a local write, bounded staleness else."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from registry.extensions import db
from registry.organisations.models import Organisation
from tests.conftest import NOW
from tests.factories import EntryFactory, Party


def _write_elsewhere(slug: str) -> None:
    """What another web process's write looks like from here: only the database changes."""
    db.session.execute(
        update(Organisation)
        .where(Organisation.slug == slug)
        .values(list_revision=Organisation.list_revision + 1)
    )
    db.session.commit()


def test_other_process_write_is_seen_once_the_copy_expires(
    app: Flask, client: FlaskClient, processor: Party
) -> None:
    app.config["LIST_REVISION_TTL_SECONDS"] = 3600
    first = client.get("/api/v1/processors/ipvoice/subprocessors").headers["ETag"]
    _write_elsewhere("ipvoice")
    assert client.get("/api/v1/processors/ipvoice/subprocessors").headers["ETag"] == first
    app.config["LIST_REVISION_TTL_SECONDS"] = 0
    app.extensions["registry_revisions"].clear()
    assert client.get("/api/v1/processors/ipvoice/subprocessors").headers["ETag"] != first


def test_local_write_is_seen_at_once_whatever_the_ttl(
    app: Flask, client: FlaskClient, processor: Party
) -> None:
    app.config["LIST_REVISION_TTL_SECONDS"] = 3600
    first = client.get("/api/v1/processors/ipvoice/subprocessors").headers["ETag"]
    response = client.post(
        "/api/v1/processors/ipvoice/changes",
        json={
            "action": "add",
            "reason": "New host",
            "subprocessor": EntryFactory(),
            "effective_at": (NOW + timedelta(days=2)).isoformat(),
        },
        headers=processor.headers,
    )
    assert response.status_code == 201
    assert client.get("/api/v1/processors/ipvoice/subprocessors").headers["ETag"] != first


def test_every_write_is_a_new_revision_and_a_new_etag(
    app: Flask, client: FlaskClient, processor: Party
) -> None:
    app.config["LIST_REVISION_TTL_SECONDS"] = 3600
    organisation = processor.organisation
    start = organisation.list_revision
    etags = {client.get("/api/v1/processors/ipvoice/subprocessors").headers["ETag"]}
    for name in ("Alpha", "Bravo", "Charlie"):
        response = client.post(
            "/api/v1/processors/ipvoice/changes",
            json={
                "action": "add",
                "reason": "New host",
                "subprocessor": EntryFactory(name=name),
                "effective_at": (NOW + timedelta(days=2)).isoformat(),
            },
            headers=processor.headers,
        )
        assert response.status_code == 201
        etags.add(client.get("/api/v1/processors/ipvoice/subprocessors").headers["ETag"])
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).list_revision == start + 3  # type: ignore[union-attr]
    assert len(etags) == 4
