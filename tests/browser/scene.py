"""Setting the scene for the browser journeys over the API, and the one place that knows
how a person registers and gets signed in (in the page and over the API): when
registration changes (e.g. 202 and a sign-in code instead of a token), adapt
``register`` and ``register_in_browser`` here and every journey follows."""

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from plumbing.testing import wait_until
from tests.conftest import ORGANIZER_TOKEN

ATTENDEE_TOKEN_KEY = "plenary.attendee_token"  # web/src/api/client.ts keeps it there
LIVE_TIMEOUT_MS = 20000


def schedule(api, title, starts_in, track="rebuild", minutes=60):
    starts_at = datetime.now(UTC) + starts_in
    response = api.post(
        "/v1/sessions",
        token=ORGANIZER_TOKEN,
        json={
            "title": title,
            "abstract": "Lessons learned from the flood.",
            "track": track,
            "kind": "panel",
            "starts_at": starts_at.isoformat(),
            "ends_at": (starts_at + timedelta(minutes=minutes)).isoformat(),
            "speakers": [{"name": "Ada Curator", "organization": "City Museum", "bio": ""}],
            "capacity": 300,
            "stream_url": "https://stream.example.org/rebuild",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def create_exhibitor(api, name="Archival Co"):
    response = api.post(
        "/v1/exhibitors",
        token=ORGANIZER_TOKEN,
        json={
            "name": name,
            "description": "Boxes that last a century",
            "tier": "gold",
            "website": "https://archival.example",
            "products": [
                {
                    "name": "Acid-free box",
                    "description": "For paper",
                    "resource_url": "https://archival.example/box.pdf",
                }
            ],
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def mailed_code(smtp_sink, address, subject="sign-in"):
    """The 8-digit code in the latest mail to ``address`` whose subject has ``subject``."""

    def code():
        for message in reversed(smtp_sink.messages()):
            if message["To"] == address and subject in message["Subject"]:
                for part in message.walk():
                    if part.get_content_type() == "text/plain":
                        text = part.get_payload(decode=True).decode()
                        if found := re.search(r"\b(\d{8})\b", text):
                            return found.group(1)
        return None

    return wait_until(code, timeout=15, what=f"a sign-in code mailed to {address}")


def register(api, email, name, consent=True):
    """Register over the API (202, no token) and sign in with the mailed code; journeys
    use the answer's ``access_token`` only."""
    return api.sign_up(
        {
            "email": email,
            "full_name": name,
            "organization": "Museum of Flight",
            "consent": {"share_with_exhibitors": consent},
        }
    )


def register_in_browser(journey, smtp_sink, email, name, organization):
    """Register through the page, sharing details with exhibitors, and enter the code
    mailed to confirm the address (no token comes back from registering); ends on the
    program."""
    page = journey.page
    page.get_by_role("link", name="Register").first.click()
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Full name", exact=True).fill(name)
    page.get_by_label("Organization", exact=True).fill(organization)
    page.get_by_label(re.compile("Share my name")).check()
    journey.visit("register")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    code = mailed_code(smtp_sink, email, subject="Confirm your Plenary registration")
    page.get_by_label("8-digit code from the email").fill(code)
    journey.visit("register-code")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Program", level=1)).to_be_visible()


def sign_in_as(page, token):
    """Start the tab signed in as the attendee whose token the API handed out."""
    page.goto("/")
    # as the app's own setToken does: store it, then tell the page (a page that had
    # already rendered stayed signed out until something else re-rendered it)
    page.evaluate(
        """([key, token]) => {
            sessionStorage.setItem(key, token);
            window.dispatchEvent(new Event("plenary-auth"));
        }""",
        [ATTENDEE_TOKEN_KEY, token],
    )
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def add_faq(api, question, answer, category):
    response = api.post(
        "/v1/faq",
        token=ORGANIZER_TOKEN,
        json={"question": question, "answer": answer, "category": category},
    )
    assert response.status_code == 201, response.text
    return response.json()


def set_interests(api, *interests):
    body = {"interests": [{"id": slug, "label": label} for slug, label in interests]}
    response = api.put("/v1/networking/interests", token=ORGANIZER_TOKEN, json=body)
    assert response.status_code == 200, response.text


def list_in_directory(api, token, **profile):
    body = {"listed": True, "job_title": "Registrar", "bio": "", "looking_for": "", **profile}
    response = api.put("/v1/me/profile", token=token, json=body)
    assert response.status_code == 200, response.text
    return response.json()


def tomorrow_at(hour):
    """A datetime-local value (the browser's zone) for tomorrow at ``hour``:00."""
    day = datetime.now(UTC).date() + timedelta(days=1)
    return f"{day.isoformat()}T{hour:02d}:00"
