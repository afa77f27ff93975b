"""Merging iCalendar feeds of several services into one (the attendee's agenda feed)."""

from icalendar import Calendar


def merge_calendars(base, *others):
    """``base`` (iCalendar text) with the events of ``others`` added, in order."""
    calendar = Calendar.from_ical(base)
    for other in others:
        for event in Calendar.from_ical(other).walk("VEVENT"):
            calendar.add_component(event)
    return calendar.to_ical().decode()
