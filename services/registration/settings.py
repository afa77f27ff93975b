"""Registration's own settings and their defaults (plumbing.config merges them)."""

SETTINGS = {
    "ACCESS_TOKEN_TTL_HOURS": 24 * 30,
    # passwordless login: a mailed one-time code lives this long and allows this many tries
    "LOGIN_CODE_TTL_SECONDS": 900,
    "LOGIN_CODE_MAX_ATTEMPTS": 5,
    # codes live at once per attendee; a request beyond it mails nothing (the live
    # codes still work, so asking for codes never locks the owner out)
    "LOGIN_CODE_MAX_LIVE": 3,
}
