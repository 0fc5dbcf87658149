"""Throughput of a public document (the list, or a page) against a bare Flask app of the same size.

    .venv/bin/python bench/list_throughput.py [--path PATH] [--duration 4] [--rounds 3]
                                              [--connections 16] [--profile]

PATH is the JSON list by default; ``--path /p/ipvoice`` measures the processor's public page.

1. Loads the demo (at least 50 sub-processors, 3 locations each) into a fresh SQLite database in
   a temporary instance folder and serves it with gunicorn and config/gunicorn.conf.py.
2. Fetches the whole list once and starts, under the same gunicorn settings,
   a bare Flask app that answers the same path with that body as a constant, the same ETag and
   Cache-Control, and 304 on a matching If-None-Match.
3. Loads them in alternation, registry then bare, ``--rounds`` times, from a second process on
   loopback (wrk when installed, else a Python client in worker processes): plain GETs (200),
   then GETs with If-None-Match (304). Alternating keeps whatever else the machine does from
   weighing on one side only.
4. Prints requests per second of each (the mean over the rounds), the ratio registry / bare and
   each round's ratio. The target is >= 0.85 for both.

--profile also runs the list request in-process under cProfile and prints where time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import json
import multiprocessing
import os
import pstats
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"
LIST_PATH = "/api/v1/processors/ipvoice/subprocessors"
TARGET = 0.85


# --- the bare app, loaded by gunicorn as "list_throughput:create_bare_app()" -------------------


def create_bare_app():  # type: ignore[no-untyped-def]
    """A Flask app answering BENCH_PATH with a constant body, its ETag and Cache-Control."""
    from flask import Flask, Response, request

    body = Path(os.environ["BENCH_BODY_FILE"]).read_bytes()
    etag = os.environ["BENCH_ETAG"]
    cache_control = os.environ["BENCH_CACHE_CONTROL"]
    content_type = os.environ["BENCH_CONTENT_TYPE"]
    app = Flask(__name__)

    @app.get(urllib.parse.urlsplit(os.environ["BENCH_PATH"]).path)
    def document() -> Response:
        response = Response(body, content_type=content_type)
        response.headers["ETag"] = etag
        response.headers["Cache-Control"] = cache_control
        return response.make_conditional(request)

    return app


# --- serving ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGISTRY_", "GUNICORN_"))}
    env["REGISTRY_INSTANCE_PATH"] = str(instance)
    return env


@contextmanager
def gunicorn(app: str, env: dict[str, str], ready_path: str, *extra: str) -> Iterator[str]:
    """Run ``app`` under gunicorn with config/gunicorn.conf.py; yield its base URL once
    ``ready_path`` answers."""
    port = free_port()
    env = {**env, "REGISTRY_BIND": f"127.0.0.1:{port}"}
    command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), *extra, app]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise SystemExit(f"gunicorn exited with {process.returncode}: {' '.join(command)}")
            try:
                with urllib.request.urlopen(base + ready_path, timeout=5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{app} did not answer within 60 s") from None
                time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:  # 304 arrives as an HTTPError
        return error.code, dict(error.headers), error.read()


# --- load -------------------------------------------------------------------------------------


@dataclass
class Load:
    requests_per_second: float
    requests: int
    errors: int


def run_wrk(url: str, headers: dict[str, str], seconds: float, connections: int) -> Load:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    socket_errors = re.search(r"Socket errors:.*", out)
    errors = int(bad.group(1)) if bad else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(0)))
    return Load(rate, total, errors)


def _client_loop(args: tuple[str, int, str, dict[str, str], float, int]) -> tuple[int, int]:
    host, port, path, headers, seconds, expect = args
    done = errors = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection(host, port, timeout=10)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            done += 1
            errors += response.status != expect
        except OSError:
            errors += 1
        finally:
            connection.close()
    return done, errors


def run_python_client(
    url: str, headers: dict[str, str], seconds: float, connections: int, expect: int
) -> Load:
    """Fallback when wrk is not installed: one process per connection."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    job = (parts.hostname or "127.0.0.1", parts.port or 80, path, headers, seconds, expect)
    started = time.monotonic()
    with multiprocessing.Pool(connections) as pool:
        results = pool.map(_client_loop, [job] * connections)
    elapsed = time.monotonic() - started
    total = sum(done for done, _ in results)
    return Load(total / elapsed, total, sum(errors for _, errors in results))


def measure(
    url: str, headers: dict[str, str], seconds: float, connections: int, expect: int
) -> Load:
    if shutil.which("wrk"):
        return run_wrk(url, headers, seconds, connections)
    return run_python_client(url, headers, seconds, connections, expect)


# --- profile ----------------------------------------------------------------------------------


def profile_list(instance: Path, path: str, etag: str, requests: int = 500) -> str:
    """Run the request in-process under cProfile (200, then 304); return the profiles."""
    os.environ.update(clean_env(instance))
    sys.path.insert(0, str(ROOT))
    from registry import create_app

    client = create_app().test_client()
    report = []
    for label, headers in (("200", {}), ("304", {"If-None-Match": etag})):
        for _ in range(50):
            client.get(path, headers=headers)
        started = time.perf_counter()
        for _ in range(requests):
            client.get(path, headers=headers)
        rate = requests / (time.perf_counter() - started)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            client.get(path, headers=headers)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        report.append(f"--- {label}: {rate:.0f} req/s in-process, unprofiled\n{out.getvalue()}")
    return "\n".join(report)


