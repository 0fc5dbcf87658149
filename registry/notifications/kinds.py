"""The registry of notice kinds: who is told, with what facts, through which templates.

A notice kind is one thing that can happen and must be told (a change announced, an
objection filed, …). Each kind names three things:

- ``recipients(notice) -> list[Recipient]``: everyone to tell. Called by the worker when it
  expands the notice, in the worker's own transaction — never in the request that caused it.
- ``context(notice, recipient) -> dict``: the facts for the templates, for one recipient. The
  worker adds the common keys of ``render.base_context`` (processor, language, links,
  ``format_date``, ``format_datetime``, ``sentence_end``). Public subscribers' mails differ
  only by their unsubscribe link, so for them it runs once per notice and language and must
  not depend on which subscriber it is for. Facts that are the same for many recipients
  can be computed once per notice with ``shared(notice, key, compute)``.
- ``template``: a folder under ``registry/templates/email/``::

      email/<template>/subject.txt   one line
      email/<template>/body.txt      plain text
      email/<template>/body.html     HTML, autoescaped (extend "email/_layout.html")

  Their text is in ``{% trans %}`` blocks, translated by the gettext catalogs of
  ``registry/translations`` into each of ``SUPPORTED_LANGUAGES`` (README: Translations).

Each domain registers its kinds in ``registry/<domain>/notifications.py`` at import time;
``registry.wiring`` imports every such module at app start, so nothing here has to be edited::

    # registry/objections/notifications.py
    from registry.agreements.notifications import contacts_of
    from registry.notifications.kinds import register_kind

    def _recipients(notice):
        return contacts_of(agreement_id=notice.agreement_id)

    def _context(notice, recipient):
        return {"objection": ...}

    register_kind(
        "objection_filed", recipients=_recipients, context=_context, subscriber_visible=False
    )

and queues a notice from its service, in the same transaction as the cause::

    from registry.notifications.service import queue_notice
    queue_notice(kind="objection_filed", processor_id=..., objection_id=..., agreement_id=...)

``subscriber_visible=False`` (the default) guarantees that public subscribers never receive
the kind, whatever ``recipients`` returns: objections and consents stay between the parties.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from registry.extensions import db
from registry.notifications.models import Notice
from registry.organisations.models import Organisation

SUPPORTED_LANGUAGES = ("nl", "en")


@dataclass(frozen=True)
class Recipient:
    """One address to tell, and in which capacity.

    ``contractual``: a contact named in an agreement (or an organisation's own address);
    told because the contract says so, so the mail has no unsubscribe link.
    A subscriber has ``subscription_id`` and ``unsubscribe_token``; its mail carries
    ``List-Unsubscribe`` (RFC 2369) and ``List-Unsubscribe-Post`` (RFC 8058).
    ``extra`` carries kind-specific facts for ``context`` (e.g. an agreement's deadline).
    """

    email: str
    language: str
    contractual: bool
    organisation_id: int | None = None
    agreement_id: int | None = None
    subscription_id: int | None = None
    unsubscribe_token: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_subscriber(self) -> bool:
        return self.subscription_id is not None and self.unsubscribe_token is not None


RecipientsFn = Callable[[Notice], list[Recipient]]
ContextFn = Callable[[Notice, Recipient], dict[str, Any]]


@dataclass(frozen=True)
class NoticeKind:
    name: str
    recipients: RecipientsFn
    context: ContextFn
    template: str
    subscriber_visible: bool
    # Keys of Notice.data that are secrets needed only to render (a confirm token): dropped
    # from the notice once rendered, and the sent mail's body is not kept in the outbox.
    secret_data: tuple[str, ...] = ()


_KINDS: dict[str, NoticeKind] = {}


def register_kind(
    name: str,
    *,
    recipients: RecipientsFn,
    context: ContextFn,
    template: str | None = None,
    subscriber_visible: bool = False,
    secret_data: tuple[str, ...] = (),
) -> NoticeKind:
    """Register a notice kind; ``template`` defaults to the kind's name."""
    existing = _KINDS.get(name)
    kind = NoticeKind(
        name=name,
        recipients=recipients,
        context=context,
        template=template or name,
        subscriber_visible=subscriber_visible,
        secret_data=secret_data,
    )
    # Re-importing a module (tests, reloads) registers the same functions again: fine.
    if existing is not None and existing.recipients.__module__ != recipients.__module__:
        raise ValueError(f"notice kind {name!r} is registered already by another module")
    _KINDS[name] = kind
    return kind


def get_kind(name: str) -> NoticeKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"unknown notice kind {name!r}; register it first") from None


def shared(notice: Notice, key: Any, compute: Callable[[], Any]) -> Any:
    """Compute once per notice while it is being expanded, for all its recipients.

    A context function runs once per recipient; facts that are the same for everyone
    reading one language (a diff, an assessment) belong here, keyed e.g. by language.
    """
    cache: dict[Any, Any] = notice.__dict__.setdefault("_shared_render_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def organisation_recipient(*, organisation_id: int, **extra: Any) -> list[Recipient]:
    """An organisation's own contact address (e.g. the processor's privacy desk)."""
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        return []
    return [
        Recipient(
            email=organisation.email,
            language=organisation.language,
            contractual=True,
            organisation_id=organisation.id,
            extra=extra,
        )
    ]
