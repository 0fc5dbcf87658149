"""Suppression is narrow: only a mailbox that is gone, only subscriber mail; contractual notices
are always attempted and their failure is flagged on the agreement; admins and processors see
and lift suppressions, each within its own reach."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from flask.testing import FlaskClient
from sqlalchemy import select

from registry.agreements import service as agreements
from registry.audit.models import AuditEvent
from registry.extensions import db
from registry.notifications.bounces import Stage, mailbox_gone, refusal
from registry.notifications.models import Delivery, DeliveryStatus, SuppressedAddress
from registry.notifications.outcomes import Outcome
from tests.conftest import NOW, SmtpServer
from tests.factories import AdminFactory, EntryFactory, Party, PartyFactory
from tests.notifications.conftest import World, announce, confirmed_subscriber, deliver

EFFECTIVE = "2027-01-04T09:00:00Z"


@pytest.mark.parametrize(
    ("code", "text", "stage", "gone"),
    [
        (550, "5.1.1 No such user", Stage.RCPT, True),
        (550, "5.1.1 No such user", Stage.DATA, True),  # some servers refuse recipients late
        (550, "5.1.10 Null MX", Stage.RCPT, True),
        (554, "5.2.1 Mailbox disabled", Stage.RCPT, True),
        (550, "No such user here", Stage.RCPT, True),  # no enhanced code: by reply code
        (553, "Mailbox name not allowed", Stage.RCPT, True),
        (552, "5.3.4 Message too big", Stage.DATA, False),
        (552, "Message size exceeds fixed maximum", Stage.DATA, False),
        (552, "5.2.2 Mailbox full", Stage.RCPT, False),
        (550, "5.7.1 Message rejected as spam", Stage.DATA, False),
        (550, "5.7.1 Relaying denied", Stage.RCPT, False),
        (553, "5.1.8 Sender address rejected: domain not found", Stage.RCPT, False),
        (554, "Transaction failed", Stage.RCPT, False),
        (550, "Content rejected", Stage.DATA, False),
    ],
)
def test_only_a_mailbox_that_is_gone_suppresses(
    code: int, text: str, stage: Stage, gone: bool
) -> None:
    assert mailbox_gone(code, text, stage) is gone
    result = refusal(7, code, text.encode(), stage=stage)
    assert result.outcome is Outcome.DEAD and result.suppress is gone
    assert result.error == f"{code} {text}"


def test_a_temporary_refusal_is_retried_and_suppresses_nothing() -> None:
    result = refusal(7, 450, b"4.1.1 Mailbox busy", stage=Stage.RCPT)
    assert result.outcome is Outcome.RETRY and not result.suppress


def reject_data(server: SmtpServer, address: str, reply: str) -> None:
    """Refuse the message itself (after DATA) for one recipient."""
    accept = type(server.handler).handle_DATA.__get__(server.handler)

    async def handle_DATA(smtp: SMTP, session: Session, envelope: Envelope) -> str:
        if address in envelope.rcpt_tos:
            return reply
        return await accept(smtp, session, envelope)

    server.handler.handle_DATA = handle_DATA  # type: ignore[method-assign]


def suppressed(email: str) -> SuppressedAddress | None:
    db.session.expire_all()
    return db.session.scalar(select(SuppressedAddress).where(SuppressedAddress.email == email))


def deliveries_to(email: str) -> list[Delivery]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Delivery).where(Delivery.recipient == email).order_by(Delivery.id)
        )
    )


def second_processor(contact: str) -> Party:
    """Another processor whose agreement names ``contact``."""
    other = PartyFactory(kind="processor", slug="othervoice", name="Other Voice B.V.")
    controller = PartyFactory(kind="controller", slug="elsewhere", name="Elsewhere")
    agreements.record_agreement(
        processor=other.organisation,
        controller_slug=controller.slug,
        reference="OV-1",
        signed_on=date(2026, 6, 1),
        language="en",
        notify_emails=[contact],
        notice_days=30,
        objection_days=30,
    )
    db.session.commit()
    return other


def test_a_message_too_big_suppresses_nothing_and_a_contract_notice_still_goes(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    confirmed_subscriber(world.processor, "big@example.org")
    reject_data(smtp_server, "big@example.org", "552 5.3.4 Message too big for system")
    announce(client, world.processor, effective_at=EFFECTIVE)
    deliver()
    (refused,) = deliveries_to("big@example.org")
    assert refused.status is DeliveryStatus.DEAD and refused.attempts == 1
    assert refused.last_error == "552 5.3.4 Message too big for system"
    assert suppressed("big@example.org") is None

    other = second_processor("big@example.org")
    del smtp_server.handler.handle_DATA  # a smaller message is accepted
    announce(client, other, effective_at=EFFECTIVE)
    deliver()
    told = deliveries_to("big@example.org")[-1]
    assert told.processor_id == other.organisation.id and told.subscription_id is None
    assert told.status is DeliveryStatus.SENT and told.attempts == 1


def test_a_gone_mailbox_stops_subscriber_mail_but_never_a_contract_notice(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    confirmed_subscriber(world.processor, "gone@example.org")
    smtp_server.reject("gone@example.org", "550 5.1.1 No such user")
    announce(client, world.processor, effective_at=EFFECTIVE)
    deliver()
    suppression = suppressed("gone@example.org")
    assert suppression is not None and suppression.reason == "550 5.1.1 No such user"

    # The subscriber gets nothing more: the next announcement does not even try.
    announce(
        client,
        world.processor,
        subprocessor=EntryFactory(name="Suomicloud"),
        effective_at=EFFECTIVE,
    )
    deliver()
    skipped = deliveries_to("gone@example.org")[-1]
    assert skipped.status is DeliveryStatus.DEAD and skipped.attempts == 0

    # Another processor's contract names the address: its notice is attempted all the same.
    other = second_processor("gone@example.org")
    announce(client, other, effective_at=EFFECTIVE)
    deliver()
    contractual = deliveries_to("gone@example.org")[-1]
    assert contractual.processor_id == other.organisation.id
    assert contractual.status is DeliveryStatus.DEAD and contractual.attempts == 1
    assert contractual.last_error == "550 5.1.1 No such user"


def agreement_of(client: FlaskClient, party: Party, agreement_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/agreements/{agreement_id}", headers=party.headers)
    assert response.status_code == 200, response.json
    return dict(response.json)


def test_a_failed_contract_notice_is_flagged_on_the_agreement_until_one_succeeds(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    agreement_id = world.zeewolde_agreement.id
    assert agreement_of(client, world.processor, agreement_id)["failing_contacts"] == []
    smtp_server.reject("fg@zeewolde.example", "550 5.1.1 No such user")
    announce(client, world.processor, effective_at=EFFECTIVE)
    deliver()
    (dead,) = [d for d in deliveries_to("fg@zeewolde.example")]
    flagged = {
        "email": "fg@zeewolde.example",
        "status": "dead",
        "error": "550 5.1.1 No such user",
        "failed_at": NOW.isoformat(),
        "delivery_id": dead.id,
    }
    assert agreement_of(client, world.processor, agreement_id)["failing_contacts"] == [flagged]
    assert agreement_of(client, world.zeewolde, agreement_id)["failing_contacts"] == [flagged]
    assert agreement_of(client, world.acme, world.acme_agreement.id)["failing_contacts"] == []

    # The mailbox is back; the next notice reaches it and the flag is gone.
    del smtp_server.handler.rejections["fg@zeewolde.example"]
    announce(
        client,
        world.processor,
        subprocessor=EntryFactory(name="Suomicloud"),
        effective_at=EFFECTIVE,
    )
    deliver()
    assert agreement_of(client, world.processor, agreement_id)["failing_contacts"] == []


def listing(client: FlaskClient, headers: dict[str, str], **query: Any) -> list[str]:
    response = client.get("/api/v1/suppressions", headers=headers, query_string=query)
    assert response.status_code == 200, response.json
    return [row["email"] for row in response.json]


def test_admins_see_and_lift_every_suppression_processors_their_contacts_only(
    client: FlaskClient, world: World
) -> None:
    other = second_processor("dpo@elsewhere.example")
    for address in ("fg@zeewolde.example", "reader@example.org", "dpo@elsewhere.example"):
        db.session.add(SuppressedAddress(email=address, reason="550 5.1.1 No such user"))
    db.session.commit()
    ids = {s.email: s.id for s in db.session.scalars(select(SuppressedAddress))}
    admin = AdminFactory().headers

    assert sorted(listing(client, admin)) == sorted(ids)
    assert listing(client, world.processor.headers) == ["fg@zeewolde.example"]
    assert listing(client, other.headers) == ["dpo@elsewhere.example"]
    assert client.get("/api/v1/suppressions", headers=world.zeewolde.headers).status_code == 403
    assert client.get("/api/v1/suppressions").status_code == 401

    # Nobody lifts what is out of reach, nor learns that it exists.
    for headers, address in (
        (other.headers, "fg@zeewolde.example"),
        (world.processor.headers, "reader@example.org"),
    ):
        refused = client.delete(f"/api/v1/suppressions/{ids[address]}", headers=headers)
        assert refused.status_code == 404 and refused.mimetype == "application/problem+json"
    assert client.delete("/api/v1/suppressions/999999", headers=admin).status_code == 404

    lifted = client.delete(f"/api/v1/suppressions/{ids['fg@zeewolde.example']}", headers=admin)
    assert lifted.status_code == 204
    own = client.delete(
        f"/api/v1/suppressions/{ids['dpo@elsewhere.example']}", headers=other.headers
    )
    assert own.status_code == 204
    assert listing(client, admin) == ["reader@example.org"]
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "suppression.lifted").order_by(AuditEvent.id)
    ).all()
    assert [e.data["email"] for e in events] == ["fg@zeewolde.example", "dpo@elsewhere.example"]
    assert events[1].actor_org_id == other.organisation.id
