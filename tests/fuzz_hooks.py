"""schemathesis hooks for tests/test_contract_fuzz.py: the documented rules across
fields that JSON Schema cannot state (the others are in the published document, see
gateway/field_schemas.py). A generated case that breaks one of these is neither a
valid request (the API refuses it, rightly, with 422) nor a useful invalid one (the
schema cannot tell), so it is not sent. Each rule here is in its operation's text.
"""

import ast
import threading
from datetime import date, datetime

import schemathesis

from contracts.rpc.expo import MAX_ANALYTICS_DAYS
from contracts.rpc.networking import MEETING_MAX_MINUTES, MEETING_MIN_MINUTES

# The fuzzer's own workaround, nothing of the API's: with two workers (threads),
# hypothesis parses lambdas' source in both at once, and CPython 3.11's AST constructor is
# not safe for that (python/cpython#106905: "AST constructor recursion depth mismatch",
# a run error of the fuzzer). One parse at a time.
_parse_lock = threading.Lock()
_parse = ast.parse


def _one_parse_at_a_time(*args, **kwargs):
    with _parse_lock:
        return _parse(*args, **kwargs)


ast.parse = _one_parse_at_a_time


def moment(value):
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (AttributeError, TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else None


def day(value):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def ends_after_start(body):
    """Sessions: ends_at is after starts_at."""
    if not isinstance(body, dict):
        return True
    start, end = moment(body.get("starts_at")), moment(body.get("ends_at"))
    return start is None or end is None or end > start


def kickoff_comes_first(body):
    """The event: a kickoff_day comes before the first of the conference_days."""
    if not isinstance(body, dict):
        return True
    kickoff = day(body.get("kickoff_day"))
    days = body.get("conference_days")
    days = [day(d) for d in days] if isinstance(days, list) else []
    days = [d for d in days if d is not None]
    return kickoff is None or not days or kickoff < min(days)


def slots_last_sensibly(body):
    """Meetings between attendees: each slot lasts MEETING_MIN..MAX_MINUTES."""
    slots = body.get("slots") if isinstance(body, dict) else None
    for slot in slots if isinstance(slots, list) else []:
        if not isinstance(slot, dict):
            continue
        start, end = moment(slot.get("starts_at")), moment(slot.get("ends_at"))
        if start and end:
            minutes = (end - start).total_seconds() / 60
            if not MEETING_MIN_MINUTES <= minutes <= MEETING_MAX_MINUTES:
                return False
    return True


def interest_ids_unique(body):
    """Interests: each id once."""
    interests = body.get("interests") if isinstance(body, dict) else None
    if not isinstance(interests, list):
        return True
    ids = [i.get("id") for i in interests if isinstance(i, dict)]
    return len(ids) == len(set(map(str, ids)))


def one_subject(body):
    """Reports: a person (attendee_id) or a message (message_id), not both, not neither."""
    if not isinstance(body, dict):
        return True
    return (body.get("attendee_id") is None) != (body.get("message_id") is None)


def a_bounded_range(query):
    """Booth analytics: end on or after start, at most MAX_ANALYTICS_DAYS later."""
    if not isinstance(query, dict):
        return True
    start, end = day(query.get("start")), day(query.get("end"))
    return start is None or end is None or 0 <= (end - start).days < MAX_ANALYTICS_DAYS


BODY_RULES = {
    ("PUT", "/v1/event"): kickoff_comes_first,
    ("POST", "/v1/sessions"): ends_after_start,
    ("PATCH", "/v1/sessions/{session_id}"): ends_after_start,
    ("POST", "/v1/me/meetings"): slots_last_sensibly,
    ("PUT", "/v1/networking/interests"): interest_ids_unique,
    ("POST", "/v1/reports"): one_subject,
}
QUERY_RULES = {("GET", "/v1/exhibitors/{exhibitor_id}/analytics"): a_bounded_range}


@schemathesis.hook
def filter_case(context, case):
    key = (case.method.upper(), case.path)
    body_rule, query_rule = BODY_RULES.get(key), QUERY_RULES.get(key)
    if body_rule is not None and not body_rule(case.body):
        return False
    return query_rule is None or query_rule(case.query)
