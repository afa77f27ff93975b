"""Sessions: tracks, the program, agendas, joining and attendance, chat and Q&A, and the
clock that runs sessions.

The service class composes one mixin per area:

- ``event.py``: the event itself, its name, days and time zone (``EventRpcs``);
- ``tracks.py``: the tracks (``TrackRpcs``);
- ``program.py``: creating, changing, cancelling and listing sessions, the program feed
  (``ProgramRpcs``);
- ``agendas.py``: attendees' agendas and their iCalendar feed (``AgendaRpcs``);
- ``attendance.py``: joining, leaving and the attendance report (``AttendanceRpcs``);
- ``chat.py``: chat and Q&A, upvotes and moderation (``ChatRpcs``);
- ``gdpr.py``: the personal data export (``GdprRpcs``) and the attendee erased/cancelled
  consumers (``AttendeeConsumers``);
- ``clock.py``: the timer that moves sessions through their lifecycle (``ClockTimers``).

Logic more than one part needs is in plain functions of the database session
(``lookup.py``: finding a session or a track, refusing a cancelled session).
"""

from plumbing.service import PlenaryService
from services.sessions.agendas import AgendaRpcs
from services.sessions.attendance import AttendanceRpcs
from services.sessions.chat import ChatRpcs
from services.sessions.clock import ClockTimers
from services.sessions.event import EventRpcs
from services.sessions.gdpr import AttendeeConsumers, GdprRpcs
from services.sessions.program import ProgramRpcs
from services.sessions.tracks import TrackRpcs


class SessionsService(
    PlenaryService,
    EventRpcs,
    TrackRpcs,
    ProgramRpcs,
    AgendaRpcs,
    AttendanceRpcs,
    ChatRpcs,
    GdprRpcs,
    AttendeeConsumers,
    ClockTimers,
):
    name = "sessions"
