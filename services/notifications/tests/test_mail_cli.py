"""``plenary mail``: an operator lists, inspects and retries parked emails."""

from datetime import UTC, datetime

from plumbing.cli import main
from services.notifications.models import OutgoingEmail


def email(n, status, error=None):
    now = datetime.now(UTC)
    return OutgoingEmail(
        id=f"mail-{n}",
        to_address=f"member{n}@example.org",
        subject=f"Hello\u2028{n}",
        text_body="Hello\n",
        html_body="<p>Hello</p>",
        status=status,
        attempts=1,
        last_error=error,
        created_at=now,
        dedupe_key=f"cli:{n}",
    )


def test_list_show_and_retry(database_url, db_session, monkeypatch, capsys):
    monkeypatch.setenv("NOTIFICATIONS_DATABASE_URL", database_url("notifications"))
    db = db_session("notifications")
    db.add_all([email(1, "failed", "ValueError: Subject holds U+2028"), email(2, "sent")])
    db.add(email(3, "failed", "SMTPRecipientsRefused: 550 no such user"))
    db.commit()

    main(["mail", "list"])
    listed = capsys.readouterr().out
    assert "mail-1" in listed and "mail-3" in listed and "mail-2" not in listed
    assert "U+2028" in listed

    main(["mail", "show", "mail-1"])
    shown = capsys.readouterr().out
    assert "Hello\\u20281" in shown and "ValueError" in shown

    main(["mail", "retry", "mail-3"])
    assert "1 email(s)" in capsys.readouterr().out
    db.expire_all()
    retried = db.get(OutgoingEmail, "mail-3")
    assert (retried.status, retried.attempts) == ("pending", 0)
    assert db.get(OutgoingEmail, "mail-1").status == "failed"
