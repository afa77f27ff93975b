"""The attendee's feed and preferences, and organizers' announcements."""

from nameko.rpc import rpc
from sqlalchemy import func, select, tuple_, update

from contracts.errors import NotFound
from contracts.rpc.notifications import (
    PREFERENCE_DEFAULTS,
    AnnouncementPayload,
    AnnouncementSchema,
    AttendeeArgs,
    FeedSinceArgs,
    NotificationArgs,
    NotificationSchema,
    NotificationsPageArgs,
    PreferencesPayload,
    PreferencesSchema,
)
from plumbing.events import utcnow
from plumbing.pagination import creation_key, keyset_page, newest_first
from plumbing.replica import AttendeeReplica
from plumbing.schemas import load_args, load_or_invalid
from plumbing.tokens import new_id
from services.notifications import fanout
from services.notifications.models import Notification, Preferences

FEED_SINCE_LIMIT = 200


def default_lead_minutes(config):
    return max(1, round(float(config["SESSION_REMINDER_LEAD_SECONDS"]) / 60))


def unread_count(session, attendee_id):
    return session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.attendee_id == attendee_id, Notification.read_at.is_(None))
    )


def effective_preferences(preferences, default_lead_minutes):
    channels = {
        kind: {**defaults, **(preferences.channels.get(kind, {}) if preferences else {})}
        for kind, defaults in PREFERENCE_DEFAULTS.items()
    }
    minutes = preferences.reminder_minutes_before if preferences else None
    return {"channels": channels, "reminder_minutes_before": minutes or default_lead_minutes}


class FeedRpcs:
    """Mixin: the feed, preferences and announcements RPCs."""

    # -- the feed --------------------------------------------------------------------

    @rpc
    def list_notifications(self, attendee_id, limit=None, cursor=None):
        """An attendee's feed, newest first, with the number of unread items."""
        args = load_args(NotificationsPageArgs, attendee_id=attendee_id, limit=limit, cursor=cursor)
        mine = Notification.attendee_id == args["attendee_id"]
        rows = self.db.scalars(
            newest_first(
                select(Notification).where(mine), Notification, args["cursor"], args["limit"]
            )
        ).all()
        page = keyset_page(rows, args["limit"], NotificationSchema().dump, creation_key)
        return {**page, "unread_count": unread_count(self.db, args["attendee_id"])}

    @rpc
    def feed_since(self, attendee_id, last_event_id):
        """Feed items created after ``last_event_id`` (one of the attendee's items),
        oldest first: what a reconnecting live stream missed."""
        args = load_args(FeedSinceArgs, attendee_id=attendee_id, last_event_id=last_event_id)
        anchor = self.db.get(Notification, args["last_event_id"])
        if anchor is None or anchor.attendee_id != args["attendee_id"]:
            return []
        key = tuple_(Notification.created_at, Notification.id)
        rows = self.db.scalars(
            select(Notification)
            .where(
                Notification.attendee_id == args["attendee_id"],
                key > tuple_(anchor.created_at, anchor.id),
            )
            .order_by(Notification.created_at, Notification.id)
            .limit(FEED_SINCE_LIMIT)
        ).all()
        return NotificationSchema(many=True).dump(rows)

    @rpc
    def mark_read(self, attendee_id, notification_id):
        args = load_args(NotificationArgs, attendee_id=attendee_id, notification_id=notification_id)
        item = self.db.get(Notification, args["notification_id"])
        if item is None or item.attendee_id != args["attendee_id"]:
            raise NotFound("No such notification.")
        if item.read_at is None:
            item.read_at = utcnow()
        return {"unread_count": unread_count(self.db, args["attendee_id"])}

    @rpc
    def mark_all_read(self, attendee_id):
        attendee_id = load_args(AttendeeArgs, attendee_id=attendee_id)["attendee_id"]
        self.db.execute(
            update(Notification)
            .where(Notification.attendee_id == attendee_id, Notification.read_at.is_(None))
            .values(read_at=utcnow())
        )
        return {"unread_count": 0}

    # -- preferences -----------------------------------------------------------------

    @rpc
    def get_preferences(self, attendee_id):
        attendee_id = load_args(AttendeeArgs, attendee_id=attendee_id)["attendee_id"]
        preferences = self.db.get(Preferences, attendee_id)
        return effective_preferences(preferences, default_lead_minutes(self.config))

    @rpc
    def update_preferences(self, attendee_id, payload):
        attendee_id = load_args(AttendeeArgs, attendee_id=attendee_id)["attendee_id"]
        fields = load_or_invalid(PreferencesPayload, payload)
        preferences = self.db.get(Preferences, attendee_id, with_for_update=True)
        if preferences is None:
            preferences = Preferences(attendee_id=attendee_id, channels={})
            self.db.add(preferences)
        channels = dict(preferences.channels)
        for kind, choice in fields.get("channels", {}).items():
            channels[kind] = {**channels.get(kind, {}), **choice}
        preferences.channels = channels
        if "reminder_minutes_before" in fields:
            preferences.reminder_minutes_before = fields["reminder_minutes_before"]
        preferences.updated_at = utcnow()
        self.db.flush()
        return PreferencesSchema().dump(
            effective_preferences(preferences, default_lead_minutes(self.config))
        )

    # -- announcements ---------------------------------------------------------------

    @rpc
    def announce(self, payload):
        """An organizer's announcement to every active attendee, in batches."""
        fields = load_or_invalid(AnnouncementPayload, payload)
        announcement = {"id": new_id(), **fields, "created_at": utcnow()}
        recipients, after = 0, ""
        while True:
            attendee_ids = self.db.scalars(
                select(AttendeeReplica.attendee_id)
                .where(AttendeeReplica.active, AttendeeReplica.attendee_id > after)
                .order_by(AttendeeReplica.attendee_id)
                .limit(fanout.batch_size(self.config))
            ).all()
            if not attendee_ids:
                break
            fanout.emit_batch(
                self.db,
                attendee_ids,
                "announcement",
                fields["title"],
                fields["body"],
                {"announcement_id": announcement["id"]},
                f"announcement:{announcement['id']}",
            )
            recipients += len(attendee_ids)
            after = attendee_ids[-1]
        return AnnouncementSchema().dump({**announcement, "recipients": recipients})
