"""The notifications service's own settings and their defaults (plumbing.config merges
them)."""

SETTINGS = {
    "SMTP_HOST": "127.0.0.1",
    "SMTP_PORT": 1025,
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": "false",
    "MAIL_FROM": "Plenary <no-reply@plenary.local>",
    "OUTGOING_POLL_INTERVAL": 1.0,
    "EMAIL_RETRY_DELAYS_SECONDS": "30,120,600,1800",
    # a connection or a whole send that takes longer is cut (and retried later)
    "SMTP_TIMEOUT_SECONDS": 30,
    # one lease covers a batch of emails: none is handed to SMTP with less than two SMTP
    # timeouts of it left (at least 3 x SMTP_TIMEOUT_SECONDS). A crash delays the
    # leased emails not yet sent by up to this much
    "EMAIL_LEASE_SECONDS": 120,
    # SMTP sessions a replica sends on at once while a backlog lasts (each with its own
    # lease of EMAIL_BATCH_SIZE mails and its own database connection)
    "SMTP_CONNECTIONS": 4,
    "WEBHOOK_TIMEOUT_SECONDS": 10,
    "WEBHOOK_RETRY_DELAYS_SECONDS": "5,30,120,600,1800,3600,10800,21600,43200,86400",
    "WEBHOOK_ALLOW_PRIVATE_URLS": "false",
    # an endpoint failing this long (since its last success) is disabled: 3 days
    "WEBHOOK_DISABLE_AFTER_SECONDS": 3 * 24 * 3600,
    # after a secret rotation the old secret keeps signing (a second signature) this long
    "WEBHOOK_SECRET_OVERLAP_SECONDS": 24 * 3600,
    # green threads sending webhooks (each records its attempt on the service's pool)
    "WEBHOOK_SENDERS": 100,
    # how often due deliveries are claimed (a full claim is followed by another at once)
    "WEBHOOK_POLL_INTERVAL": 0.2,
    # senders one healthy endpoint may hold at once
    "WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT": 5,
    # a failing endpoint (last attempt failed) or a slow one (a delivery in flight longer
    # than WEBHOOK_SLOW_SECONDS) holds one sender, and all of them together this many:
    # hanging receivers cannot take the senders the healthy ones need
    "WEBHOOK_FAILING_SENDERS": 10,
    "WEBHOOK_SLOW_SECONDS": 2.0,
    # recipients per notification_batch message of a fan-out
    "FANOUT_BATCH_SIZE": 1000,
    # at most one direct-message email per recipient per window
    "DM_EMAIL_WINDOW_SECONDS": 900,
}
