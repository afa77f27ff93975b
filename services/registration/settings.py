"""Registration's own settings and their defaults (plumbing.config merges them)."""

SETTINGS = {
    "ACCESS_TOKEN_TTL_HOURS": 24 * 30,
    # passwordless login: a mailed one-time code lives this long and allows this many tries
    "LOGIN_CODE_TTL_SECONDS": 900,
    "LOGIN_CODE_MAX_ATTEMPTS": 5,
}
