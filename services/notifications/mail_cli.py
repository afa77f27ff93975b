"""Operator tooling for parked emails (status failed: unbuildable, refused for good by
SMTP, or out of attempts), like ``plenary dlq`` for parked messages:

    plenary mail list [--limit N]     parked emails, newest first, with the reason
    plenary mail show ID              one email: headers, reason, attempts, text body
    plenary mail retry ID [ID ...]    send them again (attempts start over)
    plenary mail retry --all --yes    every parked email
"""

import sys

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from plumbing.config import env_config
from plumbing.db import create_db_engine
from plumbing.events import utcnow
from services.notifications.models import OutgoingEmail


def session():
    engine = create_db_engine(env_config("notifications")["DATABASE_URL"], pool_size=1)
    return Session(engine)


def parked(db, limit):
    return db.scalars(
        select(OutgoingEmail)
        .where(OutgoingEmail.status == "failed")
        .order_by(OutgoingEmail.created_at.desc(), OutgoingEmail.id)
        .limit(limit)
    ).all()


def retry(db, ids=None):
    """Put parked emails back in line; returns how many."""
    query = update(OutgoingEmail).where(OutgoingEmail.status == "failed")
    if ids is not None:
        query = query.where(OutgoingEmail.id.in_(ids))
    count = db.execute(
        query.values(status="pending", attempts=0, next_attempt_at=utcnow())
    ).rowcount
    db.commit()
    return count


def _list(db, args):
    for email in parked(db, args.limit):
        reason = (email.last_error or "").replace("\n", " ")[:80]
        print(
            f"{email.id}  {email.created_at:%Y-%m-%d %H:%M}  {email.attempts:2d}  "
            f"{email.kind:<24.24}  {email.to_address}  {reason}"
        )


def _show(db, args):
    email = db.get(OutgoingEmail, args.ids[0]) if args.ids else None
    if email is None:
        sys.exit("no such email")
    for label, value in (
        ("id", email.id),
        ("status", email.status),
        ("kind", email.kind),
        ("to", email.to_address),
        ("subject", ascii(email.subject)),  # a hostile character shows as an escape
        ("attempts", email.attempts),
        ("created", email.created_at),
        ("reason", email.last_error),
    ):
        print(f"{label:>9}: {value}")
    print("\n" + email.text_body[:2000])


def _retry(db, args):
    if args.all:
        if not args.yes:
            sys.exit("retry --all sends every parked email again: add --yes")
        print(f"{retry(db)} email(s) back in line")
    elif args.ids:
        print(f"{retry(db, args.ids)} email(s) back in line")
    else:
        sys.exit("name the emails to retry (or --all --yes)")


ACTIONS = {"list": _list, "show": _show, "retry": _retry}


def _run(args):
    with session() as db:
        ACTIONS[args.action](db, args)


def add_commands(subparsers):
    parser = subparsers.add_parser("mail", help="parked emails: list, show, retry")
    parser.add_argument("action", choices=sorted(ACTIONS))
    parser.add_argument("ids", nargs="*")
    parser.add_argument("--limit", type=int, default=100)
    parser.add_argument("--all", action="store_true")
    parser.add_argument("--yes", action="store_true")
    parser.set_defaults(func=_run)
