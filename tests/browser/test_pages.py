"""The FAQ and networking pages in a real browser: what an attendee finds and does there,
by keyboard where it matters, each page scanned with axe-core."""

import re

from playwright.sync_api import expect

from plumbing.testing import wait_until
from tests.browser.scene import (
    LIVE_TIMEOUT_MS,
    add_faq,
    list_in_directory,
    register,
    set_interests,
    sign_in_as,
    tomorrow_at,
)


def test_faq_search_and_keyboard(journey, site):
    api = site.api
    add_faq(
        api,
        "Is there parking at the venue?",
        "Yes: the east garage.\n\nBring your badge.",
        "Access",
    )
    add_faq(api, "Are sessions recorded?", "Every session, for registered attendees.", "Sessions")
    add_faq(api, "Can I change my ticket?", "Write to the program office.", "Registration")
    page = journey.page

    page.goto("/")
    page.get_by_role("navigation", name="Attendee").get_by_role("link", name="FAQ").click()
    expect(page.get_by_role("heading", name="Frequently asked questions", level=1)).to_be_visible()
    for category in ("Access", "Sessions", "Registration"):
        expect(page.get_by_role("heading", name=category, level=2)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="3 questions")).to_be_visible()
    journey.visit("faq")

    search = page.get_by_label("Search the FAQ", exact=True)
    search.fill("parking")
    search.press("Enter")  # the search form submits from the keyboard
    expect(page.get_by_role("status").filter(has_text="1 question matching")).to_be_visible()
    expect(page.get_by_text("Are sessions recorded?")).to_have_count(0)
    expect(page.get_by_text("the east garage")).to_be_visible()  # a search opens the answers
    journey.visit("faq-searched")

    page.get_by_role("button", name="Show every question").click()
    page.get_by_label("Category", exact=True).select_option("Sessions")
    expect(page.get_by_test_id("faq")).not_to_contain_text("parking")
    question = page.get_by_text("Are sessions recorded?")
    answer = page.get_by_text("Every session, for registered attendees.")
    expect(answer).to_be_hidden()
    question.focus()
    page.keyboard.press("Enter")  # a question opens by keyboard
    expect(answer).to_be_visible()
    journey.visit("faq-category-opened")

    search.fill("nothing like this")
    search.press("Enter")
    expect(page.get_by_text("No question matches")).to_be_visible()
    journey.visit("faq-no-match")


def test_networking_journey(journey, site):
    """Get listed, find someone, connect, message (their answer arrives live), meet."""
    api = site.api
    set_interests(api, ("collections", "Collections care"), ("education", "Museum education"))
    me = register(api, "noor@example.org", "Noor Attendee")
    linus = register(api, "linus@example.org", "Linus Listed")
    list_in_directory(
        api,
        linus["access_token"],
        interests=["collections"],
        looking_for="People who store maps.",
    )
    wait_until(  # the directory fills from registration's events
        lambda: api.get("/v1/directory", token=me["access_token"]).json().get("items"),
        timeout=15,
        what="Linus in the directory",
    )
    page = journey.page
    sign_in_as(page, me["access_token"])

    page.get_by_role("navigation", name="Attendee").get_by_role("link", name="Networking").click()
    expect(page.get_by_text("You are not in the directory")).to_be_visible()
    journey.visit("networking-directory")

    page.get_by_role("link", name="My networking profile").click()
    page.get_by_label("List me in the directory", exact=True).check()
    page.get_by_label("Job title", exact=True).fill("Conservator")
    page.get_by_label("Museum education", exact=True).check()
    journey.visit("networking-profile")
    page.get_by_role("button", name="Save networking profile").click()
    expect(page.get_by_role("status").filter(has_text="you are in the directory")).to_be_visible()
    mine = api.get("/v1/me/profile", token=me["access_token"]).json()
    assert mine["listed"] and mine["interests"] == ["education"]

    page.get_by_role("link", name="Directory").click()
    page.get_by_label("Interest", exact=True).select_option("collections")
    page.get_by_label("Name or organization", exact=True).fill("Linus")
    page.get_by_role("button", name="Search").click()
    directory = page.get_by_test_id("directory")
    expect(directory).to_contain_text("People who store maps.")
    directory.get_by_role("link", name="Linus Listed").click()
    expect(page.get_by_test_id("connection-state")).to_have_text("You are not connected.")
    page.get_by_label("A note to Linus Listed (optional)").fill("We met at the maps panel.")
    page.get_by_role("button", name="Ask to connect").click()
    expect(page.get_by_role("status").filter(has_text="Connection request sent")).to_be_visible()
    journey.visit("networking-person-asked")

    linus_token = linus["access_token"]
    incoming = api.get("/v1/me/connection-requests", token=linus_token).json()["items"]
    assert [r["message"] for r in incoming] == ["We met at the maps panel."]
    accepted = api.post(f"/v1/me/connection-requests/{incoming[0]['id']}/accept", token=linus_token)
    assert accepted.status_code == 200, accepted.text

    page.reload()
    expect(page.get_by_test_id("connection-state")).to_contain_text("linus@example.org")
    page.get_by_label("Message to Linus Listed", exact=True).fill("Coffee at the break?")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_role("heading", name="Conversation with Linus Listed")).to_be_visible()
    thread = page.get_by_test_id("direct-messages")
    expect(thread).to_contain_text("Coffee at the break?")

    conversation = page.url.rsplit("/", 1)[1]
    reply = api.post(
        f"/v1/me/conversations/{conversation}/messages",
        token=linus_token,
        json={"body": "Gladly, by the expo entrance."},
    )
    assert reply.status_code == 201, reply.text
    expect(thread).to_contain_text("Gladly, by the expo entrance.", timeout=LIVE_TIMEOUT_MS)
    journey.visit("networking-conversation")

    page.get_by_role("link", name="Connections").click()
    expect(page.get_by_test_id("connections")).to_contain_text("linus@example.org")
    journey.visit("networking-connections")

    page.get_by_test_id("connections").get_by_role("link", name="Linus Listed").click()
    page.get_by_label("Time 1 starts", exact=True).fill(tomorrow_at(10))
    page.get_by_label("Time 1 lasts", exact=True).select_option("30")
    page.get_by_role("button", name="Offer another time").click()
    page.get_by_label("Time 2 starts", exact=True).fill(tomorrow_at(14))
    page.get_by_label("What about (optional)").fill("Map storage")
    page.get_by_role("button", name="Propose meeting").click()
    expect(page.get_by_role("status").filter(has_text="Meeting proposed")).to_be_visible()

    (meeting,) = api.get("/v1/me/meetings", token=linus_token).json()["items"]
    assert len(meeting["slots"]) == 2 and meeting["message"] == "Map storage"
    taken = api.post(f"/v1/me/meetings/{meeting['id']}/accept", token=linus_token, json={"slot": 1})
    assert taken.status_code == 200, taken.text

    page.get_by_role("link", name="Meetings").click()
    expect(page.get_by_test_id("meeting-status")).to_have_text("accepted")
    expect(page.get_by_role("link", name="Join the meeting room")).to_be_visible()
    page.get_by_role("button", name=re.compile("Cancel the meeting with Linus Listed")).focus()
    journey.visit("networking-meetings")
