"""`registry serve --demo` starts gunicorn and a delivery worker, prints tokens, stops cleanly."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

STARTUP_SECONDS = 90


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``, read from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            found.add(child)
            pending.append(child)
    return found


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def get_json(url: str, token: str | None = None) -> tuple[int, object]:
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.loads(response.read())


def test_serve_demo_answers_prints_tokens_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    output = tmp_path / "serve.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("REGISTRY_")  # the demo runs on its own SQLite file
    }
    env.update(
        REGISTRY_INSTANCE_PATH=str(tmp_path / "instance"),
        REGISTRY_WEB_WORKERS="2",
    )
    with output.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "registry.cli", "serve", "--demo", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, output.read_text()
            try:
                status, listed = get_json(f"{base}/processors/ipvoice/subprocessors")
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, output.read_text()
                time.sleep(0.3)
        assert status == 200
        assert isinstance(listed, dict) and len(listed["subprocessors"]) >= 50

        printed = output.read_text()
        tokens = re.findall(r"\breg_[A-Za-z0-9_-]{40,}", printed)
        assert len(set(tokens)) >= 4, printed  # admin, processor, two controllers
        authorised = [t for t in set(tokens) if _agreements_status(base, t) == 200]
        assert authorised, "no printed token can read agreements"

        children = descendants(server.pid)
        assert len(children) >= 3  # gunicorn arbiter, its workers, the delivery worker
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            raise

    assert code == 0, output.read_text()
    time.sleep(0.2)
    assert [pid for pid in children if is_running(pid)] == [], "children outlived serve"
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        get_json(f"{base}/processors")


def _agreements_status(base: str, token: str) -> int:
    try:
        status, _ = get_json(f"{base}/agreements", token)
    except urllib.error.HTTPError as error:
        return error.code
    return status


def test_serve_refuses_a_taken_port_before_printing_tokens(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("REGISTRY_")}
    env["REGISTRY_INSTANCE_PATH"] = str(tmp_path / "instance")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        finished = subprocess.run(
            [sys.executable, "-m", "registry.cli", "serve", "--demo", "--port", str(port)],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
    output = finished.stdout + finished.stderr
    assert finished.returncode != 0, output
    assert f"cannot serve on 127.0.0.1:{port}" in output
    assert "--port" in output
    assert not re.search(r"\breg_[A-Za-z0-9_-]{20,}", output)
