"""Tracks and sessions over RPC, against the real PostgreSQL and RabbitMQ."""

import base64
import json

import pytest
from sqlalchemy import create_engine, text

from contracts.errors import Invalid, NotFound
from plumbing.migrations import upgrade
from plumbing.outbox import outbox_table
from plumbing.testing import count_rows
from services.sessions.models import DEFAULT_TRACKS, ProgramSession
from services.sessions.tests.conftest import outbox_events

KEYNOTE = {
    "title": "Opening keynote: museums after the storm",
    "abstract": "How institutions found their footing again.",
    "track": "reinspire",
    "kind": "keynote",
    "starts_at": "2030-05-04T10:00:00+02:00",
    "ends_at": "2030-05-04T11:00:00+02:00",
    "speakers": [{"name": "Dana Müller", "organization": "Field Museum", "bio": "Director."}],
    "capacity": 5000,
}


def session_at(starts_at, ends_at, **fields):
    return {**KEYNOTE, "starts_at": starts_at, "ends_at": ends_at, **fields}


def test_a_fresh_database_has_the_four_tracks(tmp_path):
    url = f"sqlite:///{tmp_path}/sessions.db"
    upgrade("sessions", url)
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, name, description FROM tracks ORDER BY position"))
        tracks = [dict(row._mapping) for row in rows]
    engine.dispose()
    assert tracks == [{k: t[k] for k in ("id", "name", "description")} for t in DEFAULT_TRACKS]


def test_list_tracks(sessions):
    tracks = sessions.list_tracks()
    assert [t["id"] for t in tracks] == ["reinspire", "rebuild", "reengage", "reconnect"]
    assert [t["name"] for t in tracks] == ["Reinspire", "Rebuild", "Reengage", "Reconnect"]
    assert all(t["description"] for t in tracks)


def test_create_session_stores_utc_and_emits_session_scheduled(sessions, db):
    created = sessions.create_session(KEYNOTE)

    assert created["starts_at"] == "2030-05-04T08:00:00+00:00"
    assert created["ends_at"] == "2030-05-04T09:00:00+00:00"
    assert created["status"] == "scheduled"
    assert created["speakers"] == KEYNOTE["speakers"]
    assert created["track"] == "reinspire" and created["capacity"] == 5000
    assert created["sequence"] == 0 and created["stream_url"] is None
    public = {key: value for key, value in created.items() if key != "stream_url"}
    assert sessions.get_session(created["id"]) == public
    assert outbox_events(db) == [
        (
            "session_scheduled",
            {
                "session_id": created["id"],
                "title": KEYNOTE["title"],
                "track": "reinspire",
                "kind": "keynote",
                "starts_at": created["starts_at"],
                "ends_at": created["ends_at"],
            },
        )
    ]


def test_optional_fields_default(sessions):
    payload = {k: v for k, v in KEYNOTE.items() if k not in ("abstract", "speakers", "capacity")}
    created = sessions.create_session(payload)
    assert (created["abstract"], created["speakers"], created["capacity"]) == ("", [], None)


