"""Direct messages, blocks, reports, silences and hidden messages."""

import pytest

from contracts.errors import Conflict, Forbidden, NotFound, TooManyRequests
from plumbing.testing import outbox_envelopes
from services.networking.tests.conftest import actor, make_connected, make_listed


def test_messages_between_connected_attendees_with_unread_counts_and_read_markers(
    networking, listed, connect, networking_db
):
    ada, ben = listed("Ada Archivist"), listed("Ben Curator")
    connect(ada, ben)
    first = networking.send_direct_message(ada, {"to": ben["attendee_id"], "body": " Hello! "})
    assert first["body"] == "Hello!" and first["hidden"] is False
    conversation_id = first["conversation_id"]
    networking.post_to_conversation(ada, conversation_id, {"body": "Coffee?"})

    inbox = networking.list_conversations(ben)
    assert inbox["unread_count"] == 2
    assert inbox["items"][0]["other"]["full_name"] == "Ada Archivist"
    assert inbox["items"][0]["last_message"]["body"] == "Coffee?"
    assert networking.list_conversations(ada)["unread_count"] == 0  # my own are read
    bodies = [
        m["body"] for m in networking.list_conversation_messages(ben, conversation_id)["items"]
    ]
    assert bodies == ["Coffee?", "Hello!"]
    assert networking.mark_conversation_read(ben, conversation_id)["unread_count"] == 0
    assert networking.list_conversations(ben)["items"][0]["unread_count"] == 0

    sent = [e["data"] for e in outbox_envelopes(networking_db, "direct_message_sent")]
    assert [(e["recipient_id"], e["body"]) for e in sent] == [
        (ben["attendee_id"], "Hello!"),
        (ben["attendee_id"], "Coffee?"),
    ]


def test_nobody_outside_the_directory_or_unconnected_is_messageable(networking, listed):
    ada, ben = listed("Ada Archivist"), listed("Ben Curator")
    shy = actor("Shy Person")
    networking.get_my_profile(shy)
    with pytest.raises(Forbidden):  # listed but not connected
        networking.send_direct_message(ada, {"to": ben["attendee_id"], "body": "Hi"})
    with pytest.raises(NotFound):  # not in the directory
        networking.send_direct_message(ada, {"to": shy["attendee_id"], "body": "Hi"})
    with pytest.raises(Forbidden):  # the unlisted cannot write either
        networking.send_direct_message(shy, {"to": ada["attendee_id"], "body": "Hi"})

    networking.update_settings({"open_messaging": True})
    assert networking.send_direct_message(ada, {"to": ben["attendee_id"], "body": "Hi"})
    with pytest.raises(NotFound):
        networking.send_direct_message(ada, {"to": shy["attendee_id"], "body": "Hi"})


def test_a_block_hides_each_from_the_other_everywhere(networking, listed, connect):
    ada, ben = listed("Ada Archivist"), listed("Ben Curator")
    connect(ada, ben)
    conversation = networking.send_direct_message(ada, {"to": ben["attendee_id"], "body": "Hi"})
    networking.block(ben, ada["attendee_id"])

    for one, other in ((ada, ben), (ben, ada)):
        assert networking.list_directory(one)["items"] == []
        with pytest.raises(NotFound):
            networking.get_directory_profile(one, other["attendee_id"])
        with pytest.raises(NotFound):
            networking.send_direct_message(one, {"to": other["attendee_id"], "body": "?"})
        with pytest.raises(NotFound):
            networking.list_conversation_messages(one, conversation["conversation_id"])
        with pytest.raises(NotFound):
            networking.request_connection(one, {"attendee_id": other["attendee_id"]})
        assert networking.list_conversations(one)["items"] == []
        assert networking.list_connections(one)["items"] == []
    assert [b["attendee_id"] for b in networking.list_blocks(ben)] == [ada["attendee_id"]]

    networking.unblock(ben, ada["attendee_id"])
    assert len(networking.list_conversations(ada)["items"]) == 1  # the thread is back
    with pytest.raises(Forbidden):  # the connection is not
        networking.send_direct_message(ada, {"to": ben["attendee_id"], "body": "?"})


