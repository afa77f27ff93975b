"""Configuration from the environment (12-factor).

Every setting has a default that runs on one laptop (SQLite files, RabbitMQ on
localhost); production overrides them with environment variables.  The result is
the plain dict nameko hands to every extension as ``container.config``.
"""

import os

from plumbing.registry import SERVICES

# The settings every service shares; each service's own are the SETTINGS of its
# settings.py (services/<name>/settings.py, gateway/settings.py), merged in by defaults().
SHARED_SETTINGS = {
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
    "RPC_TIMEOUT_SECONDS": 10,
    # where attendees reach the platform: login links and calendar feeds point there
    "PUBLIC_URL": "http://127.0.0.1:8000",
    # how long before a session starts its reminder goes out (sessions sends it,
    # notifications words it)
    "SESSION_REMINDER_LEAD_SECONDS": 900,
}


def defaults(service):
    """Every setting ``service`` reads, with its default: the shared ones and its own."""
    return {**SHARED_SETTINGS, **SERVICES[service].settings()}


def default_database_url(service):
    return f"sqlite:///var/{service}.db"


def env_config(service, environ=None):
    """Build the nameko config dict for ``service`` from the environment.

    ``<SERVICE>_DATABASE_URL`` wins over ``DATABASE_URL`` so one shell can run every
    service against its own database; in a container only ``DATABASE_URL`` is set.
    """
    environ = os.environ if environ is None else environ
    config = {key: environ.get(key, default) for key, default in defaults(service).items()}
    config["SERVICE_NAME"] = service
    config["DATABASE_URL"] = (
        environ.get(f"{service.upper()}_DATABASE_URL")
        or environ.get("DATABASE_URL")
        or default_database_url(service)
    )
    port = environ.get(f"{service.upper()}_HTTP_PORT") or environ.get("HTTP_PORT")
    config["WEB_SERVER_ADDRESS"] = f"0.0.0.0:{port or SERVICES[service].ops_port}"
    config["max_workers"] = int(config["MAX_WORKERS"])
    return config


# ``config`` is a service's merged config (env_config, or the tests' service_config): it
# holds every key of defaults(service), so a KeyError here is a setting without a default.
def flag(config, key):
    return str(config[key]).lower() in ("1", "true", "yes", "on")


def number_list(config, key):
    return [float(part) for part in str(config[key]).split(",") if part.strip()]
