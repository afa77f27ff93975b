"""The database plumbing: a green driver, and the worker's transaction boundaries."""

import eventlet
import pytest
from nameko.exceptions import RemoteError
from nameko.rpc import rpc
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text

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


def test_a_slow_query_does_not_block_the_hub(database_url):
    """pg8000 is pure Python, so its socket waits are green: while one green thread
    waits a second on PostgreSQL, the others keep running."""
    url = database_url("registration")
    if not url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL")
    engine = create_db_engine(url, pool_size=1)
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
