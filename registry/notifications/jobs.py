"""Periodic jobs that domains register and the delivery worker runs at the start of each pass.

A job queues the notices that time alone makes due (a change took effect, a deadline passed):
``job(at=moment) -> int`` answers how many it queued. It must be safe to run in several workers at
once (claim with a conditional UPDATE, or ``db.serialise_step``); the worker commits after it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from registry.extensions import db


class Job(Protocol):
    def __call__(self, *, at: datetime) -> int: ...


_JOBS: dict[str, Job] = {}


def register_job(name: str, job: Job) -> None:
    """Run ``job`` on every worker pass; ``name`` labels its count in the worker's stats."""
    _JOBS[name] = job


def run_jobs(at: datetime) -> dict[str, int]:
    """Run every registered job, each committed on its own; answers their counts."""
    counts = {}
    for name, job in sorted(_JOBS.items()):
        counts[name] = job(at=at)
        db.session.commit()
    return counts
