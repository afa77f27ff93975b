"""Values both sides of a border must agree on. Adding a value is a contract change:
every consumer of the field must accept it first."""

# registration
TICKET_TYPES = ("member", "non_member", "student", "speaker", "exhibitor_staff", "complimentary")
ATTENDEE_REGISTERED, ATTENDEE_CANCELLED, ATTENDEE_ERASED = "registered", "cancelled", "erased"
ATTENDEE_STATUSES = (ATTENDEE_REGISTERED, ATTENDEE_CANCELLED, ATTENDEE_ERASED)
# who cancelled a registration
BY_ATTENDEE, BY_ORGANIZER = "attendee", "organizer"
CANCELLERS = (BY_ATTENDEE, BY_ORGANIZER)

# sessions
SESSION_KINDS = ("keynote", "panel", "workshop", "networking", "expo-hours")
SESSION_SCHEDULED, SESSION_STARTING, SESSION_LIVE = "scheduled", "starting", "live"
SESSION_ENDED, SESSION_CANCELLED = "ended", "cancelled"
SESSION_STATUSES = (
    SESSION_SCHEDULED,
    SESSION_STARTING,
    SESSION_LIVE,
    SESSION_ENDED,
    SESSION_CANCELLED,
)
CHAT, QUESTION = "chat", "question"
MESSAGE_KINDS = (CHAT, QUESTION)

# expo
TIERS = ("platinum", "gold", "silver", "standard")
VISIT, DOWNLOAD, MEETING_REQUEST = "visit", "download", "meeting_request"
INTERACTION_KINDS = (VISIT, DOWNLOAD, MEETING_REQUEST)
MEETING_PENDING, MEETING_ACCEPTED = "pending", "accepted"
MEETING_DECLINED, MEETING_WITHDRAWN = "declined", "withdrawn"
MEETING_STATUSES = (MEETING_PENDING, MEETING_ACCEPTED, MEETING_DECLINED, MEETING_WITHDRAWN)
MEETING_ANSWERS = (MEETING_ACCEPTED, MEETING_DECLINED)

# notifications: what an exhibitor's webhook endpoint may subscribe to
WEBHOOK_EVENT_TYPES = ("lead.captured", "lead.updated", "meeting.requested", "meeting.answered")
