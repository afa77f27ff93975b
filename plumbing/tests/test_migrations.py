"""Every service's Alembic history builds exactly the schema its models describe, and
can be rolled back and re-applied."""

import pytest
from alembic import command

from plumbing.migrations import alembic_config
from plumbing.registry import BACKEND_SERVICES


@pytest.mark.parametrize("service", BACKEND_SERVICES)
def test_migrations_match_the_models(database_url, service):
    config = alembic_config(service, database_url(service))
    command.check(config)  # raises if autogenerate would find a difference


@pytest.mark.parametrize("service", BACKEND_SERVICES)
def test_migrations_downgrade_and_upgrade_again(database_url, service, test_databases):
    config = alembic_config(service, database_url(service))
    command.downgrade(config, "base")
    command.upgrade(config, "head")
    command.check(config)
