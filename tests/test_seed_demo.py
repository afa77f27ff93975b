"""The demo data seeds the event and the networking area too: FAQ, interests, tables, a
directory."""

from scripts.seed_demo import EVENT, FAQ, LISTED_ATTENDEES, TABLE_TOPICS, seed
from tests.conftest import ORGANIZER_TOKEN


def test_the_demo_data_fills_the_faq_tables_and_directory(platform):
    api = platform()
    login_code = api.login_codes.code_for
    assert seed(api.base_url, ORGANIZER_TOKEN, log=lambda line: None, login_code=login_code)
    event = api.get("/v1/event").json()
    assert event["name"] == EVENT["name"] and event["time_zone"] == "America/New_York"
    assert len(event["conference_days"]) == 4 and event["kickoff_day"] < event["conference_days"][0]
    faq = api.get("/v1/faq").json()
    assert len(faq["items"]) == len(FAQ)
    assert {
        "Registration",
        "Access",
        "Sessions",
        "Expo",
        "Networking",
        "Accessibility",
        "Contact",
    } <= set(faq["categories"])
    sessions = api.get("/v1/sessions", params={"kind": "networking", "limit": 200}).json()["items"]
    newcomer = api.sign_up(
        {
            "email": "new@example.org",
            "full_name": "New Comer",
            "consent": {"share_with_exhibitors": False},
        }
    )["access_token"]
    tables = api.get(f"/v1/sessions/{sessions[0]['id']}/tables", newcomer).json()
    assert [t["topic"] for t in tables] == [topic for topic, _ in TABLE_TOPICS]
    directory = api.get("/v1/directory", newcomer, params={"limit": 200}).json()["items"]
    assert len(directory) == len(LISTED_ATTENDEES)
    assert all(person["interests"] for person in directory)
