"""What the parts of the sessions service share, as plain functions of the database
session: finding a session or a track, refusing what a cancelled session no longer takes."""

from sqlalchemy import select

from contracts.enums import SESSION_CANCELLED
from contracts.errors import Conflict, NotFound
from contracts.rpc.sessions import SessionIdArgs
from plumbing.schemas import load_or_invalid
from services.sessions.models import ProgramSession, Track


def find_session(db, session_id):
    session_id = load_or_invalid(SessionIdArgs, {"session_id": session_id})["session_id"]
    session = db.get(ProgramSession, session_id)
    if session is None:
        raise NotFound("No such session.")
    return session


def lock_session(db, session_id):
    """The session, its row locked until this worker commits (the clock skips it)."""
    session_id = load_or_invalid(SessionIdArgs, {"session_id": session_id})["session_id"]
    session = db.scalars(
        select(ProgramSession)
        .where(ProgramSession.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if session is None:
        raise NotFound("No such session.")
    return session


def check_track(db, track_id, field="track"):
    """A track the request names must exist: 404 when it does not (tracks come and go,
    so the published schema cannot list them)."""
    if db.get(Track, track_id) is None:
        raise NotFound("No such track.", {field: ["Unknown track."]})


def refuse_cancelled(session):
    """Conflict for what a cancelled session no longer takes (changes, agendas, chat)."""
    if session.status == SESSION_CANCELLED:
        raise Conflict("The session is cancelled.", {"session_id": ["cancelled"]})
