"""Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header) on every authenticated POST.

A client that retries a POST after a network failure sends the same ``Idempotency-Key``. The
first request with a key claims it (committed at once, in a transaction of its own, so a
concurrent retry sees the claim); its response is stored in the request's own transaction,
beside what the request wrote, so a replay can never disagree with what was committed.

- the same key and body within IDEMPOTENCY_TTL_HOURS: the first response again (status, body,
  ``Location``), marked ``Idempotent-Replayed: true``, with no second write and no notice;
- the same key with another body or path: 422 naming ``Idempotency-Key``;
- the same key while the first request is still running: 409;
- a request that failed (an error status, an exception, a crash) leaves nothing behind but an
  expired claim: a retry runs it again.

An answer that shows a secret once (a new API token) is never stored: its replay is a 409
naming the object already created.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import Response, current_app, request
from sqlalchemy import String, Text, UniqueConstraint, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from registry import clock
from registry.apidoc import HEADER, MAX_KEY_LENGTH
from registry.errors import Conflict, Invalid
from registry.extensions import Model, db
from registry.types import UTCDateTime

IN_FLIGHT = "in_flight"
DONE = "done"
KEPT_HEADERS = ("Content-Type", "Location")

F = TypeVar("F", bound=Callable[..., Any])


class IdempotencyRecord(Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose key: an organisation ("org:7"), or an admin token ("token:3").
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(10))
    locked_until: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status_code: Mapped[int | None]
    headers: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str | None] = mapped_column(Text)
    # For an answer that showed a secret once: what it created, instead of the answer.
    created_object: Mapped[str | None] = mapped_column(String(100))


def shows_secret_once(object_type: str) -> Callable[[F], F]:
    """Mark a view whose answer shows a secret once: a replay names the object instead."""

    def decorator(view: F) -> F:
        view._shows_secret_once = object_type  # type: ignore[attr-defined]
        return view

    return decorator


@contextmanager
def guarded(scope: str, view: Callable[..., Any]) -> Iterator[Response | None]:
    """Around one POST view: yields a replayed response, or None to run the view.

    The caller sends the view's response to ``finish`` inside the ``with`` block.
    """
    key = request.headers.get(HEADER)
    if request.method != "POST" or key is None:
        yield None
        return
    _check_key(key)
    record = _claim(scope, key, _fingerprint())
    if isinstance(record, Response):
        yield record
        return
    request.environ["registry.idempotency"] = (record, getattr(view, "_shows_secret_once", None))
    try:
        yield None
    except BaseException:
        _release(record)
        raise


def finish(response: Response) -> Response:
    """Store the response of a request that claimed a key, in the request's transaction."""
    claimed = request.environ.pop("registry.idempotency", None)
    if claimed is None:
        return response
    record_id, secret_object = claimed
    if response.status_code >= 400:
        _release(record_id)
        return response
    values: dict[str, Any] = {"state": DONE, "status_code": response.status_code}
    if secret_object is not None:
        values["created_object"] = f"{secret_object} {_created_id(response)}"
    else:
        kept = {name: response.headers[name] for name in KEPT_HEADERS if name in response.headers}
        values.update(headers=json.dumps(kept), body=response.get_data(as_text=True))
    db.session.execute(
        update(IdempotencyRecord).where(IdempotencyRecord.id == record_id).values(**values)
    )
    db.session.info["wrote"] = True  # registry.db commits it with what the view wrote
    return response


def delete_expired(*, at: datetime) -> int:
    """Forget keys whose replay window has passed (a periodic job of the worker)."""
    result = db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= at))
    return int(getattr(result, "rowcount", 0) or 0)


# --- claiming and releasing ---------------------------------------------------------------------


def _check_key(key: str) -> None:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
        raise Invalid(HEADER, f"Must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.")


def _fingerprint() -> str:
    digest = hashlib.sha256(f"{request.method} {request.full_path}\n".encode())
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _claim(scope: str, key: str, fingerprint: str) -> int | Response:
    """Claim the key and commit the claim at once, or answer what an existing claim says.

    The commit also carries the token's last-used mark, the only thing written before it.
    """
    moment = clock.now()
    config = current_app.config
    claim = {
        "fingerprint": fingerprint,
        "state": IN_FLIGHT,
        "locked_until": moment + timedelta(seconds=float(config["IDEMPOTENCY_LOCK_SECONDS"])),
        "expires_at": moment + timedelta(hours=float(config["IDEMPOTENCY_TTL_HOURS"])),
        "status_code": None,
        "headers": None,
        "body": None,
        "created_object": None,
    }
    existing = db.session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.scope == scope, IdempotencyRecord.key == key)
        .with_for_update()
    )
    if existing is None:
        record = IdempotencyRecord(scope=scope, key=key, **claim)
        try:
            with db.session.begin_nested():
                db.session.add(record)
        except IntegrityError:
            db.session.rollback()
            raise _in_flight() from None  # a concurrent first request claimed it
        db.session.commit()
        return record.id
    if existing.expires_at <= moment or (
        existing.state == IN_FLIGHT and existing.locked_until <= moment
    ):
        # Expired, or abandoned by a request that died: this one takes the key over.
        if existing.state == IN_FLIGHT and existing.fingerprint != fingerprint:
            raise _reused()
        for name, value in claim.items():
            setattr(existing, name, value)
        db.session.commit()
        return existing.id
    return _answer(existing, fingerprint)


def _answer(existing: IdempotencyRecord, fingerprint: str) -> Response:
    if existing.fingerprint != fingerprint:
        raise _reused()
    if existing.state == IN_FLIGHT:
        raise _in_flight()
    if existing.created_object is not None:
        raise Conflict(
            f"This {HEADER} created {existing.created_object} already; its secret was shown "
            "once and is not kept, so the answer cannot be repeated.",
            created=existing.created_object,
        )
    response = Response(existing.body, status=existing.status_code or 200)
    response.headers.update(json.loads(existing.headers or "{}"))
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _release(record_id: int) -> None:
    """Give a claim back after a failed request: a retry runs it again."""
    db.session.rollback()  # the failed request's writes go first
    db.session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.id == record_id, IdempotencyRecord.state == IN_FLIGHT
        )
    )
    db.session.commit()


def _reused() -> Invalid:
    return Invalid(HEADER, "Was used already for a request with another body or path.")


def _in_flight() -> Conflict:
    return Conflict(
        f"A request with this {HEADER} is still being processed; retry when it has finished.",
        state=IN_FLIGHT,
    )


def _created_id(response: Response) -> str:
    try:
        return str((response.get_json(silent=True) or {}).get("id", ""))
    except AttributeError:
        return ""
