"""The gateway's origin beyond the API: the built web app (``WEB_DIST_DIR``), the API
reference at ``/docs``, and CORS for the configured origins (the Vite dev server).

These answer below the API's routing (in the WSGI app), so they are not API routes and
stay out of the OpenAPI document. Unknown ``/v1/...`` paths remain JSON problems."""

import mimetypes
from pathlib import Path

from werkzeug.security import safe_join
from werkzeug.wrappers import Response

from gateway.problems import HttpProblem

# paths that are never the single page app's client-side routes
NOT_APP = ("/v1/", "/v1", "/assets/", "/docs", "/healthz", "/readyz", "/metrics")
APP_CSP = "default-src 'self'; img-src 'self' data: https:; style-src 'self'; connect-src 'self'"
# the reference page's renderer sets styles inline, and it draws logos from data: URLs
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'"
)
IMMUTABLE = "public, max-age=31536000, immutable"  # asset names carry their content hash
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".json": "application/json",
    ".html": "text/html; charset=utf-8",
}
CORS_METHODS = "GET, POST, PUT, PATCH, DELETE"
CORS_HEADERS = "Authorization, Content-Type, If-None-Match, X-Request-ID, Last-Event-ID"
CORS_EXPOSED = "ETag, X-Request-ID, Retry-After"
CORS_MAX_AGE = "600"


def content_type(name):
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def file_response(path, cache_control, **headers):
    response = Response(path.read_bytes(), content_type=content_type(path.name))
    response.headers["Cache-Control"] = cache_control
    response.headers.update(headers)
    return response


def not_found(request):
    return HttpProblem(404, "Not found", "No such file.").response(instance=request.path)


class WebApp:
    """``answer(request)`` is a response for the web app's paths, else None."""

    def __init__(self, dist_dir):
        self.dist = Path(dist_dir)

    def answer(self, request):
        if request.method not in ("GET", "HEAD"):
            return None
        path = request.path
        if path.startswith("/assets/"):
            return self.static("assets", path.removeprefix("/assets/"), IMMUTABLE, request)
        if path == "/favicon.svg":
            return self.static("", "favicon.svg", "public, max-age=3600", request)
        if path in ("/docs", "/docs/"):
            return self.page(self.dist / "docs" / "index.html", DOCS_CSP)
        if path.startswith("/docs/"):
            return self.static("docs", path.removeprefix("/docs/"), "public, max-age=3600", request)
        return None

    def fallback(self, request):
        """index.html for a GET the API does not know, if it is one of the app's pages."""
        raw = request.environ.get("RAW_PATH_INFO", request.path).lower()
        if request.method not in ("GET", "HEAD") or request.path.startswith(NOT_APP):
            return None
        if ".." in raw or "%2e" in raw:  # a traversal attempt is no page of the app
            return None
        if request.path != "/" and "text/html" not in request.headers.get("Accept", ""):
            return None
        return self.page(self.dist / "index.html", APP_CSP)

    def static(self, folder, name, cache_control, request):
        if name.endswith(".map"):  # a stray source map would publish the whole source
            return not_found(request)
        joined = safe_join(str(self.dist / folder), name) if name else None
        if joined is None or not Path(joined).is_file():
            return not_found(request)
        return file_response(Path(joined), cache_control)

    def page(self, path, csp):
        if not path.is_file():
            return Response(
                "The web app is not built: run `make web`.\n",
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        return file_response(path, "no-cache", **{"Content-Security-Policy": csp})


class Cors:
    """Cross-origin access for exactly the configured origins; others get no CORS
    headers (their browser then refuses). Bearer tokens, not cookies: no credentials."""

    def __init__(self, origins):
        self.origins = {origin.strip() for origin in origins.split(",") if origin.strip()}

    def allowed(self, request):
        return request.headers.get("Origin") in self.origins

    def preflight(self, request):
        if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
            return None
        if not self.allowed(request):
            return None
        response = Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        response.headers["Access-Control-Max-Age"] = CORS_MAX_AGE
        return response

    def decorate(self, request, response):
        if not self.origins:
            return
        response.vary.add("Origin")
        if self.allowed(request):
            response.headers["Access-Control-Allow-Origin"] = request.headers["Origin"]
            response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSED
