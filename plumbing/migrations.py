"""Alembic, one history per service: ``services/<name>/migrations``.

Each service's ``migrations/env.py`` calls :func:`run_env` with its models' metadata;
the plumbing tables (outbox, processed_events) are migrated with every service.
"""

from pathlib import Path

from alembic import command, context
from alembic.config import Config

from plumbing import consumer, outbox  # noqa: F401  (registers the plumbing tables)
from plumbing.db import create_db_engine, plumbing_metadata

SERVICES_DIR = Path(__file__).resolve().parent.parent / "services"


def alembic_config(service, database_url):
    config = Config()
    config.set_main_option("script_location", str(SERVICES_DIR / service / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(service, database_url, revision="head"):
    command.upgrade(alembic_config(service, database_url), revision)


def run_env(metadata):
    """Body of every service's migrations/env.py (online mode only)."""
    url = context.config.attributes["database_url"]
    engine = create_db_engine(url, pool_size=1)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=[metadata, plumbing_metadata],
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
