"""Attendees meeting each other (directory, connections, messages, blocks and reports,
meetings, tables, speed networking), its moderation, and the FAQ: the networking
service over HTTP.  Attendee routes pass the authenticated attendee as the actor."""

from marshmallow import fields, validate

from contracts.rpc.networking import (
    DIRECTORY_CURSOR_LENGTH,
    DIRECTORY_MIN_QUERY,
    MEETING_STATUSES,
    REPORT_STATUSES,
    REQUEST_DIRECTIONS,
    AttendeeMeetingSchema,
    BlockSchema,
    ConnectionRequestPayload,
    ConnectionRequestSchema,
    ConnectionSchema,
    ConnectResultSchema,
    ConversationsPageSchema,
    DirectMessageSchema,
    DirectoryEntrySchema,
    DirectoryProfileSchema,
    FaqChangesPayload,
    FaqEntrySchema,
    FaqListSchema,
    FaqPayload,
    FaqQuery,
    HiddenSchema,
    InterestSchema,
    InterestsPayload,
    MeetingAcceptPayload,
    MeetingPayload,
    MessageBodyPayload,
    MyProfileSchema,
    NewDirectMessagePayload,
    PersonSchema,
    ProfilePayload,
    ReadMarkerSchema,
    ReportPayload,
    ReportResolutionPayload,
    ReportSchema,
    SettingsPayload,
    SettingsSchema,
    SilencePayload,
    SilenceSchema,
    SpeedStatusSchema,
    TableChangesPayload,
    TableJoinSchema,
    TableMessagePayload,
    TableMessageSchema,
    TablePayload,
    TableSchema,
)
from gateway.http import api, cacheable, created, read_json, read_query
from gateway.schemas import PageQuery, cursor_field, page_of
from plumbing.fields import SingleLine, Text


class DirectoryQuery(PageQuery):
    cursor = cursor_field(DIRECTORY_CURSOR_LENGTH)
    q = SingleLine(  # as networking's DirectoryQuery: one printable line, trimmed
        validate=validate.Length(min=DIRECTORY_MIN_QUERY, max=100),
        metadata={"description": f"name or organization, at least {DIRECTORY_MIN_QUERY} chars"},
    )
    interest = Text(validate=validate.Length(min=1, max=40))


class ConnectionRequestQuery(PageQuery):
    direction = fields.String(validate=validate.OneOf(REQUEST_DIRECTIONS))


class ReportQueueQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(REPORT_STATUSES))


class AttendeeMeetingsQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(MEETING_STATUSES))


def actor(attendee):
    """What networking needs of the authenticated attendee."""
    return {key: attendee[key] for key in ("attendee_id", "full_name", "email", "organization")}


def page_args(query):
    return {key: value for key, value in query.items() if value is not None}


