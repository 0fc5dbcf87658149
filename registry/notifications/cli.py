"""``registry worker``: deliver notices, once or until stopped."""

from __future__ import annotations

import json
import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from registry.notifications.worker import run_forever, run_once


@click.command("worker")
@click.option("--once", is_flag=True, help="Do one pass, print what was done, and exit")
@with_appcontext
def worker_command(once: bool) -> None:
    """Deliver notices: expand them, send due deliveries, retry transient failures."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        click.echo(json.dumps(run_once(app).as_dict()))
        return
    stop = threading.Event()

    def request_stop(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    click.echo(f"delivery worker polling every {app.config['WORKER_POLL_SECONDS']}s", err=True)
    run_forever(app, stop=stop)
