"""The transaction policy: one commit per request, in one place, and the helpers steps share.

Services flush but never commit. ``commit_or_rollback`` ends each request: a response below
400 commits everything the request wrote (its notices included), anything else rolls back.
The Session listeners below let it skip the commit of a request that wrote nothing, which
keeps cached public reads off the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, text
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from registry.extensions import db


def commit_or_rollback(response: Response) -> Response:
    """The one commit of a request: everything it wrote, its notices included, or nothing.

    A request that wrote nothing skips the commit; the session is closed at teardown.
    """
    if not db.session.registry.has():
        return response  # no session was ever opened (e.g. a cached public read)
    session = db.session()
    wrote = session.info.pop("wrote", False) or session.new or session.dirty or session.deleted
    if not wrote:
        return response
    if response.status_code < 400:
        session.commit()
    else:
        session.rollback()
    return response


@event.listens_for(Session, "after_flush")
def _remember_write(session: Session, _context: object) -> None:
    session.info["wrote"] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_write(session: Session) -> None:
    session.info.pop("wrote", None)


def dialect() -> str:
    return str(db.engine.dialect.name)


@contextmanager
def savepoint() -> Iterator[None]:
    """``with savepoint():`` around an insert a concurrent request can win (a unique key).

    Catch ``IntegrityError`` outside it: only the insert is undone, and the request goes on to
    answer as if it had come second. SQLite's driver opens a transaction only at the first
    write, and a SAVEPOINT before that would commit on release: a write of nothing opens it.
    """
    if dialect() == "sqlite":
        db.session.execute(text("UPDATE organisations SET id = id WHERE id = -1"))
    with db.session.begin_nested():
        yield
    # Releasing the savepoint counts as a commit to the Session's events, which forgets the
    # write (above); the request's own commit is still to come.
    db.session.info["wrote"] = True


def serialise_step(key: int) -> None:
    """Let one worker at a time run a step, until its transaction ends.

    PostgreSQL: a transaction-scoped advisory lock on ``key``. SQLite: taking the database's
    write lock (waiting for busy_timeout) does the same, and the reads that follow see every
    earlier worker's committed marks.
    """
    if dialect() == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        # An update of no row still takes the write lock: only the lock matters here.
        db.session.execute(text("UPDATE organisations SET id = id WHERE id = -1"))
