"""The gateway's own settings and their defaults (plumbing.config merges them)."""

from pathlib import Path

SETTINGS = {
    "PLENARY_ORGANIZER_TOKEN": "",
    "MAX_BODY_BYTES": 64 * 1024,
    # live notification streams (server-sent events) per gateway replica
    "STREAM_MAX_CONNECTIONS": 1000,
    "STREAM_KEEPALIVE_SECONDS": 15,
    # how long browsers and CDNs may cache the public program (ETag revalidation after)
    "PROGRAM_CACHE_SECONDS": 30,
    # the same for the public exhibit hall (GET /v1/exhibitors[/{id}])
    "EXPO_CACHE_SECONDS": 30,
    # the gateway's read model of the program and hall is kept current by the services'
    # events; an answer is asked again after this long anyway (a stalled outbox relay)
    "READ_MODEL_MAX_AGE_SECONDS": 60,
    # a checked attendee token is asked again after this long (or at its expiry); an
    # event (logout, cancellation, erasure, profile change) ends it at once
    "ATTENDEE_TOKEN_CACHE_SECONDS": 30,
    # rate limits per client IP (limits' notation, ";" between several). Storage
    # "memory://" counts per replica: with several replicas use a shared one, e.g.
    # "redis://redis:6379" (then N replicas do not mean N times the limit).
    "RATE_LIMIT_STORAGE_URI": "memory://",
    "RATE_LIMIT_REGISTRATION": "20/minute;200/hour",
    "RATE_LIMIT_LOGIN_LINK": "5/minute;20/hour",
    "RATE_LIMIT_AUTH_TOKEN": "10/minute;50/hour",
    # behind N trusted reverse proxies, the client IP is the Nth address from the right
    # of X-Forwarded-For; 0 uses the connection's address
    "TRUSTED_PROXY_HOPS": 0,
    # the built web app (`make web`), served on the gateway's origin
    "WEB_DIST_DIR": str(Path(__file__).resolve().parents[1] / "web" / "dist"),
    # browser origins allowed to call the API cross-origin, comma-separated (e.g. the
    # Vite dev server); empty: same origin only
    "CORS_ALLOWED_ORIGINS": "",
    # signs the live stream's tickets. Empty: a random secret per replica, so a ticket
    # works only on the replica that issued it; with several replicas set one shared
    # secret (and a shared RATE_LIMIT_STORAGE_URI, where spent tickets are recorded)
    "STREAM_TICKET_SECRET": "",
    "STREAM_TICKET_SECONDS": 60,
    # processes of `plenary run gateway` sharing the port (SO_REUSEPORT), supervised:
    # one process uses one core. They share STREAM_TICKET_SECRET (made for them if
    # unset) and need a shared RATE_LIMIT_STORAGE_URI, as several replicas do
    "GATEWAY_PROCESSES": 1,
}
