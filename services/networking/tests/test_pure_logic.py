"""The pure parts: pairing, slot checks, rate limits."""

import random
from datetime import UTC, datetime, timedelta

from services.networking.matching import pair_up
from services.networking.ratelimits import parse_rules, retry_after
from services.networking.slots import overlaps, slot_errors

T0 = datetime(2026, 5, 18, 14, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def slot(start_min, end_min):
    return {"starts_at": T0 + start_min * MIN, "ends_at": T0 + end_min * MIN}


# -- pairing ---------------------------------------------------------------------------


def test_pairing_prefers_shared_interests():
    interests = {"a": {"x"}, "b": {"y"}, "c": {"x", "z"}, "d": {"y"}}
    pairs = pair_up(["a", "b", "c", "d"], interests, set())
    assert {frozenset(p[:2]) for p in pairs} == {frozenset("ac"), frozenset("bd")}
    assert dict(((a, b), s) for a, b, s in pairs)[("a", "c")] == ["x"]


def test_pairing_never_pairs_forbidden_pairs_and_leaves_them_waiting():
    pairs = pair_up(["a", "b"], {}, {frozenset("ab")})
    assert pairs == []
    pairs = pair_up(["a", "b", "c"], {}, {frozenset("ab")})
    assert len(pairs) == 1 and frozenset("ab") != frozenset(pairs[0][:2])


def test_pairing_favours_who_waited_longest_when_nothing_is_shared():
    pairs = pair_up(["first", "second", "third"], {}, set())
    assert pairs == [("first", "second", [])]


def test_nobody_is_in_two_pairs_and_everyone_pairable_is_paired():
    rng = random.Random(7)
    people = [f"p{n}" for n in range(41)]
    interests = {p: set(rng.sample(["a", "b", "c", "d", "e"], 2)) for p in people}
    forbidden = {frozenset(rng.sample(people, 2)) for _ in range(30)}
    pairs = pair_up(people, interests, forbidden)
    members = [m for a, b, _ in pairs for m in (a, b)]
    assert len(members) == len(set(members))
    assert all(frozenset((a, b)) not in forbidden for a, b, _ in pairs)
    assert len(pairs) >= 18  # 41 people, few forbidden pairs: nearly all paired


# -- slots -----------------------------------------------------------------------------


def test_overlap_is_half_open():
    assert overlaps(T0, T0 + MIN, T0 + 0.5 * MIN, T0 + 2 * MIN)
    assert not overlaps(T0, T0 + MIN, T0 + MIN, T0 + 2 * MIN)  # back to back is fine


def test_slots_overlapping_the_agenda_or_each_other_are_refused():
    busy = [(T0 + 60 * MIN, T0 + 120 * MIN, "a session in the agenda")]
    slots = [slot(0, 30), slot(90, 110), slot(20, 50), slot(120, 150)]
    errors = slot_errors(slots, busy, None, None, T0 - MIN)
    assert errors == {
        "1": ["Overlaps a session in the agenda."],
        "2": ["Overlaps another proposed slot."],
    }


def test_slots_in_the_past_or_outside_the_event_are_refused():
    slots = [slot(-30, -10), slot(0, 30), slot(600, 630)]
    errors = slot_errors(slots, [], T0, T0 + 300 * MIN, T0 - 60 * MIN)
    assert errors == {"0": ["Outside the event's dates."], "2": ["Outside the event's dates."]}
    errors = slot_errors(slots, [], None, None, T0 - 5 * MIN)
    assert errors == {"0": ["Starts in the past."]}


# -- rate limits -----------------------------------------------------------------------


def test_rules_parse():
    assert parse_rules("20/minute;300/hour") == [(20, 60), (300, 3600)]
    assert parse_rules("5/seconds") == [(5, 1)]


def test_under_the_limit_is_allowed_over_it_waits_until_the_oldest_leaves():
    rules = [(3, 60)]
    now = T0
    assert retry_after([now - 10 * timedelta(seconds=1)] * 2, rules, now) is None
    recent = [now - timedelta(seconds=s) for s in (5, 10, 50)]
    assert retry_after(recent, rules, now) == 10  # the one 50 s ago leaves in 10 s
    older = [now - timedelta(seconds=s) for s in (61, 70, 80)]
    assert retry_after(older, rules, now) is None


def test_the_longest_wait_of_several_rules_wins():
    rules = [(2, 60), (3, 3600)]
    now = T0
    recent = [now - timedelta(seconds=s) for s in (100, 200, 3000)]
    assert retry_after(recent, rules, now) == 600
