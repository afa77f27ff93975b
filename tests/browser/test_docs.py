"""/docs: the API reference renders from the gateway's own files and OpenAPI document,
under its Content-Security-Policy, with nothing fetched from another origin."""

from tests.browser.conftest import DIST


def test_the_api_reference_renders_the_openapi_document(chromium, platform):
    api = platform("registration", WEB_DIST_DIR=str(DIST))
    context = chromium.new_context()
    page = context.new_page()
    problems, elsewhere = [], []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and problems.append(msg.text))
    page.on(
        "request",
        lambda req: (
            req.url.startswith(api.base_url)
            or req.url.startswith("data:")
            or elsewhere.append(req.url)
        ),
    )
    try:
        page.goto(f"{api.base_url}/docs")
        page.get_by_text("Plenary API").first.wait_for(timeout=15000)
        page.get_by_text("/v1/me/notifications/stream-ticket").first.wait_for()
    finally:
        context.close()
    assert problems == [] and elsewhere == []
