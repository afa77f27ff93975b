"""Drills: the platform's real processes under real faults (``make drills``).

Each drill starts the services as separate ``plenary run <service>`` processes against
the real RabbitMQ and PostgreSQL (a vhost and databases of its own, dropped after),
injects one fault, and counts at the edges what was sent and what arrived: mails per
recipient at an SMTP sink, webhooks per ``webhook-id`` at receivers, rows per key in
the databases. ``python -m drills`` prints one line per drill and exits 0 only when
nothing was lost, doubled or unexpected.
"""