SPEAKER = KEYNOTE["speakers"][0]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "title"),
        (["not", "an", "object"], "_schema"),
        ({**KEYNOTE, "title": ""}, "title"),
        ({**KEYNOTE, "title": "   "}, "title"),
        ({**KEYNOTE, "title": "x" * 201}, "title"),
        ({**KEYNOTE, "title": 42}, "title"),
        ({**KEYNOTE, "title": "null\x00byte"}, "title"),
        ({**KEYNOTE, "abstract": "x" * 5001}, "abstract"),
        ({**KEYNOTE, "track": None}, "track"),
        ({**KEYNOTE, "kind": "party"}, "kind"),
        ({**KEYNOTE, "starts_at": "2030-05-04T10:00:00"}, "starts_at"),
        ({**KEYNOTE, "starts_at": "tomorrow"}, "starts_at"),
        ({**KEYNOTE, "starts_at": 1893456000}, "starts_at"),
        (session_at("9999-12-31T23:00:00-05:00", "9999-12-31T23:30:00-05:00"), "starts_at"),
        (session_at("2030-05-04T10:00:00+00:00", "2030-05-04T10:00:00+00:00"), "ends_at"),
        (session_at("2030-05-04T10:00:00+00:00", "2030-05-04T11:00:00+02:00"), "ends_at"),
        ({**KEYNOTE, "speakers": [SPEAKER] * 21}, "speakers"),
        ({**KEYNOTE, "speakers": [{**SPEAKER, "name": ""}]}, "speakers"),
        ({**KEYNOTE, "speakers": [{**SPEAKER, "organization": "x" * 201}]}, "speakers"),
        ({**KEYNOTE, "speakers": [{**SPEAKER, "bio": "x" * 2001}]}, "speakers"),
        ({**KEYNOTE, "speakers": [{**SPEAKER, "role": "host"}]}, "speakers"),
        ({**KEYNOTE, "speakers": "Dana"}, "speakers"),
        ({**KEYNOTE, "capacity": 0}, "capacity"),
        ({**KEYNOTE, "capacity": -5}, "capacity"),
        ({**KEYNOTE, "capacity": 100_001}, "capacity"),
        ({**KEYNOTE, "capacity": "100"}, "capacity"),
        ({**KEYNOTE, "capacity": True}, "capacity"),
        ({**KEYNOTE, "status": "live"}, "status"),
    ],
)
def test_invalid_session_is_refused_and_writes_nothing(sessions, db, payload, field):
    with pytest.raises(Invalid) as refused:
        sessions.create_session(payload)
    assert field in refused.value.errors
    assert count_rows(db, ProgramSession) == 0
    assert count_rows(db, outbox_table) == 0


def test_get_session_errors(sessions):
    with pytest.raises(NotFound):
        sessions.get_session("00000000-0000-4000-8000-000000000000")
    for bad in (None, 42, "", "x" * 37, ["id"]):
        with pytest.raises(Invalid):
            sessions.get_session(bad)


@pytest.fixture
def program(sessions):
    """Four sessions over two days and three tracks."""

    def create(title, track, starts_at, ends_at, **fields):
        return sessions.create_session(
            session_at(starts_at, ends_at, title=title, track=track, **fields)
        )["id"]

    return {
        "keynote": create(
            "Opening keynote", "reinspire", "2030-05-04T08:00:00+00:00", "2030-05-04T09:00:00+00:00"
        ),
        "budgets": create(
            "Budgets that bend",
            "rebuild",
            "2030-05-04T23:30:00+00:00",
            "2030-05-05T00:30:00+00:00",
            abstract="Finance for 100% of small museums.",
            speakers=[],
        ),
        "late": create(
            "Visitors return",
            "reengage",
            "2030-05-05T01:00:00+02:00",
            "2030-05-05T02:00:00+02:00",
            speakers=[{"name": "Ana Ribeiro", "organization": "MAAT"}],
        ),
        "day2": create(
            "Partners in the network",
            "reconnect",
            "2030-05-05T09:00:00+00:00",
            "2030-05-05T10:00:00+00:00",
            speakers=[],
        ),
    }


def titles(page):
    return [s["title"] for s in page["items"]]


def test_list_sessions_is_ordered_by_start(sessions, program):
    page = sessions.list_sessions({})
    # "Visitors return" starts 2030-05-04T23:00Z: before "Budgets that bend"
    assert titles(page) == [
        "Opening keynote",
        "Visitors return",
        "Budgets that bend",
        "Partners in the network",
    ]
    assert page["next_cursor"] is None
    assert sessions.list_sessions(None) == page


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"track": "rebuild"}, ["Budgets that bend"]),
        ({"day": "2030-05-04"}, ["Opening keynote", "Visitors return", "Budgets that bend"]),
        ({"day": "2030-05-05"}, ["Partners in the network"]),
        ({"day": "2030-05-06"}, []),
        ({"q": "KEYNOTE"}, ["Opening keynote"]),
        ({"q": "finance"}, ["Budgets that bend"]),
        ({"q": "müller"}, ["Opening keynote"]),
        ({"q": "ribeiro maat"}, ["Visitors return"]),
        ({"q": "100%"}, ["Budgets that bend"]),
        ({"q": "%"}, ["Budgets that bend"]),
        ({"q": "_"}, []),
        (
            {"q": "  "},
            ["Opening keynote", "Visitors return", "Budgets that bend", "Partners in the network"],
        ),
        ({"track": "reinspire", "day": "2030-05-05"}, []),
    ],
)
def test_list_sessions_filters(sessions, program, filters, expected):
    assert titles(sessions.list_sessions(filters)) == expected


