"""Swagger UI at /docs renders the API in a real browser without any request leaving the host."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
# Not "localhost" or "127.0.0.1": Swagger UI exempts those two names from its online validator,
# so only another loopback address shows what a browser would do on a real host name.
HOST = "127.0.0.2"

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium() -> Path:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI needs Debian's chromium at /usr/bin/chromium (.ci/run installs it)")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    server = make_server(HOST, 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def test_docs_render_every_operation_from_local_files(chromium: Path, served: str) -> None:
    from playwright.sync_api import Route, sync_playwright

    requested: list[str] = []

    def local_only(route: Route) -> None:
        requested.append(route.request.url)
        if urlsplit(route.request.url).hostname == HOST:
            route.continue_()
        else:
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route("**/*", local_only)
            page.goto(f"{served}/docs", wait_until="networkidle")
            page.wait_for_selector(".opblock-summary", timeout=15_000)
            title = page.locator(".info .title").inner_text()
            paths = set(page.locator(".opblock-summary-path").all_inner_texts())
            methods = set(page.locator(".opblock-summary-method").all_inner_texts())
            page.wait_for_load_state("networkidle")
        finally:
            browser.close()

    assert "Subprocessor Registry" in title
    assert "/api/v1/organisations" in {path.replace("\u200b", "") for path in paths}
    assert {"GET", "POST", "DELETE"} <= methods
    outside = [url for url in requested if urlsplit(url).hostname != HOST]
    assert outside == [], "the docs page asked another host"
    assert any(url.endswith("/docs/static/swagger-ui-bundle.js") for url in requested)
    assert any(url.endswith("/openapi.json") for url in requested)
