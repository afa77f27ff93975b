"""Demo data for a local Plenary: a program of sessions and an expo hall of exhibitors.

Everything goes through the public HTTP API with the organizer token, exactly as an
organizer's tools would.  Seeding twice is harmless: when the program already has
sessions nothing is created.

    python scripts/seed_demo.py --url http://127.0.0.1:8000 --token <organizer token>

The program runs over a kickoff day and four conference days starting tomorrow (UTC),
plus one session starting 20 minutes from now, so that its reminder fires while you
watch.  All people and organizations are fictional.
"""

import argparse
import os
import sys
from datetime import UTC, datetime, time, timedelta

import requests

HTTP_TIMEOUT_SECONDS = 10
SOON_SESSION_LEAD = timedelta(minutes=20)

SPEAKERS = {
    "okafor": {
        "name": "Dr. Amara Okafor",
        "organization": "Riverside Museum of Art and History",
        "bio": "Director of a mid-sized regional museum that doubled its community "
        "programming while halving its energy bill.",
    },
    "lindqvist": {
        "name": "Henrik Lindqvist",
        "organization": "Northern Lights Science Center",
        "bio": "Exhibit developer who builds interactives from recycled materials.",
    },
    "reyes": {
        "name": "Marisol Reyes",
        "organization": "Casa de la Memoria",
        "bio": "Oral historian and community curator working with immigrant families.",
    },
    "chen": {
        "name": "Wei Chen",
        "organization": "Harborview Maritime Museum",
        "bio": "Chief financial officer who led a museum through two recessions.",
    },
    "adeyemi": {
        "name": "Tunde Adeyemi",
        "organization": "Accessible Museums Network",
        "bio": "Accessibility consultant and co-author of open guidelines for labels.",
    },
    "novak": {
        "name": "Petra Novak",
        "organization": "State Historical Collections",
        "bio": "Conservator focused on preventive care for small institutions.",
    },
    "baptiste": {
        "name": "Jean-Luc Baptiste",
        "organization": "Museum Futures Lab",
        "bio": "Researcher studying how museums adapt their buildings to a changing climate.",
    },
    "walker": {
        "name": "Keisha Walker",
        "organization": "Children's Discovery Museum",
        "bio": "Director of learning who started the museum's youth advisory council.",
    },
    "haddad": {
        "name": "Samir Haddad",
        "organization": "Foundation for Cultural Heritage",
        "bio": "Program officer who has reviewed more than a thousand grant proposals.",
    },
}

