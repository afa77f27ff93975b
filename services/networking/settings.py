"""The networking service's own settings and their defaults (plumbing.config merges
them)."""

SETTINGS = {
    # pending connection requests expire after this many days
    "CONNECTION_REQUEST_TTL_DAYS": 14,
    # rate limits per sender, counted from its own rows (so across replicas)
    "DM_RATE_LIMIT": "20/minute;300/hour",
    "CONNECTION_REQUEST_RATE_LIMIT": "30/hour;100/day",
    "MEETING_PROPOSAL_RATE_LIMIT": "20/hour",
    "TABLE_MESSAGE_RATE_LIMIT": "10/minute",
    # meetings between attendees lie within the event (ISO 8601 with offset; empty: no bound)
    "NETWORKING_EVENT_STARTS_AT": "",
    "NETWORKING_EVENT_ENDS_AT": "",
    # the video room of a table, a speed round or a meeting; {room} is its id
    "NETWORKING_ROOM_URL_TEMPLATE": "https://meet.jit.si/plenary-{room}",
    # tables and the speed-networking queue open this long before a networking session
    "NETWORKING_DOORS_OPEN_SECONDS": 900,
    # a table participant counts as present this long after their last join
    "TABLE_HEARTBEAT_SECONDS": 60,
    "SPEED_ROUND_SECONDS": 300,
    # the same two people are not paired again within this long
    "SPEED_REMATCH_SECONDS": 3600,
    "SPEED_PAIRING_INTERVAL": 2.0,
}
