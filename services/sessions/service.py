"""Sessions: tracks, the program, agendas, joining and attendance, chat and Q&A, and the
clock that runs sessions.

The service class composes one mixin per area:

- ``tracks.py``: the tracks (``TrackRpcs``);
- ``program.py``: creating, changing, cancelling and listing sessions, the program feed
  (``ProgramRpcs``);
- ``agendas.py``: attendees' agendas and their iCalendar feed (``AgendaRpcs``);
- ``attendance.py``: joining, leaving and the attendance report (``AttendanceRpcs``);
- ``chat.py``: chat and Q&A, upvotes and moderation (``ChatRpcs``);
- ``gdpr.py``: the personal data export and the attendee erased/cancelled consumers
  (``Gdpr``);
- ``clock.py``: the timer that moves sessions through their lifecycle (``SessionClock``).
"""

from nameko.dependency_providers import Config

from plumbing.db import Database
from plumbing.observability import Observability, OpsEndpoints
from plumbing.outbox import OutboxRelay
from services.sessions.agendas import AgendaRpcs
from services.sessions.attendance import AttendanceRpcs
from services.sessions.chat import ChatRpcs
from services.sessions.clock import SessionClock
from services.sessions.gdpr import Gdpr
from services.sessions.program import ProgramRpcs
from services.sessions.tracks import TrackRpcs


class SessionsService(
    OpsEndpoints,
    TrackRpcs,
    ProgramRpcs,
    AgendaRpcs,
    AttendanceRpcs,
    ChatRpcs,
    Gdpr,
    SessionClock,
):
    name = "sessions"

    config = Config()
    db = Database()
    outbox = OutboxRelay()
    observability = Observability()