# "day" 0 is the kickoff day, days 1-4 the conference; "at" is the UTC start time.
PROGRAM = (
    {
        "day": 0,
        "at": "15:00",
        "minutes": 60,
        "track": "reinspire",
        "kind": "keynote",
        "title": "Opening Plenary: Museums as Civic Commons",
        "abstract": "Why the museum of the next decade is a public square as much as a treasure "
        "house, and what that asks of boards, staff and buildings.",
        "speakers": ["okafor"],
        "capacity": None,
    },
    {
        "day": 0,
        "at": "16:30",
        "minutes": 60,
        "track": "reconnect",
        "kind": "networking",
        "title": "Welcome Mixer: Find Your People",
        "abstract": "Small virtual tables by role and region. Bring a question you want answered "
        "this week.",
        "speakers": [],
        "capacity": 200,
    },
    {
        "day": 1,
        "at": "14:00",
        "minutes": 60,
        "track": "reinspire",
        "kind": "keynote",
        "title": "Wonder Is a Public Good",
        "abstract": "An exhibit developer on designing for awe with small budgets and recycled "
        "materials.",
        "speakers": ["lindqvist"],
        "capacity": None,
    },
    {
        "day": 1,
        "at": "15:30",
        "minutes": 60,
        "track": "rebuild",
        "kind": "panel",
        "title": "Rebuilding Budgets After the Attendance Dip",
        "abstract": "Finance leaders compare what worked: memberships, earned revenue, endowment "
        "draws and the partnerships that carried them through.",
        "speakers": ["chen", "okafor"],
        "capacity": None,
    },
    {
        "day": 1,
        "at": "17:00",
        "minutes": 120,
        "track": "reconnect",
        "kind": "expo-hours",
        "title": "MuseumExpo Hall Opening",
        "abstract": "The virtual expo hall opens: visit booths, watch product demos, book "
        "meetings.",
        "speakers": [],
        "capacity": None,
    },
    {
        "day": 2,
        "at": "14:00",
        "minutes": 90,
        "track": "reengage",
        "kind": "workshop",
        "title": "Hands-On: Accessible Digital Labels with Open Tools",
        "abstract": "Rewrite three real labels for plain language, screen readers and audio "
        "description, using free tools you can take home.",
        "speakers": ["adeyemi"],
        "capacity": 60,
    },
    {
        "day": 2,
        "at": "16:00",
        "minutes": 60,
        "track": "rebuild",
        "kind": "panel",
        "title": "Collections Care on a Shoestring",
        "abstract": "Preventive conservation for institutions without a conservator: monitoring, "
        "storage triage and the emergency plan you should write this month.",
        "speakers": ["novak", "chen"],
        "capacity": None,
    },
    {
        "day": 2,
        "at": "17:30",
        "minutes": 60,
        "track": "reconnect",
        "kind": "networking",
        "title": "Speed Networking for Emerging Museum Professionals",
        "abstract": "Seven-minute conversations with peers and mentors, rotated by the platform.",
        "speakers": [],
        "capacity": 80,
    },
    {
        "day": 3,
        "at": "14:00",
        "minutes": 60,
        "track": "reengage",
        "kind": "panel",
        "title": "Co-Creating Exhibitions with Your Community",
        "abstract": "Curators and community partners on sharing authority, credit and budget.",
        "speakers": ["reyes", "walker"],
        "capacity": None,
    },
    {
        "day": 3,
        "at": "15:30",
        "minutes": 90,
        "track": "rebuild",
        "kind": "workshop",
        "title": "Writing Grant Proposals That Get Funded",
        "abstract": "A funder walks through real proposals, what made them succeed, and how to "
        "tell your project's story in two pages.",
        "speakers": ["haddad"],
        "capacity": 40,
    },
    {
        "day": 4,
        "at": "14:00",
        "minutes": 60,
        "track": "reengage",
        "kind": "panel",
        "title": "Teens Take Over: Youth Advisory Councils",
        "abstract": "What happens when teenagers get a real say in programs, and how to start a "
        "council.",
        "speakers": ["walker"],
        "capacity": None,
    },
    {
        "day": 4,
        "at": "15:30",
        "minutes": 60,
        "track": "reinspire",
        "kind": "panel",
        "title": "Climate-Ready Museums",
        "abstract": "Adapting buildings, loans and collections practice to heat, floods and "
        "energy costs.",
        "speakers": ["baptiste", "novak"],
        "capacity": None,
    },
    {
        "day": 4,
        "at": "17:00",
        "minutes": 60,
        "track": "reinspire",
        "kind": "keynote",
        "title": "Closing Keynote: The Next Hundred Years",
        "abstract": "Stories collected this week and the commitments we leave with.",
        "speakers": ["reyes", "okafor"],
        "capacity": None,
    },
)

SOON_SESSION = {
    "title": "Early Bird Coffee Chat: What Brought You Here?",
    "abstract": "An informal warm-up for early arrivals. Add it to your agenda to see "
    "the reminder arrive.",
    "track": "reconnect",
    "kind": "networking",
    "speakers": [],
    "capacity": 50,
}

