"""Values both sides of a border must agree on. Adding a value is a contract change:
every consumer of the field must accept it first."""

# registration
TICKET_TYPES = ("member", "non_member", "student", "speaker", "exhibitor_staff", "complimentary")
ATTENDEE_STATUSES = ("registered", "cancelled", "erased")

# sessions
SESSION_KINDS = ("keynote", "panel", "workshop", "networking", "expo-hours")
SESSION_STATUSES = ("scheduled", "starting", "live", "ended", "cancelled")
MESSAGE_KINDS = ("chat", "question")

# expo
TIERS = ("platinum", "gold", "silver", "standard")
INTERACTION_KINDS = ("visit", "download", "meeting_request")
MEETING_STATUSES = ("pending", "accepted", "declined", "withdrawn")
MEETING_ANSWERS = ("accepted", "declined")

# notifications: what an exhibitor's webhook endpoint may subscribe to
WEBHOOK_EVENT_TYPES = ("lead.captured", "lead.updated", "meeting.requested", "meeting.answered")
