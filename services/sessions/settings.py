"""The sessions service's own settings and their defaults (plumbing.config merges them)."""

SETTINGS = {
    "SESSION_CLOCK_INTERVAL": 5.0,
    # a joined attendee counts as present this long after their last join
    "ATTENDANCE_HEARTBEAT_SECONDS": 60,
}
