"""What a person does in the web app, in a real browser, end to end: an attendee, an
exhibitor and an organizer (the FAQ and networking pages: test_pages.py). The scene
(sessions, exhibitors, other people) is set over the API; everything the person does goes
through the pages."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from plumbing.testing import wait_until
from tests.browser.scene import (
    LIVE_TIMEOUT_MS,
    create_exhibitor,
    mailed_code,
    register,
    register_in_browser,
    schedule,
)
from tests.conftest import ORGANIZER_TOKEN


def test_attendee_journey(journey, site, smtp_sink):
    api = site.api
    session = schedule(api, "Rebuild: collections after the flood", timedelta(seconds=2))
    schedule(api, "Reinspire: opening keynote", timedelta(days=1), track="reinspire")
    exhibitor = create_exhibitor(api)
    page = journey.page

    page.goto("/")
    expect(page.get_by_role("heading", name="Tracks")).to_be_visible()
    expect(page.get_by_role("link", name="Reinspire")).to_be_visible()
    journey.visit("home")

    register_in_browser(journey, smtp_sink, "grace@example.org", "Grace Hopper", "Museum of Flight")
    expect(page.get_by_text("Europe/Berlin")).to_be_visible()
    page.get_by_label("Track", exact=True).select_option("rebuild")
    expect(page.get_by_role("link", name="Reinspire: opening keynote")).to_have_count(0)
    page.get_by_role("button", name=re.compile(r"Add to my agenda\W+Rebuild")).click()
    expect(page.get_by_role("status").filter(has_text="Added")).to_be_visible()
    journey.visit("program-filtered-and-added")

    page.get_by_role("link", name="My agenda").click()
    expect(page.get_by_role("link", name=session["title"])).to_be_visible()
    expect(page.get_by_role("link", name="program calendar subscription")).to_have_attribute(
        "href", re.compile(r"^webcal://.*/v1/sessions\.ics$")
    )
    journey.visit("agenda")

    page.get_by_role("link", name=session["title"]).click()
    expect(page.get_by_test_id("session-status")).to_have_text(
        "Live now", timeout=LIVE_TIMEOUT_MS
    )  # it was "Scheduled" when the page opened: the page follows on its own
    page.get_by_role("button", name="Join session").click()
    expect(page.get_by_test_id("stream-link")).to_have_attribute(
        "href", "https://stream.example.org/rebuild"
    )
    page.get_by_label("Message", exact=True).fill("Hello from Seattle")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_test_id("chat-list")).to_contain_text("Hello from Seattle")

    # someone else's chat and question arrive over the live stream
    other = register(api, "linus@example.org", "Linus Other")
    for kind, body in (("chat", "Greetings from Oslo"), ("question", "How dry is dry enough?")):
        posted = api.post(
            f"/v1/sessions/{session['id']}/messages",
            token=other["access_token"],
            json={"kind": kind, "body": body},
        )
        assert posted.status_code == 201, posted.text
    expect(page.get_by_test_id("chat-list")).to_contain_text("Greetings from Oslo")
    expect(page.get_by_test_id("question-list")).to_contain_text("How dry is dry enough?")
    upvote = page.get_by_role("button", name=re.compile("Upvote question by Linus Other"))
    upvote.click()
    expect(upvote).to_contain_text("1")
    journey.visit("live-session-joined-chat-and-question")

    # an announcement reaches the open page live
    announced = api.post(
        "/v1/announcements",
        token=ORGANIZER_TOKEN,
        json={"title": "Expo hall opens now", "body": "Meet the exhibitors."},
    )
    assert announced.status_code == 201, announced.text
    expect(page.get_by_text("New notification: Expo hall opens now")).to_be_visible(
        timeout=LIVE_TIMEOUT_MS
    )
    journey.visit("live-notification")
    page.get_by_role("link", name="See all").click()
    expect(page.get_by_test_id("feed")).to_contain_text("Expo hall opens now")
    journey.visit("notifications")

    page.get_by_role("link", name="Expo hall").click()
    page.get_by_label("Search exhibitors and products", exact=True).fill("Archival")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Archival Co")).to_be_visible()
    journey.visit("expo-hall-searched")
    page.get_by_role("link", name="Archival Co").click()
    expect(page.get_by_test_id("consent-note")).to_contain_text(
        "You agreed to share your name, email and organization"
    )
    page.get_by_label("Message", exact=True).fill("Can we talk about storage for 3,000 maps?")
    page.get_by_role("button", name="Send meeting request").click()
    expect(page.get_by_role("status").filter(has_text="Meeting request sent")).to_be_visible()
    journey.visit("booth-meeting-requested")

    leads = api.get(f"/v1/exhibitors/{exhibitor['id']}/leads", token=exhibitor["api_key"])
    kinds = {i["kind"] for lead in leads.json()["items"] for i in lead["interactions"]}
    assert kinds == {"visit", "meeting_request"}

    page.get_by_role("link", name="My profile").click()
    expect(page.get_by_label("Full name", exact=True)).to_have_value("Grace Hopper")
    journey.visit("profile")

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("navigation", name="Attendee").get_by_role("link", name="Sign in").click()
    page.get_by_label("Email", exact=True).fill("grace@example.org")
    page.get_by_role("button", name="Email me a code").click()
    code = mailed_code(smtp_sink, "grace@example.org")
    page.get_by_label("8-digit code from the email").fill(code)
    journey.visit("sign-in-code")
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="My agenda")).to_be_visible()
    expect(page.get_by_role("link", name=session["title"])).to_be_visible()
    journey.visit("signed-in-again")


def test_exhibitor_journey(journey, site, webhook_receiver):
    api = site.api
    receiver = webhook_receiver()
    exhibitor = create_exhibitor(api)
    path = f"/v1/exhibitors/{exhibitor['id']}"
    hook = api.post(
        f"{path}/webhooks",
        token=exhibitor["api_key"],
        json={"url": receiver.url, "events": ["lead.captured"]},
    )
    assert hook.status_code == 201, hook.text
    visitor = register(api, "ada@example.org", "Ada Visitor")
    visit = api.post(f"{path}/interactions", token=visitor["access_token"], json={"kind": "visit"})
    assert visit.status_code == 201, visit.text
    wait_until(lambda: receiver.requests, timeout=15, what="the lead.captured delivery")
    page = journey.page

    page.goto("/exhibitor")
    page.get_by_label("Exhibitor id", exact=True).fill(exhibitor["id"])
    page.get_by_label("API key", exact=True).fill(exhibitor["api_key"])
    journey.visit("sign-in")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_test_id("leads")).to_contain_text("ada@example.org")
    journey.visit("leads")

    page.get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("img", name="Visits per day (UTC)")).to_be_visible()
    journey.visit("analytics")

    page.get_by_role("link", name="Meetings").click()
    expect(page.get_by_role("heading", name="Meeting requests")).to_be_visible()
    journey.visit("meetings")

    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_test_id("delivery-status")).to_have_text("succeeded")
    page.get_by_role("button", name=re.compile(r"Replay\s+lead\.captured\s+delivery")).click()
    expect(page.get_by_role("status").filter(has_text="Replayed lead.captured")).to_be_visible()
    wait_until(lambda: len(receiver.requests) >= 2, timeout=15, what="the replayed delivery")
    first, replay = receiver.requests[:2]
    assert first["headers"]["webhook-id"] == replay["headers"]["webhook-id"]
    journey.visit("webhook-replayed")


def test_organizer_journey(journey, site):
    api = site.api
    attendee = register(api, "bea@example.org", "Bea Member")
    page = journey.page

    page.goto("/organizer")
    page.get_by_label("Organizer token", exact=True).fill(ORGANIZER_TOKEN)
    journey.visit("sign-in")
    page.get_by_role("button", name="Sign in").click()

    page.get_by_label("Title", exact=True).fill("Reengage: visitors after the pandemic")
    page.get_by_label("Track", exact=True).select_option("reengage")
    page.get_by_label("Kind", exact=True).select_option("workshop")
    page.get_by_label("Starts (your time zone)", exact=True).fill("2030-05-18T10:00")
    page.get_by_label("Ends (your time zone)", exact=True).fill("2030-05-18T11:30")
    page.get_by_label("Speaker name", exact=True).fill("Nina Simon")
    journey.visit("session-form")
    page.get_by_role("button", name="Schedule session").click()
    expect(page.get_by_role("status").filter(has_text="Scheduled")).to_be_visible()
    expect(page.get_by_test_id("organizer-sessions")).to_contain_text(
        "Reengage: visitors after the pandemic"
    )
    journey.visit("session-created")
    listed = api.get("/v1/sessions", params={"track": "reengage"}).json()["items"]
    assert [s["title"] for s in listed] == ["Reengage: visitors after the pandemic"]
    # 10:00 in Berlin (the browser's zone) in May is 08:00 UTC
    assert listed[0]["starts_at"].startswith("2030-05-18T08:00:00")

    page.get_by_role("link", name="Announcements").click()
    page.get_by_label("Title", exact=True).fill("Welcome to the annual meeting")
    page.get_by_label("Message", exact=True).fill("The program is online.")
    page.get_by_role("button", name="Send announcement").click()
    expect(page.get_by_role("status").filter(has_text="Announced")).to_be_visible()
    journey.visit("announced")
    feed = wait_until(
        lambda: [
            item
            for item in api.get("/v1/me/notifications", token=attendee["access_token"]).json()[
                "items"
            ]
            if item["kind"] == "announcement"
        ],
        timeout=15,
        what="the announcement in the attendee's feed",
    )
    assert feed[0]["title"] == "Welcome to the annual meeting"

    page.get_by_role("link", name="Attendees and stats").click()
    expect(page.get_by_test_id("attendees")).to_contain_text("bea@example.org")
    expect(page.get_by_role("img", name="Registrations per day")).to_be_visible()
    journey.visit("attendees-and-stats")

    # a code for a restricted ticket type, shown once, lets a speaker register as one
    page.get_by_label("Restricted ticket type", exact=True).select_option("speaker")
    page.get_by_role("button", name="Issue a code").click()
    issued = page.get_by_role("status").filter(has_text="Code for speaker")
    expect(issued).to_be_visible()
    journey.visit("ticket-code-issued")
    code = issued.locator("code").inner_text()
    body = {"email": "nina@example.org", "full_name": "Nina Simon", "ticket_type": "speaker"}
    assert api.post("/v1/registrations", json=body).status_code == 422
    speaker = api.sign_up({**body, "ticket_code": code})
    assert api.get("/v1/me", token=speaker["access_token"]).json()["ticket_type"] == "speaker"

    page.get_by_role("link", name="Moderation").click()
    session_picker = page.get_by_label("Session", exact=True)
    session_picker.select_option(label="Reengage: visitors after the pandemic")
    expect(page.get_by_text("No messages in this session.")).to_be_visible()
    journey.visit("moderation")

    page.get_by_role("link", name="The event").click()
    page.get_by_label("Name", exact=True).fill("Museums Forward 2030")
    page.get_by_label("Theme", exact=True).fill("Reinspire · Rebuild · Reengage · Reconnect")
    zone = page.get_by_label("Time zone (IANA, e.g. America/New_York)", exact=True)
    zone.fill("Mars/Olympus_Mons")
    page.get_by_label("Kickoff day", exact=True).fill("2030-05-17")
    page.get_by_label("Conference days (comma-separated dates)").fill("2030-05-18, 2030-05-19")
    page.get_by_label("Contact email", exact=True).fill("program@museums.example")
    page.get_by_label("Links (one per line: title | URL)").fill(
        "Code of conduct | https://museums.example/conduct"
    )
    journey.visit("event-editor")
    page.get_by_role("button", name="Save the event").click()
    expect(page.get_by_role("alert").filter(has_text="time_zone")).to_be_visible()
    assert api.get("/v1/event").json()["name"] == "Plenary"  # nothing saved
    zone.fill("America/Chicago")
    page.get_by_role("button", name="Save the event").click()
    expect(
        page.get_by_role("status").filter(has_text="Saved “Museums Forward 2030”")
    ).to_contain_text("3 days, America/Chicago time")
    journey.visit("event-saved")

    page.get_by_role("banner").get_by_role("link", name="Museums Forward 2030").click()
    expect(page.get_by_role("heading", name="Museums Forward 2030", level=1)).to_be_visible()
    expect(page.get_by_text("Reinspire · Rebuild · Reengage · Reconnect")).to_be_visible()
    expect(page.get_by_test_id("event-zone")).to_contain_text("America/Chicago")
    expect(
        page.get_by_role("link", name=re.compile("Kickoff: Friday, May 17, 2030"))
    ).to_be_visible()
    expect(page.get_by_role("link", name="Code of conduct")).to_have_attribute(
        "href", "https://museums.example/conduct"
    )
    expect(page.get_by_test_id("event-contact")).to_contain_text("program@museums.example")
    journey.visit("home-with-the-event")
    feed = api.get("/v1/sessions.ics").text
    assert "X-WR-CALNAME:Museums Forward 2030: program" in feed
    assert "X-WR-TIMEZONE:America/Chicago" in feed
