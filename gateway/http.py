"""The gateway's HTTP entrypoint: nameko's ``@http`` made API-shaped.

- every answer is JSON; every error a problem body (unknown routes and methods too);
- the request's correlation id (``X-Request-ID`` or a new one) goes into nameko's
  context data, so RPC calls and events carry it, and back in the response header;
- routes are registered with their OpenAPI description (see ``openapi.py``).
"""

import hashlib
import json
import logging
import re
import time
from dataclasses import dataclass, field
from functools import partial

import eventlet
from eventlet import wsgi
from marshmallow import Schema, ValidationError
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from contracts.errors import PlenaryError
from gateway.problems import HttpProblem, invalid
from gateway.readmodel import ReadModel
from gateway.web import Cors, WebApp
from plumbing.observability import metrics, new_correlation_id, set_correlation_id

log = logging.getLogger(__name__)
# one line per request, the path without its query string: tokens travel in it
# (``?access_token=``, the stream's ``?ticket=``)
access_log = logging.getLogger("gateway.access")

MAX_URL_LENGTH = 64 * 1024
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass
class Route:
    method: str
    path: str
    summary: str
    tag: str
    auth: str | None = None  # None | "attendee" | "exhibitor" | "organizer"
    body: type[Schema] | None = None
    query: type[Schema] | None = None
    response: type[Schema] | None = None
    many: bool = False
    status: int = 200
    errors: list = field(default_factory=list)
    # a path parameter's schema where it is narrower than an id (see openapi.py)
    path_schemas: dict = field(default_factory=dict)
    # a public read the read model keeps: (its area, the setting of its max-age)
    kept: tuple[str, str] | None = None


ROUTES: list[Route] = []


class ProblemWsgiApp(WsgiApp):
    """nameko's WSGI app, except routing errors (404, 405) are problem bodies too."""

    def __init__(self, server):
        super().__init__(server)
        config = server.container.config
        self.web = WebApp(config["WEB_DIST_DIR"])
        self.cors = Cors(str(config["CORS_ALLOWED_ORIGINS"]))

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        request = Request(environ, shallow=True)
        response = self.cors.preflight(request)
        if response is None:
            response = self.web.answer(request)
        if response is None:
            response = self.route(request)
        self.cors.decorate(request, response)
        log_access(request, response, started)
        return response(environ, start_response)

    def route(self, request):
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            provider, values = adapter.match()
            request.path_values = values
            return provider.handle_request(request)
        except HTTPException as exc:
            page = self.web.fallback(request) if exc.code == 404 else None
            if page is not None:
                return page
            headers = (
                {"Allow": ", ".join(exc.valid_methods)}
                if getattr(exc, "valid_methods", None)
                else None
            )
            problem = HttpProblem(exc.code, exc.name, exc.description, headers=headers)
            return problem.response(instance=request.path)


def log_access(request, response, started):
    """INFO for every answer, 4xx included (no traceback: the caller erred, not us)."""
    set_correlation_id(response.headers.get("X-Request-ID"))
    access_log.info(
        "%s %s %d %.0f ms",
        request.method,
        request.path,
        response.status_code,
        (time.perf_counter() - started) * 1000,
    )


class ApiServer(WebServer):
    def get_wsgi_app(self):
        return ProblemWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=HttpOnlyProtocol, debug=False):
        # eventlet's own access line would carry the query string: log_access replaces it.
        # URLs up to 64 KiB reach the routes, whose schemas refuse what is too long (422)
        return wsgi.Server(
            sock,
            sock.getsockname(),
            wsgi_app,
            protocol=protocol,
            debug=debug,
            log=logging.getLogger("nameko.web.server"),
            log_output=False,
            url_length_limit=MAX_URL_LENGTH,
        )