class NetworkingRoutes:
    def me_actor(self, request):
        return actor(self.require_attendee(request))

    # -- interests, settings, my profile, the directory ---------------------------------

    @api(
        "GET",
        "/v1/networking/interests",
        "The interests attendees choose from (organizer-defined)",
        "directory",
        response=InterestSchema,
        many=True,
    )
    def list_interests(self, request):
        return cacheable(request, self.networking.list_interests(), self.program_cache_seconds)

    @api(
        "PUT",
        "/v1/networking/interests",
        "Replace the interest list (profiles keep only interests still on it)",
        "directory",
        auth="organizer",
        body=InterestsPayload,
        response=InterestSchema,
        many=True,
    )
    def replace_interests(self, request):
        self.require_organizer(request)
        payload = read_json(request, InterestsPayload, self.max_body_bytes)
        return self.networking.replace_interests(payload)

    @api(
        "GET",
        "/v1/networking/settings",
        "Networking settings (whether any two listed attendees may message)",
        "directory",
        response=SettingsSchema,
    )
    def networking_settings(self, request):
        return self.networking.get_settings()

    @api(
        "PATCH",
        "/v1/networking/settings",
        "Change networking settings",
        "directory",
        auth="organizer",
        body=SettingsPayload,
        response=SettingsSchema,
    )
    def update_networking_settings(self, request):
        self.require_organizer(request)
        payload = read_json(request, SettingsPayload, self.max_body_bytes)
        return self.networking.update_settings(payload)

    @api(
        "GET",
        "/v1/me/profile",
        "My networking profile",
        "directory",
        auth="attendee",
        response=MyProfileSchema,
    )
    def my_profile(self, request):
        return self.networking.get_my_profile(self.me_actor(request))

    @api(
        "PUT",
        "/v1/me/profile",
        "Set my networking profile; listed: false takes me out of the directory at once "
        "(404 for an interest not on GET /v1/networking/interests)",
        "directory",
        auth="attendee",
        body=ProfilePayload,
        response=MyProfileSchema,
        errors=[404],
    )
    def put_my_profile(self, request):
        me = self.me_actor(request)
        payload = read_json(request, ProfilePayload, self.max_body_bytes)
        return self.networking.put_my_profile(me, payload)

    @api(
        "GET",
        "/v1/directory",
        "Listed attendees by name (q: name or organization; interest: an interest id)",
        "directory",
        auth="attendee",
        query=DirectoryQuery,
        response=page_of(DirectoryEntrySchema),
    )
    def list_directory(self, request):
        me = self.me_actor(request)
        query = read_query(request, DirectoryQuery)
        return self.networking.list_directory(me, page_args(query))

    @api(
        "GET",
        "/v1/directory/<attendee_id>",
        "A listed attendee (email only between connected attendees)",
        "directory",
        auth="attendee",
        response=DirectoryProfileSchema,
        errors=[404, 422],
    )
    def directory_profile(self, request, attendee_id):
        me = self.me_actor(request)
        return self.networking.get_directory_profile(me, attendee_id)

    # -- connections -------------------------------------------------------------------

    @api(
        "POST",
        "/v1/me/connections",
        "Ask a listed attendee to connect (connected at once if they asked me first)",
        "connections",
        auth="attendee",
        body=ConnectionRequestPayload,
        response=ConnectResultSchema,
        status=201,
        errors=[404, 409, 429],
    )
    def request_connection(self, request):
        me = self.me_actor(request)
        payload = read_json(request, ConnectionRequestPayload, self.max_body_bytes)
        return created(self.networking.request_connection(me, payload))

    @api(
        "GET",
        "/v1/me/connections",
        "My connections, with their email",
        "connections",
        auth="attendee",
        query=PageQuery,
        response=page_of(ConnectionSchema),
    )
    def list_connections(self, request):
        me = self.me_actor(request)
        query = read_query(request, PageQuery)
        return self.networking.list_connections(me, query["limit"], query["cursor"])

    @api(
        "DELETE",
        "/v1/me/connections/<attendee_id>",
        "Remove a connection",
        "connections",
        auth="attendee",
        status=204,
        errors=[422],
    )
    def remove_connection(self, request, attendee_id):
        self.networking.remove_connection(self.me_actor(request), attendee_id)
        return 204, None

    @api(
        "GET",
        "/v1/me/connection-requests",
        "Pending requests to me (incoming, the default) or from me (outgoing)",
        "connections",
        auth="attendee",
        query=ConnectionRequestQuery,
        response=page_of(ConnectionRequestSchema),
    )
    def list_connection_requests(self, request):
        me = self.me_actor(request)
        query = read_query(request, ConnectionRequestQuery)
        return self.networking.list_connection_requests(me, page_args(query))

    @api(
        "POST",
        "/v1/me/connection-requests/<request_id>/accept",
        "Accept a connection request",
        "connections",
        auth="attendee",
        response=ConnectionRequestSchema,
        errors=[404, 409, 422],
    )
    def accept_connection(self, request, request_id):
        return self.networking.answer_connection_request(self.me_actor(request), request_id, True)

    @api(
        "POST",
        "/v1/me/connection-requests/<request_id>/decline",
        "Decline a connection request",
        "connections",
        auth="attendee",
        response=ConnectionRequestSchema,
        errors=[404, 409, 422],
    )
    def decline_connection(self, request, request_id):
        return self.networking.answer_connection_request(self.me_actor(request), request_id, False)

    @api(
        "DELETE",
        "/v1/me/connection-requests/<request_id>",
        "Withdraw my connection request",
        "connections",
        auth="attendee",
        status=204,
        errors=[422],
    )
    def withdraw_connection_request(self, request, request_id):
        self.networking.withdraw_connection_request(self.me_actor(request), request_id)
        return 204, None

    # -- direct messages ---------------------------------------------------------------

    @api(
        "POST",
        "/v1/me/messages",
        "Message a connection (or any listed attendee when the organizers allow it)",
        "messages",
        auth="attendee",
        body=NewDirectMessagePayload,
        response=DirectMessageSchema,
        status=201,
        errors=[404, 429],
    )
    def send_direct_message(self, request):
        me = self.me_actor(request)
        payload = read_json(request, NewDirectMessagePayload, self.max_body_bytes)
        return created(self.networking.send_direct_message(me, payload))

    @api(
        "GET",
        "/v1/me/conversations",
        "My conversations, latest activity first, with unread counts",
        "messages",
        auth="attendee",
        query=PageQuery,
        response=ConversationsPageSchema,
    )
    def list_conversations(self, request):
        me = self.me_actor(request)
        query = read_query(request, PageQuery)
        return self.networking.list_conversations(me, query["limit"], query["cursor"])

    @api(
        "GET",
        "/v1/me/conversations/<conversation_id>/messages",
        "A conversation's messages, newest first",
        "messages",
        auth="attendee",
        query=PageQuery,
        response=page_of(DirectMessageSchema),
        errors=[404],
    )
    def list_conversation_messages(self, request, conversation_id):
        me = self.me_actor(request)
        query = read_query(request, PageQuery)
        return self.networking.list_conversation_messages(
            me, conversation_id, query["limit"], query["cursor"]
        )

    @api(
        "POST",
        "/v1/me/conversations/<conversation_id>/messages",
        "Write in a conversation",
        "messages",
        auth="attendee",
        body=MessageBodyPayload,
        response=DirectMessageSchema,
        status=201,
        errors=[404, 429],
    )
    def post_to_conversation(self, request, conversation_id):
        me = self.me_actor(request)
        payload = read_json(request, MessageBodyPayload, self.max_body_bytes)
        return created(self.networking.post_to_conversation(me, conversation_id, payload))

    @api(
        "POST",
        "/v1/me/conversations/<conversation_id>/read",
        "Mark a conversation read up to now",
        "messages",
        auth="attendee",
        response=ReadMarkerSchema,
        errors=[404, 422],
    )
    def mark_conversation_read(self, request, conversation_id):
        return self.networking.mark_conversation_read(self.me_actor(request), conversation_id)

    # -- blocks and reports ------------------------------------------------------------

    @api(
        "GET",
        "/v1/me/blocks",
        "The attendees I blocked",
        "safety",
        auth="attendee",
        response=BlockSchema,
        many=True,
    )
    def list_blocks(self, request):
        return self.networking.list_blocks(self.me_actor(request))

    @api(
        "PUT",
        "/v1/me/blocks/<attendee_id>",
        "Block an attendee: each disappears for the other everywhere (403 for oneself)",
        "safety",
        auth="attendee",
        response=BlockSchema,
        errors=[404, 422],
    )
    def block(self, request, attendee_id):
        return self.networking.block(self.me_actor(request), attendee_id)

    @api(
        "DELETE",
        "/v1/me/blocks/<attendee_id>",
        "Unblock an attendee",
        "safety",
        auth="attendee",
        status=204,
        errors=[422],
    )
    def unblock(self, request, attendee_id):
        self.networking.unblock(self.me_actor(request), attendee_id)
        return 204, None

    @api(
        "POST",
        "/v1/reports",
        "Report a person or a message to the organizers (403 for oneself or one's own message)",
        "safety",
        auth="attendee",
        body=ReportPayload,
        response=ReportSchema,
        status=201,
        errors=[404],
    )
    def report(self, request):
        me = self.me_actor(request)
        payload = read_json(request, ReportPayload, self.max_body_bytes)
        return created(self.networking.report(me, payload))

    # -- moderation (organizers) -------------------------------------------------------

    @api(
        "GET",
        "/v1/networking/reports",
        "The report queue, oldest first (status: open by default)",
        "moderation",
        auth="organizer",
        query=ReportQueueQuery,
        response=page_of(ReportSchema),
    )
    def list_reports(self, request):
        self.require_organizer(request)
        query = read_query(request, ReportQueueQuery)
        return self.networking.list_reports(page_args(query))

    @api(
        "POST",
        "/v1/networking/reports/<report_id>/resolve",
        "Resolve or dismiss a report",
        "moderation",
        auth="organizer",
        body=ReportResolutionPayload,
        response=ReportSchema,
        errors=[404, 409],
    )
    def resolve_report(self, request, report_id):
        self.require_organizer(request)
        payload = read_json(request, ReportResolutionPayload, self.max_body_bytes)
        return self.networking.resolve_report(report_id, payload)

    @api(
        "POST",
        "/v1/networking/messages/<message_id>/hide",
        "Hide a direct or table message for everyone",
        "moderation",
        auth="organizer",
        response=HiddenSchema,
        errors=[404, 422],
    )
    def hide_message(self, request, message_id):
        self.require_organizer(request)
        return self.networking.set_message_hidden(message_id, True)

    @api(
        "POST",
        "/v1/networking/messages/<message_id>/unhide",
        "Show a hidden message again",
        "moderation",
        auth="organizer",
        response=HiddenSchema,
        errors=[404, 422],
    )
    def unhide_message(self, request, message_id):
        self.require_organizer(request)
        return self.networking.set_message_hidden(message_id, False)

    @api(
        "GET",
        "/v1/networking/silences",
        "Attendees whose messaging is paused",
        "moderation",
        auth="organizer",
        query=PageQuery,
        response=page_of(SilenceSchema),
    )
    def list_silences(self, request):
        self.require_organizer(request)
        query = read_query(request, PageQuery)
        return self.networking.list_silences(query["limit"], query["cursor"])

    @api(
        "PUT",
        "/v1/networking/silences/<attendee_id>",
        "Pause an attendee's messaging for the event (they still read)",
        "moderation",
        auth="organizer",
        body=SilencePayload,
        response=SilenceSchema,
        errors=[404],
    )
    def silence(self, request, attendee_id):
        self.require_organizer(request)
        payload = read_json(request, SilencePayload, self.max_body_bytes)
        return self.networking.silence(attendee_id, payload)

    @api(
        "DELETE",
        "/v1/networking/silences/<attendee_id>",
        "Let a silenced attendee write again",
        "moderation",
        auth="organizer",
        status=204,
        errors=[422],
    )
    def lift_silence(self, request, attendee_id):
        self.require_organizer(request)
        self.networking.lift_silence(attendee_id)
        return 204, None

    # -- meetings between attendees ----------------------------------------------------

    @api(
        "POST",
        "/v1/me/meetings",
        "Propose a meeting to a listed attendee (1 to 5 slots, none overlapping either "
        "agenda or accepted meetings)",
        "meetings",
        auth="attendee",
        body=MeetingPayload,
        response=AttendeeMeetingSchema,
        status=201,
        errors=[404, 429],
    )
    def propose_meeting(self, request):
        me = self.me_actor(request)
        payload = read_json(request, MeetingPayload, self.max_body_bytes)
        return created(self.networking.propose_meeting(me, payload))

    @api(
        "GET",
        "/v1/me/meetings",
        "Meetings I proposed or was invited to, newest first",
        "meetings",
        auth="attendee",
        query=AttendeeMeetingsQuery,
        response=page_of(AttendeeMeetingSchema),
    )
    def list_attendee_meetings(self, request):
        me = self.me_actor(request)
        query = read_query(request, AttendeeMeetingsQuery)
        return self.networking.list_meetings(me, page_args(query))

    @api(
        "POST",
        "/v1/me/meetings/<meeting_id>/accept",
        "Accept one of the proposed slots (the invitee)",
        "meetings",
        auth="attendee",
        body=MeetingAcceptPayload,
        response=AttendeeMeetingSchema,
        errors=[404, 409],
    )
    def accept_meeting(self, request, meeting_id):
        me = self.me_actor(request)
        payload = read_json(request, MeetingAcceptPayload, self.max_body_bytes)
        return self.networking.accept_meeting(me, meeting_id, payload)

    @api(
        "POST",
        "/v1/me/meetings/<meeting_id>/decline",
        "Decline a proposed meeting (the invitee)",
        "meetings",
        auth="attendee",
        response=AttendeeMeetingSchema,
        errors=[404, 409, 422],
    )
    def decline_meeting(self, request, meeting_id):
        return self.networking.decline_meeting(self.me_actor(request), meeting_id)

    @api(
        "POST",
        "/v1/me/meetings/<meeting_id>/cancel",
        "Cancel a proposed or accepted meeting (either of the two)",
        "meetings",
        auth="attendee",
        response=AttendeeMeetingSchema,
        errors=[404, 409, 422],
    )
    def cancel_meeting(self, request, meeting_id):
        return self.networking.cancel_meeting(self.me_actor(request), meeting_id)

    # -- networking tables -------------------------------------------------------------

    @api(
        "GET",
        "/v1/sessions/<session_id>/tables",
        "The topic tables of a networking session, with who is present",
        "tables",
        auth="attendee",
        response=TableSchema,
        many=True,
        errors=[404, 409, 422],
    )
    def list_tables(self, request, session_id):
        self.require_attendee(request)
        return self.networking.list_tables(session_id)

    @api(
        "POST",
        "/v1/sessions/<session_id>/tables",
        "Set up a table in a networking session",
        "tables",
        auth="organizer",
        body=TablePayload,
        response=TableSchema,
        status=201,
        errors=[404, 409],
    )
    def create_table(self, request, session_id):
        self.require_organizer(request)
        payload = read_json(request, TablePayload, self.max_body_bytes)
        return created(self.networking.create_table(session_id, payload))

    @api(
        "PATCH",
        "/v1/tables/<table_id>",
        "Change a table's topic or capacity",
        "tables",
        auth="organizer",
        body=TableChangesPayload,
        response=TableSchema,
        errors=[404],
    )
    def update_table(self, request, table_id):
        self.require_organizer(request)
        payload = read_json(request, TableChangesPayload, self.max_body_bytes)
        return self.networking.update_table(table_id, payload)

    @api(
        "DELETE",
        "/v1/tables/<table_id>",
        "Remove a table",
        "tables",
        auth="organizer",
        status=204,
        errors=[422],
    )
    def remove_table(self, request, table_id):
        self.require_organizer(request)
        self.networking.remove_table(table_id)
        return 204, None

    @api(
        "POST",
        "/v1/tables/<table_id>/join",
        "Sit at a table (repeat within heartbeat_seconds to stay present); its room URL",
        "tables",
        auth="attendee",
        response=TableJoinSchema,
        errors=[404, 409, 422],
    )
    def join_table(self, request, table_id):
        return self.networking.join_table(self.me_actor(request), table_id)

    @api(
        "POST",
        "/v1/tables/<table_id>/leave",
        "Leave a table",
        "tables",
        auth="attendee",
        status=204,
        errors=[404, 422],
    )
    def leave_table(self, request, table_id):
        self.networking.leave_table(self.me_actor(request), table_id)
        return 204, None

    @api(
        "GET",
        "/v1/tables/<table_id>/participants",
        "Who sits at a table now",
        "tables",
        auth="attendee",
        response=PersonSchema,
        many=True,
        errors=[404, 422],
    )
    def table_participants(self, request, table_id):
        return self.networking.table_participants(self.me_actor(request), table_id)

    @api(
        "GET",
        "/v1/tables/<table_id>/messages",
        "A table's chat, newest first",
        "tables",
        auth="attendee",
        query=PageQuery,
        response=page_of(TableMessageSchema),
        errors=[404],
    )
    def list_table_messages(self, request, table_id):
        me = self.me_actor(request)
        query = read_query(request, PageQuery)
        return self.networking.list_table_messages(me, table_id, query["limit"], query["cursor"])

    @api(
        "POST",
        "/v1/tables/<table_id>/messages",
        "Write in a table's chat (those sitting there)",
        "tables",
        auth="attendee",
        body=TableMessagePayload,
        response=TableMessageSchema,
        status=201,
        errors=[404, 409, 429],
    )
    def post_table_message(self, request, table_id):
        me = self.me_actor(request)
        payload = read_json(request, TableMessagePayload, self.max_body_bytes)
        return created(self.networking.post_table_message(me, table_id, payload))

    # -- speed networking --------------------------------------------------------------

    @api(
        "POST",
        "/v1/sessions/<session_id>/speed-networking/queue",
        "Queue for speed networking; answers waiting or my round",
        "speed networking",
        auth="attendee",
        response=SpeedStatusSchema,
        status=202,
        errors=[404, 409, 422],
    )
    def join_speed_queue(self, request, session_id):
        return 202, self.networking.join_speed_queue(self.me_actor(request), session_id)

    @api(
        "DELETE",
        "/v1/sessions/<session_id>/speed-networking/queue",
        "Leave the speed-networking queue",
        "speed networking",
        auth="attendee",
        status=204,
        errors=[422],
    )
    def leave_speed_queue(self, request, session_id):
        self.networking.leave_speed_queue(self.me_actor(request), session_id)
        return 204, None

    @api(
        "GET",
        "/v1/sessions/<session_id>/speed-networking/me",
        "Where I stand: idle, waiting, or paired (partner, room URL, end)",
        "speed networking",
        auth="attendee",
        response=SpeedStatusSchema,
        errors=[404, 409, 422],
    )
    def speed_status(self, request, session_id):
        return self.networking.speed_status(self.me_actor(request), session_id)

    @api(
        "POST",
        "/v1/speed-rounds/<round_id>/connect",
        "Connect with my partner of a round",
        "speed networking",
        auth="attendee",
        response=ConnectResultSchema,
        errors=[404, 409, 422, 429],
    )
    def connect_after_round(self, request, round_id):
        return self.networking.connect_after_round(self.me_actor(request), round_id)

    # -- the FAQ -----------------------------------------------------------------------

    @api(
        "GET",
        "/v1/faq",
        "The FAQ (published entries; q searches questions and answers)",
        "faq",
        query=FaqQuery,
        response=FaqListSchema,
    )
    def list_faq(self, request):
        query = read_query(request, FaqQuery)
        page = self.networking.list_faq(page_args(query))
        return cacheable(request, page, self.program_cache_seconds)

    @api(
        "GET",
        "/v1/networking/faq",
        "Every FAQ entry, drafts too",
        "faq",
        auth="organizer",
        response=FaqListSchema,
    )
    def list_all_faq(self, request):
        self.require_organizer(request)
        return self.networking.list_faq(None, True)

    @api(
        "POST",
        "/v1/faq",
        "Add a FAQ entry",
        "faq",
        auth="organizer",
        body=FaqPayload,
        response=FaqEntrySchema,
        status=201,
    )
    def create_faq_entry(self, request):
        self.require_organizer(request)
        payload = read_json(request, FaqPayload, self.max_body_bytes)
        return created(self.networking.create_faq_entry(payload))

    @api(
        "PATCH",
        "/v1/faq/<entry_id>",
        "Change a FAQ entry",
        "faq",
        auth="organizer",
        body=FaqChangesPayload,
        response=FaqEntrySchema,
        errors=[404],
    )
    def update_faq_entry(self, request, entry_id):
        self.require_organizer(request)
        payload = read_json(request, FaqChangesPayload, self.max_body_bytes)
        return self.networking.update_faq_entry(entry_id, payload)

    @api(
        "DELETE",
        "/v1/faq/<entry_id>",
        "Remove a FAQ entry",
        "faq",
        auth="organizer",
        status=204,
        errors=[422],
    )
    def delete_faq_entry(self, request, entry_id):
        self.require_organizer(request)
        self.networking.delete_faq_entry(entry_id)
        return 204, None
