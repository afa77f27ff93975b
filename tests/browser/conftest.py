"""Browser journeys: the built web app (web/dist) in Debian's Chromium, driven by
Playwright, against the whole platform running in this test process.

``site`` is the in-process gateway, which serves web/dist and ``/v1`` on one origin as
in production. Every journey step leaves a screenshot in
test-artifacts/screenshots/ (and a failing test one more), and each page is scanned
with axe-core (from web/node_modules, never a CDN) for serious or critical violations.
"""

import contextlib
import os
import re
import signal
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "web" / "dist"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWER_ZONE = "Europe/Berlin"  # not the event's (UTC): pages must show both


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    if not (DIST / "index.html").exists() or not AXE.exists():
        pytest.fail("the web app is not built: run `make web`")
    playwright = sync_playwright()
    browser = playwright.start().chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    # Playwright's own stop() waits forever under eventlet's monkey-patching (its asyncio
    # loop never sees the driver exit): end the driver process ourselves.
    driver = playwright._client._transport._proc.pid
    os.kill(driver, signal.SIGTERM)
    with contextlib.suppress(ChildProcessError):  # reaped already
        os.waitpid(driver, 0)


@pytest.fixture
def site(platform):
    """The platform (every service, the gateway serving web/dist): ``site.url`` for the
    browser, ``site.api`` for setting the scene over HTTP."""
    api = platform(WEB_DIST_DIR=str(DIST))
    return SimpleNamespace(url=api.base_url, api=api)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.journey_failed = report.failed


class Journey:
    """A browser tab with screenshots per step and an accessibility scan per page."""

    def __init__(self, page, name):
        self.page = page
        self.name = name
        self.step = 0
        self.shots = []

    def shot(self, what):
        self.step += 1
        path = SCREENSHOTS / f"{self.name}-{self.step:02d}-{what}.png"
        self.page.screenshot(path=str(path), full_page=True)
        self.shots.append(path.name)
        print(f"screenshot: {path.relative_to(ROOT)}")

    def axe(self):
        """No serious or critical axe-core violation on the page as it is now."""
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            # evaluated, not a <script> tag: the app's CSP refuses inline scripts
            self.page.evaluate(AXE.read_text())
        results = self.page.evaluate(
            "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
            ".filter(v => ['serious', 'critical'].includes(v.impact))"
            ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
            " nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"
        )
        assert results == [], f"axe on {self.page.url}: {results}"

    def visit(self, what, check=True):
        """Screenshot the page as it is now, after scanning it."""
        if check:
            self.axe()
        self.shot(what)


@pytest.fixture
def journey(chromium, site, request):
    """``journey.page`` on ``site`` in a fresh browser context (own sessionStorage)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"^test_", "", request.node.name)
    for old in SCREENSHOTS.glob(f"{name}-*.png"):
        old.unlink()
    context = chromium.new_context(
        base_url=site.url, timezone_id=VIEWER_ZONE, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(  # the gateway's Content-Security-Policy refused something the app does
        "console",
        lambda msg: "Content Security Policy" in msg.text and errors.append(msg.text),
    )
    tab = Journey(page, name)
    yield tab
    if getattr(request.node, "journey_failed", True):
        path = SCREENSHOTS / f"{name}-failure.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path.relative_to(ROOT)}")
    context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"
