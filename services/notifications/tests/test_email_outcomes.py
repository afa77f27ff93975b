"""Each outgoing email has its own outcome: a message that cannot be built is parked
failed with the reason, and the mails around it are sent once (issue 12, defect 1)."""

import collections
import time
from datetime import UTC, datetime

from sqlalchemy import select

from plumbing.testing import wait_until
from services.notifications.models import OutgoingEmail

HOSTILE_SUBJECTS = ["Keynote\u2028moved", "Agenda\x1e", "Hello\r\nBcc: everyone@example.org"]


def pending_email(address, subject="Your registration is confirmed"):
    now = datetime.now(UTC)
    return OutgoingEmail(
        to_address=address,
        subject=subject,
        text_body="Hello\n",
        html_body="<p>Hello</p>",
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        dedupe_key=f"test:{address}",
    )


def test_a_hostile_subject_blocks_nothing_and_repeats_nothing(notifications, smtp_sink, db_session):
    db = db_session("notifications")
    good = [f"member{n}@example.org" for n in range(5)]
    hostile = [f"hostile{n}@example.org" for n in range(len(HOSTILE_SUBJECTS))]
    # the hostile ones first: due first, so the timer meets them before the others
    db.add_all(pending_email(a, s) for a, s in zip(hostile, HOSTILE_SUBJECTS, strict=True))
    db.add_all(pending_email(address) for address in good)
    db.commit()

    notifications(SMTP_PORT=smtp_sink.port)

    def received():
        return collections.Counter(m["To"] for m in smtp_sink.messages())

    wait_until(lambda: set(received()) >= set(good), timeout=10, what="every good mail")
    time.sleep(1.5)  # fifteen more polls: nothing may come twice
    assert received() == collections.Counter(good)

    def parked():
        db.rollback()
        return db.scalars(select(OutgoingEmail).where(OutgoingEmail.to_address.in_(hostile))).all()

    rows = wait_until(
        lambda: all(row.status == "failed" for row in parked()) and parked(),
        timeout=10,
        what="the hostile mails parked",
    )
    assert all("linefeed" in row.last_error or "ValueError" in row.last_error for row in rows)