EXHIBITORS = (
    {
        "name": "Archivium Systems",
        "tier": "platinum",
        "website": "https://www.archivium.example",
        "description": "Collections management software for museums of every size.",
        "products": [
            {"name": "Archivium CMS", "description": "Catalogue, images and provenance."},
            {"name": "Archivium Loans", "description": "Outgoing and incoming loan tracking."},
        ],
    },
    {
        "name": "LumenCase Display",
        "tier": "platinum",
        "website": "https://www.lumencase.example",
        "description": "Conservation-grade display cases with integrated LED lighting.",
        "products": [
            {"name": "LumenCase Vitrine", "description": "Sealed case with passive humidity."},
            {"name": "LumenStrip", "description": "Low-UV lighting for cases and walls."},
        ],
    },
    {
        "name": "Docent Audio",
        "tier": "gold",
        "website": "https://www.docentaudio.example",
        "description": "Audio and multilingual guides visitors play on their own phones.",
        "products": [
            {"name": "Docent Tours", "description": "Guided tours in 30 languages."},
            {"name": "Docent Describe", "description": "Audio description for blind visitors."},
        ],
    },
    {
        "name": "Tessera Ticketing",
        "tier": "gold",
        "website": "https://www.tessera.example",
        "description": "Timed tickets, memberships and donations in one system.",
        "products": [{"name": "Tessera Box Office", "description": "Timed-entry ticketing."}],
    },
    {
        "name": "Hollis Fine Art Shipping",
        "tier": "silver",
        "website": "https://www.hollis.example",
        "description": "Crating, climate-controlled transport and couriers for loans.",
        "products": [{"name": "Hollis Crates", "description": "Reusable travelling crates."}],
    },
    {
        "name": "ClimaSafe Monitoring",
        "tier": "silver",
        "website": "https://www.climasafe.example",
        "description": "Wireless sensors for temperature, humidity and light in galleries.",
        "products": [
            {"name": "ClimaSafe Sensor", "description": "Battery sensor with five-year life."},
            {"name": "ClimaSafe Alerts", "description": "Text alerts when conditions drift."},
        ],
    },
    {
        "name": "Open Label Studio",
        "tier": "standard",
        "website": "https://www.openlabel.example",
        "description": "Templates and training for accessible exhibition labels.",
        "products": [{"name": "Label Kit", "description": "Large-print and braille templates."}],
    },
    {
        "name": "Museum Store Makers",
        "tier": "standard",
        "website": "https://www.storemakers.example",
        "description": "Small-batch merchandise designed from your collection.",
        "products": [{"name": "Collection Prints", "description": "Art prints on demand."}],
    },
)


class SeedError(Exception):
    """The API refused a request the demo data needs."""


def seed(base_url, organizer_token, log=print):
    """Create the demo program and expo hall unless the program already has sessions.

    Returns True when it created the data, False when it found some already.
    """
    base_url = base_url.rstrip("/")
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {organizer_token}"
    if _existing_sessions(http, base_url):
        log("demo data: the program already has sessions, nothing to seed")
        return False
    now = datetime.now(UTC)
    sessions = program(now)
    for session in sessions:
        _post(http, f"{base_url}/v1/sessions", session)
    log(f"demo data: {len(sessions)} sessions created")
    for exhibitor in EXHIBITORS:
        created = _post(http, f"{base_url}/v1/exhibitors", exhibitor)
        log(
            f"demo data: exhibitor {created['name']} ({created['tier']}) "
            f"id={created['id']} api_key={created['api_key']}"
        )
    return True


def program(now):
    """Every session payload: the scheduled program plus one starting soon after ``now``."""
    kickoff_day = now.date() + timedelta(days=1)
    sessions = [_session(kickoff_day, entry) for entry in PROGRAM]
    soon = (now + SOON_SESSION_LEAD).replace(second=0, microsecond=0)
    sessions.append(
        {
            **SOON_SESSION,
            "starts_at": soon.isoformat(),
            "ends_at": (soon + timedelta(minutes=30)).isoformat(),
        }
    )
    return sessions


def _session(kickoff_day, entry):
    day = kickoff_day + timedelta(days=entry["day"])
    starts_at = datetime.combine(day, time.fromisoformat(entry["at"]), tzinfo=UTC)
    return {
        **{key: entry[key] for key in ("title", "abstract", "track", "kind", "capacity")},
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(minutes=entry["minutes"])).isoformat(),
        "speakers": [SPEAKERS[key] for key in entry["speakers"]],
    }


def _existing_sessions(http, base_url):
    response = http.get(f"{base_url}/v1/sessions", timeout=HTTP_TIMEOUT_SECONDS)
    if response.status_code != 200:
        raise SeedError(f"GET /v1/sessions answered {response.status_code}: {response.text}")
    return response.json()["items"]


def _post(http, url, body):
    response = http.post(url, json=body, timeout=HTTP_TIMEOUT_SECONDS)
    if response.status_code != 201:
        raise SeedError(f"POST {url} answered {response.status_code}: {response.text}")
    return response.json()


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the gateway")
    parser.add_argument(
        "--token",
        default=os.environ.get("PLENARY_ORGANIZER_TOKEN"),
        help="organizer token (default: $PLENARY_ORGANIZER_TOKEN)",
    )
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("an organizer token is needed: --token or $PLENARY_ORGANIZER_TOKEN")
    try:
        seed(args.url, args.token)
    except (SeedError, requests.RequestException) as exc:
        sys.exit(f"seeding failed: {exc}")


if __name__ == "__main__":
    main()
