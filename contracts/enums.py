"""Values both sides of a border must agree on. Adding a value is a contract change:
every consumer of the field must accept it first."""

# registration
TICKET_TYPES = ("member", "non_member", "student", "speaker", "exhibitor_staff", "complimentary")
# anyone may choose a public type; a restricted one needs a code the organizer issued
PUBLIC_TICKET_TYPES = ("member", "non_member", "student")
RESTRICTED_TICKET_TYPES = tuple(t for t in TICKET_TYPES if t not in PUBLIC_TICKET_TYPES)
ATTENDEE_REGISTERED, ATTENDEE_CANCELLED, ATTENDEE_ERASED = "registered", "cancelled", "erased"
ATTENDEE_STATUSES = (ATTENDEE_REGISTERED, ATTENDEE_CANCELLED, ATTENDEE_ERASED)
# why a login code is mailed: asked for, a new registration to confirm, or a registration
# attempt with an address already registered (its owner is told, the stranger is not)
LOGIN_SIGN_IN, LOGIN_NEW_REGISTRATION, LOGIN_ALREADY_REGISTERED = (
    "sign_in",
    "new_registration",
    "already_registered",
)
LOGIN_PURPOSES = (LOGIN_SIGN_IN, LOGIN_NEW_REGISTRATION, LOGIN_ALREADY_REGISTERED)
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
WEBHOOK_EVENT_TYPES = (
    "lead.captured",
    "lead.updated",
    "lead.withdrawn",
    "lead.erased",
    "meeting.requested",
    "meeting.answered",
)
# GDPR Art. 19: an endpoint that received a lead is told when its attendee withdraws
# consent or is erased, whatever it subscribed to; the receiver must delete the lead
LEAD_WITHDRAWN, LEAD_ERASED = "lead.withdrawn", "lead.erased"
