"""The subscription rate limit holds exactly, across every process of a deployment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from registry import PROJECT_ROOT, create_app
from registry.extensions import db
from tests.conftest import free_port
from tests.factories import PartyFactory

REDIS = "redis://127.0.0.1:6379"
SUBSCRIBE = "/api/v1/processors/ipvoice/subscriptions"


def redis_is_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def tally(client: FlaskClient, requests: int) -> Counter[int]:
    """Subscribe ``requests`` addresses from one fresh client address."""
    client_address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    statuses: Counter[int] = Counter()
    for n in range(requests):
        response = client.post(
            SUBSCRIBE,
            json={"email": f"reader{n}@example.org", "language": "nl"},
            environ_base={"REMOTE_ADDR": client_address},
        )
        statuses[response.status_code] += 1
        if response.status_code == 429:
            assert int(response.headers["Retry-After"]) > 0
    return statuses


@pytest.mark.parametrize("storage", ["database://", REDIS])
def test_exactly_the_configured_number_gets_through(
    app: Flask, client: FlaskClient, storage: str
) -> None:
    if storage == REDIS and not redis_is_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    PartyFactory(kind="processor", slug="ipvoice")
    app.config.update(RATELIMIT_STORAGE_URI=storage, SUBSCRIBE_RATE_LIMIT="4 per hour")
    app.extensions.pop("registry_ratelimit", None)
    statuses = tally(client, 7)
    print(f"{storage}: {dict(statuses)}")
    assert statuses == {202: 4, 429: 3}


def test_the_limit_holds_across_gunicorn_workers(tmp_path: Path) -> None:
    """``registry serve``'s default: 2 × CPUs + 1 gunicorn workers, counters in the database."""
    database = f"sqlite:///{tmp_path / 'limits.sqlite3'}"
    env = {key: value for key, value in os.environ.items() if not key.startswith("REGISTRY_")}
    env.update(
        REGISTRY_DATABASE_URL=database,
        REGISTRY_INSTANCE_PATH=str(tmp_path),
        REGISTRY_SUBSCRIBE_RATE_LIMIT="5 per hour",
    )
    setup = create_app({"DATABASE_URL": database, "TESTING": True})
    with setup.app_context():
        db.create_all()
        PartyFactory(kind="processor", slug="ipvoice")
    port = free_port()
    env["REGISTRY_BIND"] = f"127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "wsgi:app"],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        statuses = _subscribe_over_http(port, 12)
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"{(os.cpu_count() or 1) * 2 + 1} workers: {dict(statuses)}")
    assert statuses == {202: 5, 429: 7}


def _subscribe_over_http(port: int, requests: int) -> Counter[int]:
    """POST over new connections each time, so gunicorn hands them to different workers."""
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/processors", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    statuses: Counter[int] = Counter()
    for n in range(requests):
        body = f'{{"email": "reader{n}@example.org", "language": "nl"}}'.encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{SUBSCRIBE}",
            data=body,
            headers={"Content-Type": "application/json", "Connection": "close"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                statuses[response.status] += 1
        except urllib.error.HTTPError as error:
            statuses[error.code] += 1
    return statuses
