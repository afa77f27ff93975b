"""The database plumbing: a green driver, and the worker's transaction boundaries."""

import eventlet
import pytest
from nameko.exceptions import RemoteError
from nameko.rpc import rpc
from nameko.standalone.rpc import ServiceRpcProxy
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    event,
    func,
    select,
    text,
)
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


@pytest.fixture
def notes_session(database_url):
    from sqlalchemy.orm import Session

    engine = create_db_engine(database_url("registration"), pool_size=1)
    notes_metadata.create_all(engine)
    session = Session(engine)
    yield session
    session.close()
    notes_metadata.drop_all(engine)
    engine.dispose()


def round_trips(engine):
    """The statements that reach the driver: a deferred one (send_together) does not."""
    sent = []

    def note(_conn, _cursor, statement, _parameters, context, _executemany):
        if context.execution_options.get(db_module.DEFERRED) != "keep":
            sent.append(statement.split()[0])

    event.listen(engine, "before_cursor_execute", note)
    return sent


TRICKY = ["100% 'quoted'; DROP TABLE notes; --", 'back\\slash "double" %(body)s', "ünïcödé ✓"]


def test_statements_sent_together_run_in_order_in_one_round_trip(notes_session):
    engine = notes_session.get_bind()
    sent = round_trips(engine)
    result = db_module.send_together(
        notes_session,
        [
            notes.insert().values(id=1, body=TRICKY[0]),
            notes.insert().values(id=2, body=TRICKY[1]),
            notes.update().where(notes.c.id == 1).values(body=notes.c.body + "!"),
            notes.insert().values(id=3, body=TRICKY[2]).returning(notes.c.id, notes.c.body),
        ],
    )
    if engine.dialect.driver == "psycopg2":  # the query psycopg2 sent: all four
        assert result.cursor.query.count(b";\nINSERT") == 1 + 1
        assert result.cursor.query.count(b";\nUPDATE") == 1
    assert result.all() == [(3, TRICKY[2])]  # the last statement's answer
    notes_session.commit()
    rows = notes_session.execute(select(notes.c.id, notes.c.body).order_by(notes.c.id)).all()
    assert rows == [(1, TRICKY[0] + "!"), (2, TRICKY[1]), (3, TRICKY[2])]
    if engine.dialect.driver == "psycopg2":
        assert sent == ["INSERT", "SELECT"], sent  # the four, then the SELECT
    else:
        assert len(sent) == 5  # SQLite: one by one (in process, no round trips)


def test_statements_built_once_go_together_with_their_parameters(notes_session):
    engine = notes_session.get_bind()
    sent = round_trips(engine)
    insert = notes.insert()
    rename = notes.update().where(notes.c.id == bindparam("note")).values(body=bindparam("text"))
    db_module.send_together(
        notes_session,
        [
            (insert, {"id": 1, "body": TRICKY[0]}),
            (insert, {"id": 2, "body": TRICKY[1]}),
            (rename, {"note": 1, "text": TRICKY[2]}),
        ],
    )
    notes_session.commit()
    rows = notes_session.execute(select(notes.c.id, notes.c.body).order_by(notes.c.id)).all()
    assert rows == [(1, TRICKY[2]), (2, TRICKY[1])]
    assert len(sent) == (1 if engine.dialect.driver == "psycopg2" else 3) + 1  # + the SELECT


def test_one_row_inserted_ignoring_duplicates_counts_what_it_inserted(notes_session):
    rows = [{"id": 7, "body": TRICKY[0]}]
    assert db_module.insert_ignoring_duplicates(notes_session, notes, rows, ["id"]) == 1
    again = [{"id": 7, "body": "another"}]
    assert db_module.insert_ignoring_duplicates(notes_session, notes, again, ["id"]) == 0
    two = [{"id": 7, "body": "x"}, {"id": 8, "body": TRICKY[1]}]
    assert db_module.insert_ignoring_duplicates(notes_session, notes, two, ["id"]) == 1
    notes_session.commit()
    rows = notes_session.execute(select(notes.c.id, notes.c.body).order_by(notes.c.id)).all()
    assert rows == [(7, TRICKY[0]), (8, TRICKY[1])]


def test_a_failing_statement_sent_together_fails_them_all_and_leaves_nothing_behind(
    notes_session,
):
    from sqlalchemy.exc import IntegrityError

    notes_session.execute(notes.insert().values(id=1, body="first"))
    notes_session.commit()
    with pytest.raises(IntegrityError):
        db_module.send_together(
            notes_session,
            [notes.insert().values(id=2, body="second"), notes.insert().values(id=1, body="dup")],
        )
    notes_session.rollback()
    # the connection keeps no deferred statement: the next one runs alone
    notes_session.execute(notes.insert().values(id=4, body="fourth"))
    notes_session.commit()
    assert notes_session.scalars(select(notes.c.id).order_by(notes.c.id)).all() == [1, 4]