def test_blocking_or_reporting_oneself_is_forbidden(networking, listed, connect):
    # a well-formed request this caller may not make (403), not an invalid one (422)
    ada, ben = listed("Ada Archivist"), listed("Ben Curator")
    with pytest.raises(Forbidden) as blocked:
        networking.block(ada, ada["attendee_id"])
    assert "attendee_id" in blocked.value.errors
    with pytest.raises(Forbidden):
        networking.report(ada, {"attendee_id": ada["attendee_id"], "reason": "spam"})
    connect(ada, ben)
    mine = networking.send_direct_message(ada, {"to": ben["attendee_id"], "body": "Hi"})
    with pytest.raises(Forbidden):  # my own message names me
        networking.report(ada, {"message_id": mine["id"], "reason": "spam"})
    assert networking.list_blocks(ada) == [] and networking.list_reports()["items"] == []


def test_reports_go_to_the_organizers_queue(networking, listed, connect):
    ada, ben = listed("Ada Archivist"), listed("Ben Curator")
    connect(ada, ben)
    message = networking.send_direct_message(ada, {"to": ben["attendee_id"], "body": "Buy now!"})
    report = networking.report(ben, {"message_id": message["id"], "reason": "spam"})
    assert report["attendee_id"] == ada["attendee_id"] and report["message_body"] == "Buy now!"
    networking.report(ben, {"attendee_id": ada["attendee_id"], "reason": "harassment"})
    outsider = listed("Cy Outsider")
    with pytest.raises(NotFound):  # a message one cannot see cannot be reported
        networking.report(outsider, {"message_id": message["id"], "reason": "spam"})

    queue = networking.list_reports()["items"]
    assert [r["reason"] for r in queue] == ["spam", "harassment"]
    done = networking.resolve_report(queue[0]["id"], {"status": "resolved", "note": "Hidden."})
    assert done["status"] == "resolved" and done["resolved_at"]
    with pytest.raises(Conflict):
        networking.resolve_report(queue[0]["id"], {"status": "dismissed"})
    assert [r["reason"] for r in networking.list_reports()["items"]] == ["harassment"]
    assert len(networking.list_reports({"status": "resolved"})["items"]) == 1


def test_moderation_hides_a_message_for_everyone_and_silence_stops_writing_not_reading(
    networking, listed, connect
):
    ada, ben = listed("Ada Archivist"), listed("Ben Curator")
    connect(ada, ben)
    message = networking.send_direct_message(ada, {"to": ben["attendee_id"], "body": "Rude"})
    networking.set_message_hidden(message["id"], True)
    for person in (ada, ben):
        shown = networking.list_conversation_messages(person, message["conversation_id"])
        assert shown["items"][0]["hidden"] is True and shown["items"][0]["body"] is None

    networking.silence(ada["attendee_id"], {"reason": "Repeated spam"})
    with pytest.raises(Forbidden):
        networking.send_direct_message(ada, {"to": ben["attendee_id"], "body": "Hi"})
    with pytest.raises(Forbidden):
        networking.request_connection(ada, {"attendee_id": listed("Cy")["attendee_id"]})
    assert networking.list_conversation_messages(ada, message["conversation_id"])["items"]
    assert [s["attendee_id"] for s in networking.list_silences()["items"]] == [ada["attendee_id"]]
    networking.lift_silence(ada["attendee_id"])
    assert networking.send_direct_message(ada, {"to": ben["attendee_id"], "body": "Sorry"})


def test_direct_messages_are_rate_limited(start_service, rpc_proxy):
    start_service("networking", DM_RATE_LIMIT="3/minute")
    networking = rpc_proxy("networking")
    ada = make_listed(networking, "Ada Archivist")
    ben = make_listed(networking, "Ben Curator")
    make_connected(networking, ada, ben)
    for n in range(3):
        networking.send_direct_message(ada, {"to": ben["attendee_id"], "body": f"#{n}"})
    with pytest.raises(TooManyRequests) as limited:
        networking.send_direct_message(ada, {"to": ben["attendee_id"], "body": "#4"})
    assert 1 <= int(limited.value.retry_after) <= 60
