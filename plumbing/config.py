"""Configuration from the environment (12-factor).

Every setting has a default that runs on one laptop (SQLite files, RabbitMQ on
localhost); production overrides them with environment variables.  The result is
the plain dict nameko hands to every extension as ``container.config``.
"""

import os

SERVICES = ("registration", "sessions", "expo", "notifications", "networking")

# Ops HTTP port of each service (health, readiness, metrics); the gateway serves 8000.
OPS_PORTS = {
    "gateway": 8000,
    "registration": 8001,
    "sessions": 8002,
    "expo": 8003,
    "notifications": 8004,
    "networking": 8005,
}

DEFAULTS = {
    "AMQP_URI": "pyamqp://guest:guest@127.0.0.1:5672/",
    # quorum: replicated, and dead-letters at-least-once (STACK.md)
    "QUEUE_TYPE": "quorum",
    "MAX_WORKERS": 10,
    # handler retries before a message is parked in its dead-letter queue
    "EVENT_RETRY_DELAYS_MS": "1000,10000,60000",
    "OUTBOX_POLL_INTERVAL": 0.5,
    "OUTBOX_BATCH_SIZE": 200,
    "LOG_LEVEL": "INFO",
    "LOG_FORMAT": "json",
    # registration
    "ACCESS_TOKEN_TTL_HOURS": 24 * 30,
    # passwordless login: a mailed one-time code lives this long and allows this many tries
    "LOGIN_CODE_TTL_SECONDS": 900,
    "LOGIN_CODE_MAX_ATTEMPTS": 5,
    # sessions: how long before a session starts its reminder goes out
    "SESSION_REMINDER_LEAD_SECONDS": 900,
    "SESSION_CLOCK_INTERVAL": 5.0,
    # sessions: a joined attendee counts as present this long after their last join
    "ATTENDANCE_HEARTBEAT_SECONDS": 60,
    # networking: pending connection requests expire after this many days
    "CONNECTION_REQUEST_TTL_DAYS": 14,
    # networking rate limits per sender, counted from its own rows (so across replicas)
    "DM_RATE_LIMIT": "20/minute;300/hour",
    "CONNECTION_REQUEST_RATE_LIMIT": "30/hour;100/day",
    "MEETING_PROPOSAL_RATE_LIMIT": "20/hour",
    "TABLE_MESSAGE_RATE_LIMIT": "10/minute",
    # meetings between attendees lie within the event (ISO 8601 with offset; empty: no bound)
    "NETWORKING_EVENT_STARTS_AT": "",
    "NETWORKING_EVENT_ENDS_AT": "",
    # the video room of a table, a speed round or a meeting; {room} is its id
    "NETWORKING_ROOM_URL_TEMPLATE": "https://meet.jit.si/plenary-{room}",
    # tables and the speed-networking queue open this long before a networking session
    "NETWORKING_DOORS_OPEN_SECONDS": 900,
    # a table participant counts as present this long after their last join
    "TABLE_HEARTBEAT_SECONDS": 60,
    "SPEED_ROUND_SECONDS": 300,
    # the same two people are not paired again within this long
    "SPEED_REMATCH_SECONDS": 3600,
    "SPEED_PAIRING_INTERVAL": 2.0,
    # notifications: at most one direct-message email per recipient per window
    "DM_EMAIL_WINDOW_SECONDS": 900,
    # notifications
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": 1025,
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": "false",
    "MAIL_FROM": "Plenary <no-reply@plenary.local>",
    "OUTGOING_POLL_INTERVAL": 1.0,
    "EMAIL_RETRY_DELAYS_SECONDS": "30,120,600,1800",
    "WEBHOOK_TIMEOUT_SECONDS": 10,
    "WEBHOOK_RETRY_DELAYS_SECONDS": "5,30,120,600,1800,3600,10800,21600,43200,86400",
    "WEBHOOK_ALLOW_PRIVATE_URLS": "false",
    # an endpoint failing this long (since its last success) is disabled: 3 days
    "WEBHOOK_DISABLE_AFTER_SECONDS": 3 * 24 * 3600,
    # after a secret rotation the old secret keeps signing (a second signature) this long
    "WEBHOOK_SECRET_OVERLAP_SECONDS": 24 * 3600,
    # senders one endpoint may hold at once, so a slow one cannot starve the others
    "WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT": 5,
    # recipients per notification_batch message of a fan-out
    "FANOUT_BATCH_SIZE": 1000,
    # gateway
    "PLENARY_ORGANIZER_TOKEN": "",
    "RPC_TIMEOUT_SECONDS": 10,
    "MAX_BODY_BYTES": 64 * 1024,
    "PUBLIC_URL": "http://127.0.0.1:8000",
    # live notification streams (server-sent events) per gateway replica
    "STREAM_MAX_CONNECTIONS": 1000,
    "STREAM_KEEPALIVE_SECONDS": 15,
    # how long browsers and CDNs may cache the public program (ETag revalidation after)
    "PROGRAM_CACHE_SECONDS": 30,
    # the same for the public exhibit hall (GET /v1/exhibitors[/{id}])
    "EXPO_CACHE_SECONDS": 30,
    # gateway rate limits per client IP (limits' notation, ";" between several). Storage
    # "memory://" counts per replica: with several replicas use a shared one, e.g.
    # "redis://redis:6379" (then N replicas do not mean N times the limit).
    "RATE_LIMIT_STORAGE_URI": "memory://",
    "RATE_LIMIT_REGISTRATION": "20/minute;200/hour",
    "RATE_LIMIT_LOGIN_LINK": "5/minute;20/hour",
    "RATE_LIMIT_AUTH_TOKEN": "10/minute;50/hour",
    # behind N trusted reverse proxies, the client IP is the Nth address from the right
    # of X-Forwarded-For; 0 uses the connection's address
    "TRUSTED_PROXY_HOPS": 0,
}


def default_database_url(service):
    return f"sqlite:///var/{service}.db"


def env_config(service, environ=None):
    """Build the nameko config dict for ``service`` from the environment.

    ``<SERVICE>_DATABASE_URL`` wins over ``DATABASE_URL`` so one shell can run every
    service against its own database; in a container only ``DATABASE_URL`` is set.
    """
    environ = os.environ if environ is None else environ
    config = {key: environ.get(key, default) for key, default in DEFAULTS.items()}
    config["SERVICE_NAME"] = service
    config["DATABASE_URL"] = (
        environ.get(f"{service.upper()}_DATABASE_URL")
        or environ.get("DATABASE_URL")
        or default_database_url(service)
    )
    port = environ.get(f"{service.upper()}_HTTP_PORT") or environ.get("HTTP_PORT")
    config["WEB_SERVER_ADDRESS"] = f"0.0.0.0:{port or OPS_PORTS[service]}"
    config["max_workers"] = int(config["MAX_WORKERS"])
    return config


def flag(config, key):
    return str(config.get(key, DEFAULTS.get(key, ""))).lower() in ("1", "true", "yes", "on")


def number_list(config, key):
    raw = str(config.get(key, DEFAULTS[key]))  # a KeyError here is a missing default
    return [float(part) for part in raw.split(",") if part.strip()]
