"""Tracks: the program's streams, in their order."""

from nameko.rpc import rpc
from sqlalchemy import func, select

from contracts.errors import Conflict
from contracts.events.sessions import TrackCreated
from contracts.rpc.sessions import NewTrackSchema, TrackSchema
from plumbing.outbox import emit
from plumbing.schemas import load_or_invalid
from services.sessions.models import Track


class TrackRpcs:
    @rpc
    def list_tracks(self):
        tracks = self.db.scalars(select(Track).order_by(Track.position))
        return TrackSchema(many=True).dump(tracks)

    @rpc
    def create_track(self, payload):
        fields = load_or_invalid(NewTrackSchema, payload)
        if self.db.get(Track, fields["id"]) is not None:
            raise Conflict("A track with this id exists.", {"id": ["taken"]})
        last = self.db.scalar(select(func.max(Track.position))) or 0
        track = Track(position=last + 1, **fields)
        self.db.add(track)
        emit(self.db, TrackCreated, {"track_id": track.id, "name": track.name})
        return TrackSchema().dump(track)
