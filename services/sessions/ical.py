"""The program and agendas as iCalendar (RFC 5545) feeds.

Each session is one VEVENT whose UID never changes; SEQUENCE is the session's change
counter and DTSTAMP its last change, so a calendar that imported the feed before
replaces the event when the session moves, and marks it cancelled (STATUS:CANCELLED)
rather than losing it.
"""

from icalendar import Calendar, Event

from contracts.enums import SESSION_CANCELLED

UID_DOMAIN = "plenary"


def calendar(sessions, name, public_url, time_zone="UTC"):
    """``name`` is the calendar's (NAME, RFC 7986, and X-WR-CALNAME, which most calendar
    apps read); ``time_zone`` the event's, a display hint (X-WR-TIMEZONE): the times
    themselves stay in UTC, so no VTIMEZONE is needed."""
    cal = Calendar()
    cal.add("prodid", "-//Plenary//Program//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", time_zone)
    for session in sessions:
        cal.add_component(event(session, public_url))
    return cal.to_ical().decode()


def event(session, public_url):
    vevent = Event()
    vevent.add("uid", f"{session.id}@{UID_DOMAIN}")
    vevent.add("dtstamp", session.updated_at)
    vevent.add("last-modified", session.updated_at)
    vevent.add("created", session.created_at)
    vevent.add("dtstart", session.starts_at)
    vevent.add("dtend", session.ends_at)
    vevent.add("sequence", session.sequence)
    vevent.add("summary", session.title)
    vevent.add("description", session.abstract)
    vevent.add("categories", [session.track_id])
    vevent.add("status", "CANCELLED" if session.status == SESSION_CANCELLED else "CONFIRMED")
    vevent.add("url", f"{public_url.rstrip('/')}/v1/sessions/{session.id}")
    return vevent