class ApiHandler(HttpRequestHandler):
    server = ApiServer()

    def __init__(self, method, url, kept=None, **kwargs):
        super().__init__(method, url, **kwargs)
        self.kept = kept
        self.reads = None

    def setup(self):
        super().setup()
        if self.kept:
            [self.reads] = [d for d in self.container.dependencies if isinstance(d, ReadModel)]

    def handle_request(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        correlation_id = incoming if REQUEST_ID.match(incoming) else new_correlation_id()
        request.shallow = False
        request.correlation_id = correlation_id
        response = self.kept_answer(request) if self.kept and request.method == "GET" else None
        if response is None:
            response = self.worker_answer(request, correlation_id)
        response.headers["X-Request-ID"] = correlation_id
        return response

    def kept_answer(self, request):
        """A kept public read, answered before any worker is spawned: no dependency
        injection, no wait for one of MAX_WORKERS (64 clients queued on 10 made the
        reads' p99); None when the read model does not have it (the route asks then)."""
        started = time.perf_counter()
        response = self.reads.kept_response(self.kept, request)
        if response is None:
            return None
        seconds = time.perf_counter() - started
        metrics.entrypoint_seconds.labels("gateway", self.method_name, "ok").observe(seconds)
        # let the other connections' green threads run: a connection whose next request
        # is always there would otherwise be served again and again first (eventlet reads
        # without yielding when data is waiting): p99 400-540 ms at 64 clients without it
        eventlet.sleep(0)
        return response

    def worker_answer(self, request, correlation_id):
        try:
            args, kwargs = self.get_entrypoint_parameters(request)
            done = eventlet.event.Event()
            self.container.spawn_worker(
                self,
                args,
                kwargs,
                context_data={"correlation_id": correlation_id},
                handle_result=partial(self.handle_result, done),
            )
            return self.response_from_result(done.wait())
        except Exception as exc:
            return self.response_from_exception(exc, request)

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        status, payload = result if isinstance(result, tuple) else (200, result)
        if status == 204:
            return Response(status=204)
        return Response(json.dumps(payload), status=status, content_type="application/json")

    def response_from_exception(self, exc, request=None):
        instance = request.path if request is not None else None
        if isinstance(exc, PlenaryError):
            exc = HttpProblem.from_error(exc)
        if not isinstance(exc, HttpProblem):
            log.exception("unhandled error on %s", instance)
            exc = HttpProblem(
                500,
                "Internal server error",
                "Something went wrong on our side; it has been logged.",
            )
        return exc.response(instance)


def api(method, path, summary, tag, **route_options):
    """``@api("POST", "/v1/sessions", "Create a session", "sessions", auth="organizer")``"""
    ROUTES.append(Route(method, path, summary, tag, **route_options))
    return ApiHandler.decorator(method, path, kept=route_options.get("kept"))


# -- reading requests -----------------------------------------------------------------


def read_json(request, schema_cls, max_bytes):
    """Parse and validate a JSON body; every failure is a 4xx problem.

    Returns the body as sent: the owning service loads it again with the same schema
    (it is the authority, and loaded values such as datetimes are not JSON)."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise too_large(max_bytes)
    mimetype = request.mimetype or ""
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise HttpProblem(
            415,
            "Unsupported media type",
            "Send the body as JSON with Content-Type: application/json.",
        )
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        # eventlet de-chunks wsgi.input and ends it; tell werkzeug it may read to the end
        request.environ["wsgi.input_terminated"] = True
    raw = request.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise too_large(max_bytes)
    try:
        payload = json.loads(raw, parse_float=json_number)
    except (ValueError, UnicodeDecodeError):
        raise HttpProblem(
            400, "Malformed JSON", "The request body is not valid JSON.", slug="malformed-json"
        ) from None
    validate(schema_cls, payload, "The request body is not valid.")
    return payload


def json_number(text):
    """A JSON number with a fraction or exponent; 5.0 is the integer 5, as JSON Schema
    counts it (an integer field takes it), 5.5 stays a float."""
    number = float(text)
    return int(number) if number.is_integer() else number


def read_query(request, schema_cls):
    """Validated query parameters, as JSON-able values."""
    schema = schema_cls()
    return schema.dump(validate(schema_cls, request.args.to_dict(), "The query is not valid."))


def validate(schema_cls, payload, detail):
    if not isinstance(payload, dict):
        raise invalid({"_schema": ["Expected a JSON object."]}, detail)
    try:
        return schema_cls().load(payload)
    except ValidationError as exc:
        raise invalid(exc.normalized_messages(), detail) from None


def too_large(max_bytes):
    return HttpProblem(
        413, "Content too large", f"The request body must be at most {max_bytes} bytes."
    )


def created(payload):
    return 201, payload


def cacheable(request, body, max_age, content_type="application/json", private=False):
    """``body`` (JSON-able, or text) with a strong ETag and ``Cache-Control``; a 304
    when the request's If-None-Match already has it."""
    text = body if isinstance(body, str) else json.dumps(body)
    response = Response(text, content_type=content_type)
    response.set_etag(hashlib.sha256(text.encode()).hexdigest()[:32])
    scope = "private" if private else "public"
    response.headers["Cache-Control"] = f"{scope}, max-age={max_age}"
    return response.make_conditional(request)
