"""Swagger UI at /docs renders the API in a real browser without any request leaving the host."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask

from tests.browser import CHROMIUM_ARGS, chromium_or_skip, served

# Not "localhost" or "127.0.0.1": Swagger UI exempts those two names from its online validator,
# so only another loopback address shows what a browser would do on a real host name.
HOST = "127.0.0.2"

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium() -> Path:
    return chromium_or_skip()


@pytest.fixture
def served_app(app: Flask) -> Iterator[str]:
    with served(app, HOST) as base:
        yield base


def test_docs_render_every_operation_from_local_files(chromium: Path, served_app: str) -> None:
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
            page.goto(f"{served_app}/docs", wait_until="networkidle")
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
