"""Who is told what about a change, in which language, with which headers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from registry import clock
from registry.extensions import db
from registry.notifications import service
from registry.notifications.kinds import Recipient, register_kind
from registry.notifications.models import Delivery, DeliveryStatus, Notice
from registry.subprocessors.notifications import change_recipients
from tests.conftest import NOW, SmtpServer
from tests.factories import EntryFactory
from tests.notifications.conftest import (
    World,
    announce,
    confirmed_subscriber,
    deliver,
    html_of,
    subject_of,
    text_of,
)

EFFECTIVE = "2027-01-04T09:00:00Z"


def test_announcement_reaches_contacts_in_their_language_with_their_own_deadline(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    announce(client, world.processor, effective_at=EFFECTIVE)
    stats = deliver()
    assert stats.sent == 3

    (dutch,) = smtp_server.to("privacy@zeewolde.example")
    assert subject_of(dutch) == (
        "IP Voice Group Services B.V.: voorgenomen toevoeging van een sub-verwerker "
        "(Nordhosting) per 4 januari 2027"
    )
    body = text_of(dutch)
    assert "Ingangsdatum:   4 januari 2027 om 10:00 CET" in body
    # 30 objection days under VWO-2026-014.
    assert "verwerkersovereenkomst VWO-2026-014 kunt u tot 27 december 2026 om 10:00 CET" in body
    assert "Duitsland (DE): hosting; Verenigde Staten (US): support" in body
    assert dutch["Content-Language"] == "nl"
    assert "List-Unsubscribe" not in dutch and "List-Unsubscribe-Post" not in dutch
    assert dutch["Reply-To"] == "privacy@ipvoice.example"
    assert dutch["Auto-Submitted"] == "auto-generated"
    assert len(smtp_server.to("fg@zeewolde.example")) == 1

    (english,) = smtp_server.to("dpo@acme.example")
    assert subject_of(english) == (
        "IP Voice Group Services B.V.: intended addition of a sub-processor (Nordhosting), "
        "effective January 4, 2027"
    )
    # 14 objection days under ACME-7.
    assert "agreement ACME-7 you may object to this change on reasonable grounds until " in (
        text_of(english)
    )
    assert "December 11, 2026 at 10:00 CET" in text_of(english)
    assert "Germany (DE): hosting; United States (US): support" in text_of(english)


def test_subscribers_get_list_headers_and_no_deadline(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    sub = confirmed_subscriber(world.processor, "reader@example.org", language="en")
    announce(client, world.processor, effective_at=EFFECTIVE)
    deliver()
    (mail,) = smtp_server.to("reader@example.org")
    token = sub.unsubscribe_token
    assert mail["List-Unsubscribe"] == (
        f"<https://registry.test/api/v1/subscriptions/unsubscribe/{token}>, "
        f"<mailto:registry@registry.test?subject=unsubscribe%20{token}>"
    )
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Id"] == "<ipvoice.subprocessors.registry.test>"
    body = text_of(mail)
    assert "within the period set in their agreement" in body
    assert "until" not in body.split("OBJECTION", 1)[1].split("The change:")[0]
    assert f"Unsubscribe: https://registry.test/api/v1/subscriptions/unsubscribe/{token}" in body
    assert "Unsubscribe</a>" in html_of(mail)


def test_an_address_that_is_contact_and_subscriber_gets_one_contractual_mail(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    confirmed_subscriber(world.processor, "dpo@acme.example")
    announce(client, world.processor, effective_at=EFFECTIVE)
    deliver()
    (mail,) = smtp_server.to("dpo@acme.example")
    assert "List-Unsubscribe" not in mail
    assert "ACME-7" in text_of(mail)


def test_update_lists_each_changed_field_and_the_consent_a_new_location_needs(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    added = announce(
        client,
        world.processor,
        subprocessor=EntryFactory(locations=[{"code": "DE", "activities": ["hosting"]}]),
        effective_at=EFFECTIVE,
    )
    clock.advance(timedelta(days=40))
    deliver()
    smtp_server.handler.received.clear()

    announce(
        client,
        world.processor,
        action="update",
        subprocessor_id=added["subprocessor_id"],
        subprocessor={
            "purpose": "Hosting and support",
            "locations": [
                {"code": "DE", "activities": ["hosting"]},
                {"code": "CA-QC", "activities": ["support"]},
            ],
        },
        reason="Support desk in Montréal",
        effective_at=(NOW + timedelta(days=80)).isoformat(),
    )
    deliver()
    dutch = text_of(smtp_server.to("privacy@zeewolde.example")[0])
    changes = dutch.split("WAT ER VERANDERT", 1)[1].split("VOORAFGAANDE TOESTEMMING", 1)[0]
    assert "* Doel van de verwerking\n    was:   Hosting of call recordings\n" in changes
    assert "    wordt: Hosting and support\n" in changes
    assert "Verwerkingslocaties" in changes
    assert "Quebec (CA-QC): support" in changes
    assert "Statutaire naam" not in changes  # unchanged fields are left out
    consent = dutch.split("VOORAFGAANDE TOESTEMMING VEREIST (ARTIKEL 3.1)", 1)[1]
    assert "* Quebec (CA-QC): support (nieuwe locatie)" in consent
    assert "Artikel 3.3 van de verwerkersovereenkomst zondert Quebec uit" in consent
    assert "Duitsland" not in consent.split("BEZWAAR")[0]

    english = text_of(smtp_server.to("dpo@acme.example")[0])
    assert 'allows Canada "except Quebec"' in english
    assert "PRIOR CONSENT REQUIRED (ARTICLE 3.1)" in english


def test_no_consent_section_when_every_location_is_allowed(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    announce(
        client,
        world.processor,
        subprocessor=EntryFactory(dpf_certified=True, dpf_checked_on="2026-11-20"),
        effective_at=EFFECTIVE,
    )
    deliver()
    body = text_of(smtp_server.to("dpo@acme.example")[0])
    assert "PRIOR CONSENT" not in body
    assert (
        "Certified under the EU-US Data Privacy Framework\n    before: —\n    after:  yes" in body
    )
    assert "DPF certification checked on\n    before: —\n    after:  November 20, 2026" in body


def test_html_is_escaped_and_text_is_verbatim(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    announce(
        client,
        world.processor,
        subprocessor=EntryFactory(name="Evil <b>Corp</b> & Co"),
        reason='<script>alert("x")</script>',
        effective_at=EFFECTIVE,
    )
    deliver()
    mail = smtp_server.to("dpo@acme.example")[0]
    html = html_of(mail)
    assert "<script>" not in html and "<b>Corp</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "Evil &lt;b&gt;Corp&lt;/b&gt; &amp; Co" in html
    assert 'Reason:        <script>alert("x")</script>' in text_of(mail)
    assert "(Evil <b>Corp</b> & Co)" in subject_of(mail)


def test_withdrawal_tells_everyone_who_was_told(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    confirmed_subscriber(world.processor, "reader@example.org", language="nl")
    change = announce(client, world.processor, effective_at=EFFECTIVE)
    clock.advance(timedelta(days=2))
    response = client.post(
        f"/api/v1/processors/ipvoice/changes/{change['id']}/withdraw",
        json={"reason": "Contract niet getekend"},
        headers=world.processor.headers,
    )
    assert response.status_code == 200, response.json
    deliver()
    for address in ("privacy@zeewolde.example", "fg@zeewolde.example", "reader@example.org"):
        withdrawn = [m for m in smtp_server.to(address) if "ingetrokken" in subject_of(m)]
        assert len(withdrawn) == 1, address
        assert "Ingetrokken:    29 november 2026 om 10:00 CET" in text_of(withdrawn[0])
        assert "Reden:          Contract niet getekend" in text_of(withdrawn[0])
    # Two sender threads deliver the announcement and the withdrawal in either order.
    (english,) = [m for m in smtp_server.to("dpo@acme.example") if "withdrawn" in subject_of(m)]
    assert subject_of(english).startswith("IP Voice Group Services B.V.: withdrawn")
    assert "An objection to this change is no longer needed." in text_of(english)


def test_the_worker_tells_everyone_once_when_a_change_takes_effect(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    confirmed_subscriber(world.processor, "reader@example.org")
    change = announce(client, world.processor, effective_at=EFFECTIVE)
    assert deliver().jobs["change_effective"] == 0
    clock.advance(timedelta(days=37, hours=23))
    assert deliver().jobs["change_effective"] == 0

    clock.advance(timedelta(hours=1))
    stats = deliver()
    assert stats.jobs["change_effective"] == 1 and stats.sent == 4
    assert deliver().jobs["change_effective"] == 0
    notices = db.session.scalars(
        select(Notice).where(Notice.change_id == change["id"]).order_by(Notice.id)
    ).all()
    assert [n.kind for n in notices] == ["change_announced", "change_effective"]
    effect = [
        m for m in smtp_server.to("privacy@zeewolde.example") if "in werking" in subject_of(m)
    ]
    assert len(effect) == 1
    assert "In werking sinds: 4 januari 2027 om 10:00 CET" in text_of(effect[0])
    assert "VOORAFGAANDE TOESTEMMING VEREIST" in text_of(effect[0])
    assert [m for m in smtp_server.to("reader@example.org") if "in effect" in subject_of(m)]


def test_a_suppressed_subscriber_gets_nothing_and_shows_as_dead_a_contact_is_still_told(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    from registry.notifications.models import SuppressedAddress

    confirmed_subscriber(world.processor, "reader@example.org")
    for address in ("reader@example.org", "fg@zeewolde.example"):
        db.session.add(SuppressedAddress(email=address, reason="550 5.1.1 no such user"))
    db.session.commit()
    announce(client, world.processor, effective_at=EFFECTIVE)
    deliver()
    assert smtp_server.to("reader@example.org") == []
    dead = db.session.scalar(select(Delivery).where(Delivery.recipient == "reader@example.org"))
    assert dead is not None and dead.status is DeliveryStatus.DEAD
    assert dead.attempts == 0 and "suppressed" in (dead.last_error or "")
    # The agreement names the address: the contract's notice is attempted regardless.
    assert len(smtp_server.to("fg@zeewolde.example")) == 1
    told = db.session.scalar(select(Delivery).where(Delivery.recipient == "fg@zeewolde.example"))
    assert told is not None and told.status is DeliveryStatus.SENT


def test_unknown_kinds_are_refused_when_queued(world: World) -> None:
    with pytest.raises(LookupError):
        service.queue_notice(kind="no_such_kind", processor_id=world.processor.organisation.id)


def _private_recipients(notice: Notice) -> list[Recipient]:
    # Everyone a change would reach, subscribers included; the kind must drop them.
    return change_recipients(notice)


def _private_context(notice: Notice, recipient: Recipient) -> dict[str, object]:
    return {"confirm_url": "https://registry.test/x", "expires_at": "—"}


register_kind(
    "test_private_notice",
    recipients=_private_recipients,
    context=_private_context,
    template="subscription_confirm",
)


def test_a_kind_from_another_module_never_reaches_subscribers_unless_visible(
    client: FlaskClient, world: World, smtp_server: SmtpServer
) -> None:
    confirmed_subscriber(world.processor, "reader@example.org")
    change = announce(client, world.processor, effective_at=EFFECTIVE)
    deliver()
    smtp_server.handler.received.clear()
    service.queue_notice(
        kind="test_private_notice",
        processor_id=world.processor.organisation.id,
        change_id=change["id"],
    )
    db.session.commit()
    assert deliver().sent == 3
    assert smtp_server.to("reader@example.org") == []
    assert len(smtp_server.to("dpo@acme.example")) == 1
