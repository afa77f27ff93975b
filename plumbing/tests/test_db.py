"""The database plumbing: a green driver, and the worker's transaction boundaries."""

import eventlet
import pytest
from nameko.exceptions import RemoteError
from nameko.rpc import rpc
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text
from sqlalchemy.engine import make_url

from plumbing import db as db_module
from plumbing.db import Database, create_db_engine

notes_metadata = MetaData()
notes = Table(
    "notes", notes_metadata, Column("id", Integer, primary_key=True), Column("body", String(100))
)


class Notebook:
    name = "notebook"
    db = Database()

    @rpc
    def write(self, body, fail=False):
        self.db.execute(notes.insert().values(body=body))
        if fail:
            raise ValueError("changed my mind")
        return body


@pytest.fixture
def notebook(database_url, service_config, container_factory, rabbit_config):
    url = database_url("registration")
    engine = create_db_engine(url)
    notes_metadata.create_all(engine)
    container = container_factory(Notebook, service_config("registration", SERVICE_NAME="notebook"))
    container.start()
    with ServiceRpcProxy("notebook", rabbit_config) as proxy:
        yield proxy, engine
    notes_metadata.drop_all(engine)
    engine.dispose()


def count(engine):
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(notes))


def test_a_worker_commits_before_the_caller_gets_its_answer(notebook):
    proxy, engine = notebook
    for i in range(20):
        proxy.write(f"note {i}")
        assert count(engine) == i + 1  # visible the moment the reply arrives


def test_a_worker_that_raises_writes_nothing(notebook):
    proxy, engine = notebook
    with pytest.raises(RemoteError):
        proxy.write("half-done", fail=True)
    assert count(engine) == 0


@pytest.mark.parametrize("driver", ["psycopg2", "pg8000"])
def test_a_slow_query_does_not_block_the_hub(database_url, driver):
    """psycopg2 waits through eventlet (psycogreen), pg8000 is pure Python: either way,
    while one green thread waits a second on PostgreSQL, the others keep running."""
    url = database_url("registration")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL")
    url = make_url(url).set(drivername=f"postgresql+{driver}")
    engine = create_db_engine(url, pool_size=1)
    assert engine.dialect.driver == driver
    ticks = []

    def sleep_in_database():
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_sleep(1)"))

    query = eventlet.spawn(sleep_in_database)
    eventlet.sleep(0)  # let the query start
    while not query.dead:
        ticks.append(1)
        eventlet.sleep(0.01)
    query.wait()
    engine.dispose()
    assert len(ticks) > 20  # a blocked hub would allow one or two


def test_an_idle_connection_the_server_dropped_is_replaced(database_url, monkeypatch):
    """No pre-ping on every checkout; a connection idle past PING_AFTER_IDLE_SECONDS is
    pinged, and one the server has dropped is replaced instead of failing the worker."""
    url = database_url("registration")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL")
    engine = create_db_engine(url, pool_size=1)
    with engine.connect() as conn:
        first_pid = conn.scalar(text("SELECT pg_backend_pid()"))
    killer = create_db_engine(url, pool_size=1)
    with killer.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid})
    killer.dispose()
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT pg_backend_pid()")) != first_pid
    engine.dispose()
