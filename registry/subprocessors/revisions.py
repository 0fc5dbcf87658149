"""Each processor's list revision, as the public read path needs it.

The revision is bumped on every write to a processor's list and is part of the ETag of
its public documents, so no two states of a list share a revision. A web process keeps its
copy for LIST_REVISION_TTL_SECONDS, so a public read that hits the cached body or answers
304 touches no database at all; a write in this process drops the copy at once, one in
another process is seen within the TTL (well inside the Cache-Control max-age clients may
already rely on).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update

from registry.errors import NotFound
from registry.extensions import db
from registry.organisations.models import Organisation, OrgKind


@dataclass(frozen=True)
class PublishedProcessor:
    id: int
    slug: str
    list_revision: int
    # The language the processor's pages speak when the reader asks for none.
    language: str


def _copies() -> dict[str, tuple[PublishedProcessor, float]]:
    copies: dict[str, tuple[PublishedProcessor, float]]
    copies = current_app.extensions.setdefault("registry_revisions", {})
    return copies


def published_processor(slug: str) -> PublishedProcessor:
    """The processor behind a public URL with its list revision; 404 if there is none."""
    copy = _copies().get(slug)
    if copy is not None and copy[1] > time.monotonic():
        return copy[0]
    row = db.session.execute(
        select(
            Organisation.id, Organisation.slug, Organisation.list_revision, Organisation.language
        ).where(Organisation.slug == slug, Organisation.kind == OrgKind.PROCESSOR)
    ).first()
    if row is None:
        raise NotFound(f"No processor '{slug}'.")
    processor = PublishedProcessor(
        id=row.id, slug=row.slug, list_revision=row.list_revision, language=row.language
    )
    ttl = float(current_app.config["LIST_REVISION_TTL_SECONDS"])
    _copies()[slug] = (processor, time.monotonic() + ttl)
    return processor


def bump(processor: Organisation) -> None:
    """Mark the processor's list as written: a new revision, so new ETags for its documents.

    A write calls this first. The revision is raised in the database, never from a copy read
    earlier, and the UPDATE holds the processor's row until the transaction ends: concurrent
    writes to one list are decided one after the other, each on what the one before it
    committed (on SQLite the UPDATE takes the database's write lock, which does the same).
    """
    db.session.execute(
        update(Organisation)
        .where(Organisation.id == processor.id)
        .values(list_revision=Organisation.list_revision + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(processor, ["list_revision"])
    _copies().pop(processor.slug, None)