def describe(body: bytes) -> str:
    """How big the list is, when the body is the JSON list."""
    try:
        entries = json.loads(body)["subprocessors"]
    except (ValueError, KeyError, TypeError):
        return ""
    locations = sum(len(entry["locations"]) for entry in entries)
    return f" ({len(entries)} sub-processors, {locations} locations)"


# --- comparing --------------------------------------------------------------------------------


def compare(
    bases: dict[str, str], etag: str, options: argparse.Namespace
) -> dict[int, list[tuple[Load, Load]]]:
    """Load registry and bare app in alternation, ``--rounds`` times for each status, so that
    whatever else the machine does at the moment weighs on both alike."""
    results: dict[int, list[tuple[Load, Load]]] = {200: [], 304: []}
    for expect, extra in ((200, {}), (304, {"If-None-Match": etag})):
        for name in bases:  # warm both up
            measure(bases[name], extra, min(2.0, options.duration), options.connections, expect)
        for _ in range(options.rounds):
            loads = [
                measure(bases[name], extra, options.duration, options.connections, expect)
                for name in ("registry", "bare")
            ]
            results[expect].append((loads[0], loads[1]))
    return results


def report(results: dict[int, list[tuple[Load, Load]]]) -> bool:
    """Print each status's rates summed over the rounds, the ratio and each round's ratio."""
    print()
    print(f"{'status':<8}{'req/s':>10}{'bare req/s':>12}{'ratio':>8}   rounds   target >= {TARGET}")
    passed = True
    for expect, rounds in results.items():
        mine = sum(load.requests_per_second for load, _ in rounds) / len(rounds)
        bare = sum(load.requests_per_second for _, load in rounds) / len(rounds)
        ratio = mine / bare
        passed &= ratio >= TARGET
        each = " ".join(f"{a.requests_per_second / b.requests_per_second:.2f}" for a, b in rounds)
        verdict = "ok" if ratio >= TARGET else "BELOW TARGET"
        print(f"{expect:<8}{mine:>10.0f}{bare:>12.0f}{ratio:>8.2f}   {each}   {verdict}")
        for number, (load, bare_load) in enumerate(rounds, 1):
            for name, one in (("registry", load), ("bare", bare_load)):
                if one.errors:
                    print(f"  round {number} {name} {expect}: {one.errors} of {one.requests} wrong")
    return passed


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternations of registry and bare")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--path", default=LIST_PATH, help="what to load (default: the list)")
    parser.add_argument("--profile", action="store_true", help="also profile it in-process")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="list-bench-"))
    instance = workdir / "instance"
    env = clean_env(instance)
    try:
        loaded = subprocess.run(
            [sys.executable, "-m", "registry.cli", "demo"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        if loaded.returncode != 0:
            raise SystemExit(f"registry demo failed:\n{loaded.stdout}{loaded.stderr}")
        workers = env.get("REGISTRY_WEB_WORKERS") or str(multiprocessing.cpu_count() * 2 + 1)
        env["REGISTRY_WEB_WORKERS"] = workers
        tool = "wrk" if shutil.which("wrk") else "python client"
        print(
            f"gunicorn -c config/gunicorn.conf.py, {workers} sync workers; load: {tool}, "
            f"{options.connections} connections, {options.rounds} rounds of {options.duration:g} s "
            "per side, loopback"
        )

        path = options.path
        with gunicorn("wsgi:app", env, "/healthz") as base:
            status, headers, body = fetch(base + path)
            etag, cache_control = headers.get("ETag"), headers.get("Cache-Control", "")
            if status != 200 or not etag:
                raise SystemExit(f"{path} answered {status} without an ETag")
            if fetch(base + path, {"If-None-Match": etag})[0] != 304:
                raise SystemExit(f"{path} does not answer If-None-Match with 304")
            content_type = headers.get("Content-Type", "application/octet-stream")
            print(f"{path}: {len(body)} bytes, {content_type}, ETag {etag}{describe(body)}")
            body_file = workdir / "body.json"
            body_file.write_bytes(body)
            bare_env = {
                **env,
                "BENCH_BODY_FILE": str(body_file),
                "BENCH_ETAG": etag,
                "BENCH_CACHE_CONTROL": cache_control,
                "BENCH_CONTENT_TYPE": content_type,
                "BENCH_PATH": path,
            }
            bare_app = "list_throughput:create_bare_app()"
            bench_dir = str(ROOT / "bench")
            with gunicorn(bare_app, bare_env, path, "--pythonpath", bench_dir) as bare_base:
                status, _, bare_body = fetch(bare_base + path)
                assert status == 200 and bare_body == body, "the bare app must send the same body"
                assert fetch(bare_base + path, {"If-None-Match": etag})[0] == 304
                bases = {"registry": base + path, "bare": bare_base + path}
                results = compare(bases, etag, options)
        passed = report(results)

        if options.profile:
            print()
            print(profile_list(instance, path, etag))
        sys.exit(0 if passed else 1)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
