"""docs/events.md is generated from the event schemas; it must not drift from them."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_event_catalog_is_current():
    result = subprocess.run(
        [sys.executable, "scripts/event_catalog.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_event_in_the_catalog_has_a_documented_envelope():
    catalog = (ROOT / "docs" / "events.md").read_text()
    for event_type in (
        "attendee_registered",
        "session_starting",
        "lead_captured",
        "exhibitor_created",
        "webhook_delivery_failed",
    ):
        assert f"## `{event_type}`" in catalog
