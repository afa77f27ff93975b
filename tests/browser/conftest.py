"""Browser journeys: the built web app (web/dist) in Debian's Chromium, driven by
Playwright, against the whole platform running in this test process.

``site`` serves web/dist and passes ``/v1`` through to the in-process gateway, on one
origin as in production. Every journey step leaves a screenshot in
test-artifacts/screenshots/ (and a failing test one more), and each page is scanned
with axe-core (from web/node_modules, never a CDN) for serious or critical violations.
"""

import contextlib
import mimetypes
import os
import re
import signal
from pathlib import Path

import eventlet
import pytest
import requests
from eventlet import wsgi

from plumbing.testing import free_port, wait_for_port

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
PASSED_REQUEST_HEADERS = (
    "Authorization",
    "Accept",
    "Content-Type",
    "If-None-Match",
    "Last-Event-ID",
    "X-Request-ID",
)
HOP_BY_HOP = {"connection", "transfer-encoding", "keep-alive", "content-length"}


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


class StaticSite:
    """web/dist on its own port, ``/v1`` proxied (streaming) to the gateway."""

    def __init__(self, gateway_url):
        self.gateway_url = gateway_url
        self.port = free_port()
        self.http = requests.Session()
        self.server = eventlet.spawn(
            wsgi.server, eventlet.listen(("127.0.0.1", self.port)), self.app, log_output=False
        )
        wait_for_port(self.port)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def app(self, environ, start_response):
        path = environ["PATH_INFO"]
        if path.startswith("/v1/"):
            return self.proxy(environ, start_response)
        file = (DIST / path.lstrip("/")).resolve()
        if not file.is_file() or DIST not in file.parents:
            file = DIST / "index.html"  # client-side routes
        content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        start_response("200 OK", [("Content-Type", content_type)])
        return [file.read_bytes()]

    def proxy(self, environ, start_response):
        headers = {
            name: environ[key]
            for name in PASSED_REQUEST_HEADERS
            if (key := "HTTP_" + name.upper().replace("-", "_")) in environ
            or (key := name.upper().replace("-", "_")) in environ
        }
        length = int(environ.get("CONTENT_LENGTH") or 0)
        upstream = self.http.request(
            environ["REQUEST_METHOD"],
            f"{self.gateway_url}{environ['PATH_INFO']}?{environ.get('QUERY_STRING', '')}",
            headers=headers,
            data=environ["wsgi.input"].read(length) if length else None,
            stream=True,
            timeout=(5, None),
        )
        environ["eventlet.minimum_write_chunk_size"] = 0  # server-sent events as they come
        start_response(
            f"{upstream.status_code} {upstream.reason}",
            [(k, v) for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP],
        )
        return upstream.iter_content(chunk_size=None)

    def stop(self):
        self.server.kill()
        self.http.close()


@pytest.fixture
def site(platform):
    """The platform (every service, the gateway) and the web app in front of it:
    ``site.url`` for the browser, ``site.api`` for setting the scene over HTTP."""
    api = platform()
    static = StaticSite(api.base_url)
    static.api = api
    yield static
    static.stop()


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
            self.page.add_script_tag(path=str(AXE))
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
    tab = Journey(page, name)
    yield tab
    if getattr(request.node, "journey_failed", True):
        path = SCREENSHOTS / f"{name}-failure.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"screenshot: {path.relative_to(ROOT)}")
    context.close()
    assert errors == [], f"uncaught errors in the page: {errors}"
