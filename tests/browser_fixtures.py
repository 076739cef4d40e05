"""The browser fixtures every browser test shares (loaded by conftest.py with ``pytest_plugins``).

One Debian Chromium per session, driven by Playwright (never a browser of its
own). Every page a test opens is watched: a console error or a request to any
host but the local server fails the test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

try:
    from playwright import sync_api
except ImportError:  # the browser tests skip themselves
    sync_api = None
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


@pytest.fixture(scope="session")
def browser():
    if sync_api is None:
        pytest.skip("playwright is not installed")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (scripts/system-deps chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watch:
    """Console errors and off-site requests seen by one page."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.expected_404 = False

    def on_console(self, msg) -> None:
        if msg.type == "error" and not (self.expected_404 and "404" in msg.text):
            self.errors.append(msg.text)

    def on_request(self, request) -> None:
        if not request.url.startswith(self.base) and not request.url.startswith(("data:", "blob:")):
            self.foreign.append(request.url)


def _open(browser, base: str, **context_args):
    context = browser.new_context(**context_args)
    page = context.new_page()
    watch = Watch(base)
    page.on("console", watch.on_console)
    page.on("pageerror", lambda exc: watch.errors.append(str(exc)))
    page.on("request", watch.on_request)
    return context, page, watch


@pytest.fixture
def visit(browser, served_site):
    """Open pages in a fresh context; after the test, no console error and no off-site request."""
    opened = []

    def _visit(path: str, **context_args):
        context, page, watch = _open(browser, served_site, **context_args)
        opened.append((context, watch))
        page.goto(served_site + path)
        page.wait_for_load_state("networkidle")
        if context_args.get("java_script_enabled", True):  # the gallery has fetched its data file and applied the URL
            page.wait_for_function("!document.getElementById('ht-gallery') || document.getElementById('ht-gallery').hasAttribute('data-ready')")
        return page, watch

    yield _visit
    for context, watch in opened:
        context.close()
        assert not watch.errors, watch.errors
        assert not watch.foreign, watch.foreign


