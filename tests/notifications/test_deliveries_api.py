"""Evidence: who was notified of what, and requeueing what failed."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.notifications.models import SuppressedAddress
from tests.conftest import NOW, SmtpServer
from tests.factories import AdminFactory, EntryFactory, PartyFactory
from tests.notifications.conftest import (
    World,
    announce,
    confirmed_subscriber,
    deliver,
)

EFFECTIVE = "2027-01-04T09:00:00Z"


def suppressed(email: str) -> bool:
    db.session.expire_all()
    found = select(SuppressedAddress.id).where(SuppressedAddress.email == email)
    return db.session.scalar(found) is not None


def listing(client: FlaskClient, headers: dict[str, str], **query: object) -> list[dict]:
    response = client.get("/api/v1/deliveries", headers=headers, query_string=query)
    assert response.status_code == 200, response.json
    return list(response.json)


def test_processor_sees_who_was_told_of_which_change_and_how_it_went(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    confirmed_subscriber(world.processor, "reader@example.org")
    smtp_server.reject("fg@zeewolde.example", "550 5.1.1 No such user")
    first = announce(client, world.processor, effective_at=EFFECTIVE)
    second = announce(
        client,
        world.processor,
        subprocessor=EntryFactory(name="Suomicloud"),
        effective_at=EFFECTIVE,
    )
    deliver()

    rows = listing(client, world.processor.headers)
    assert len(rows) == 8
    row = next(
        r for r in rows if r["recipient"] == "dpo@acme.example" and r["change_id"] == first["id"]
    )
    assert row["kind"] == "change_announced"
    assert row["status"] == "sent" and row["attempts"] == 1
    assert row["sent_at"] == NOW.isoformat() and row["created_at"] == NOW.isoformat()
    assert row["organisation_id"] == world.acme.organisation.id
    assert row["agreement_id"] == world.acme_agreement.id
    assert row["subscriber"] is False and row["language"] == "en"
    assert row["message_id"].startswith("<delivery-") and row["last_error"] is None
    assert row["subject"].startswith("IP Voice Group Services B.V.: intended addition")
    reader = next(r for r in rows if r["recipient"] == "reader@example.org")
    assert reader["subscriber"] is True and reader["organisation_id"] is None

    only_second = listing(client, world.processor.headers, change_id=second["id"])
    assert len(only_second) == 4 and {r["change_id"] for r in only_second} == {second["id"]}
    dead = listing(client, world.processor.headers, status="dead")
    # Newest first. The second notice to the address was either refused too, or found it
    # suppressed already, depending on whether the first was sent before it was expanded.
    assert [r["recipient"] for r in dead] == ["fg@zeewolde.example"] * 2
    assert dead[1]["last_error"] == "550 5.1.1 No such user"
    assert dead[0]["last_error"] in {
        "550 5.1.1 No such user",
        "address suppressed after a permanent failure",
    }

    paged = client.get(
        "/api/v1/deliveries", headers=world.processor.headers, query_string={"page_size": 3}
    )
    assert len(paged.json) == 3
    assert "X-Pagination" in paged.headers


def test_controller_sees_only_deliveries_addressed_to_it(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    confirmed_subscriber(world.processor, "reader@example.org")
    announce(client, world.processor, effective_at=EFFECTIVE)
    deliver()
    zeewolde = listing(client, world.zeewolde.headers)
    assert sorted(r["recipient"] for r in zeewolde) == [
        "fg@zeewolde.example",
        "privacy@zeewolde.example",
    ]
    acme = listing(client, world.acme.headers)
    assert [r["recipient"] for r in acme] == ["dpo@acme.example"]


def test_no_one_sees_another_organisations_deliveries(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    announce(client, world.processor, effective_at=EFFECTIVE)
    deliver()
    stranger = PartyFactory(kind="processor", slug="othervoice")
    outsider = PartyFactory(kind="controller", slug="elsewhere")
    assert listing(client, stranger.headers) == []
    assert listing(client, outsider.headers) == []
    assert client.get("/api/v1/deliveries").status_code == 401
    assert client.get("/api/v1/deliveries", headers=AdminFactory().headers).status_code == 403

    delivery_id = listing(client, world.processor.headers)[0]["id"]
    smtp_server.reject("dpo@acme.example")
    # Another processor cannot requeue it, nor learn that it exists.
    other = client.post(f"/api/v1/deliveries/{delivery_id}/retry", headers=stranger.headers)
    assert other.status_code == 404
    assert other.mimetype == "application/problem+json"
    # A controller cannot requeue at all, not even its own.
    own = client.post(f"/api/v1/deliveries/{delivery_id}/retry", headers=world.acme.headers)
    assert own.status_code == 403
    assert (
        client.post("/api/v1/deliveries/999999/retry", headers=world.processor.headers).status_code
        == 404
    )


def test_retry_requeues_a_dead_delivery_and_lifts_the_suppression(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    smtp_server.reject("fg@zeewolde.example", "550 5.1.1 No such user")
    announce(client, world.processor, effective_at=EFFECTIVE)
    deliver()
    dead = listing(client, world.processor.headers, status="dead")[0]
    assert suppressed("fg@zeewolde.example")

    # The mailbox exists again; the processor requeues.
    del smtp_server.handler.rejections["fg@zeewolde.example"]
    response = client.post(
        f"/api/v1/deliveries/{dead['id']}/retry", headers=world.processor.headers
    )
    assert response.status_code == 200
    assert response.json["status"] == "pending" and response.json["attempts"] == 0
    assert response.json["message_id"] == dead["message_id"]
    assert not suppressed("fg@zeewolde.example")

    assert deliver().sent == 1
    (mail,) = smtp_server.to("fg@zeewolde.example")
    assert mail["Message-ID"] == dead["message_id"]
    again = client.post(f"/api/v1/deliveries/{dead['id']}/retry", headers=world.processor.headers)
    assert again.status_code == 409
    assert again.json["state"] == "sent"
    assert "sent" in again.json["detail"]

    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "delivery.retried")
    ).all()
    assert event.object_id == dead["id"] and event.actor_org_id == world.processor.organisation.id
    assert event.data["status"] == "dead" and event.data["suppression_lifted"] is True


def test_bad_filters_are_422_naming_the_parameter(client: FlaskClient, world: World) -> None:
    response = client.get(
        "/api/v1/deliveries",
        headers=world.processor.headers,
        query_string={"status": "lost", "change_id": "x"},
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"status", "change_id"}