def test_pages_walk_every_session_once_in_order(sessions):
    starts = (
        ["2030-05-04T10:00:00+00:00"] * 3
        + ["2030-05-04T11:00:00+00:00"] * 2
        + ["2030-05-04T09:00:00+00:00"] * 2
    )
    created = [
        sessions.create_session(session_at(s, "2030-05-04T12:00:00+00:00", title=f"S{i}"))
        for i, s in enumerate(starts)
    ]
    expected = [s["id"] for s in sorted(created, key=lambda s: (s["starts_at"], s["id"]))]

    seen, cursor, pages = [], None, 0
    while True:
        page = sessions.list_sessions({}, limit=3, cursor=cursor)
        seen += [s["id"] for s in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected
    assert pages == 3


def test_pages_keep_the_filters(sessions, program):
    first = sessions.list_sessions({"day": "2030-05-04"}, limit=2)
    assert titles(first) == ["Opening keynote", "Visitors return"]
    rest = sessions.list_sessions({"day": "2030-05-04"}, limit=2, cursor=first["next_cursor"])
    assert titles(rest) == ["Budgets that bend"]
    assert rest["next_cursor"] is None


def b64(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode()


@pytest.mark.parametrize(
    "filters, limit, cursor",
    [
        ({}, 0, None),
        ({}, -1, None),
        ({}, 201, None),
        ({}, "10", None),
        ({}, True, None),
        ({}, None, None),
        ({}, 10, "!!!not-a-cursor!!!"),
        ({}, 10, ""),
        ({}, 10, 12345),
        ({}, 10, "x" * 1000),
        ({"track": 7}, 10, None),
        ({"day": "2030-13-01"}, 10, None),
        ({"day": "9999-12-31"}, 10, None),
        ({"q": "x" * 201}, 10, None),
        ({"q": "a\x00b"}, 10, None),
        ({"speaker": ""}, 10, None),
        ({"speaker": "x" * 201}, 10, None),
        ({"kind": "party"}, 10, None),
        ({"tz": "Mars/Olympus_Mons", "day": "2030-05-04"}, 10, None),
        ({"tz": "../../etc/passwd", "day": "2030-05-04"}, 10, None),
        ({"tz": "", "day": "2030-05-04"}, 10, None),
        ({"tz": 2, "day": "2030-05-04"}, 10, None),
        ({"unknown": "x"}, 10, None),
        ("track=rebuild", 10, None),
        ([], 10, None),
        ("", 10, None),
    ],
)
def test_list_sessions_refuses_bad_input(sessions, program, filters, limit, cursor):
    with pytest.raises(Invalid) as refused:
        sessions.list_sessions(filters, limit=limit, cursor=cursor)
    assert refused.value.errors


@pytest.mark.parametrize(
    "sort_key",
    [
        {"starts_at": "2030-05-04T10:00:00+00:00"},
        ["2030-05-04T10:00:00+00:00"],
        ["2030-05-04T10:00:00", "id"],
        ["yesterday", "id"],
        [1, 2],
    ],
)
def test_a_cursor_of_the_right_form_that_no_page_handed_out_is_not_found(
    sessions, program, sort_key
):
    with pytest.raises(NotFound):
        sessions.list_sessions({}, limit=10, cursor=b64(sort_key).rstrip("="))


def test_a_track_that_does_not_exist_is_not_found(sessions, program):
    with pytest.raises(NotFound) as missing:
        sessions.create_session({**KEYNOTE, "track": "nope"})
    assert missing.value.errors == {"track": ["Unknown track."]}
    with pytest.raises(NotFound):
        sessions.list_sessions({"track": "nope"}, limit=10)
