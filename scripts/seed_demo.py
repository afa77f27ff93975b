"""Demo data for a local Plenary: the event itself (name, days, time zone), a program of
sessions, an expo hall of exhibitors, the FAQ, the networking interests, topic tables for
the networking sessions and two dozen attendees listed in the directory.

Everything goes through the public HTTP API with the organizer token, exactly as an
organizer's tools would.  Seeding twice is harmless: when the program already has
sessions nothing is created.  The listed attendees register and sign in as people do,
with the login code mailed to them: the seeder reads it from the Maildir the local SMTP
sink writes (``make run``'s var/mail); without one they are skipped.

    python scripts/seed_demo.py --url http://127.0.0.1:8000 --token <organizer token> \
        --maildir var/mail

The program runs over a kickoff day and four conference days starting tomorrow (UTC),
plus one session starting 20 minutes from now, so that its reminder fires while you
watch.  All people and organizations are fictional.
"""

import argparse
import mailbox
import os
import re
import sys
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import requests

HTTP_TIMEOUT_SECONDS = 10
MAIL_WAIT_SECONDS = 20
SOON_SESSION_LEAD = timedelta(minutes=20)
# what POST /v1/sessions/{id}/join hands out (a placeholder: the demo streams nothing)
DEMO_STREAM_URL = "https://stream.example.org/plenary/demo"

# the program's times (12:30-19:30 UTC) are a morning-to-afternoon day in New York
EVENT = {
    "name": "Museums Forward: the Annual Meeting",
    "theme": "Reinspire · Rebuild · Reengage · Reconnect",
    "description": "Five days online for everyone who works in and around museums: "
    "directors and registrars, educators and exhibit developers, volunteers and "
    "vendors.\n\nA kickoff day to meet, then four conference days of keynotes, panels "
    "and hands-on workshops across four tracks, an expo hall, topic tables and speed "
    "networking. Every session is recorded for registered attendees.",
    "time_zone": "America/New_York",
    "contact": {
        "name": "Annual Meeting program office",
        "email": "annualmeeting@museums.example.org",
        "phone": "+1 202 555 0142",
        "url": "https://museums.example.org/annual-meeting",
    },
    "links": [
        {"title": "Code of conduct", "url": "https://museums.example.org/conduct"},
        {"title": "Accessibility at the meeting", "url": "https://museums.example.org/access"},
        {"title": "Speaker guidelines", "url": "https://museums.example.org/speakers"},
    ],
}

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
    "moreau": {
        "name": "Claire Moreau",
        "organization": "Lakeside Botanical Garden and Arboretum",
        "bio": "Head of visitor experience who rebuilt the garden's volunteer program.",
    },
    "tanaka": {
        "name": "Kenji Tanaka",
        "organization": "Open Heritage Data Alliance",
        "bio": "Digital collections lead behind a shared open-data catalogue of 40 museums.",
    },
    "osei": {
        "name": "Abena Osei",
        "organization": "Coastal Peoples Cultural Center",
        "bio": "Curator of living traditions and co-steward of a community archive.",
    },
    "fischer": {
        "name": "Lukas Fischer",
        "organization": "Alpine Railway Museum",
        "bio": "Operations manager who runs a museum with three paid staff and ninety volunteers.",
    },
    "silva": {
        "name": "Beatriz Silva",
        "organization": "Museum Workers Forum",
        "bio": "Organizer and researcher on pay equity and career paths in museums.",
    },
    "obrien": {
        "name": "Niamh O'Brien",
        "organization": "Regional Museums Partnership",
        "bio": "Network coordinator who shares collections and staff across twelve small museums.",
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
    {
        "day": 0,
        "at": "13:30",
        "minutes": 45,
        "track": "reconnect",
        "kind": "networking",
        "title": "First-Timers' Orientation",
        "abstract": "How the virtual meeting works: agendas, chats, the expo hall and where "
        "to find help.",
        "speakers": ["obrien"],
        "capacity": 300,
    },
    {
        "day": 0,
        "at": "18:00",
        "minutes": 60,
        "track": "reengage",
        "kind": "panel",
        "title": "Kickoff Conversation: Who Is Missing from Our Galleries?",
        "abstract": "Audience researchers and community curators on the visitors who have not "
        "come back, and why.",
        "speakers": ["reyes", "moreau"],
        "capacity": None,
    },
    {
        "day": 1,
        "at": "12:30",
        "minutes": 60,
        "track": "reengage",
        "kind": "workshop",
        "title": "Volunteer Programs That Last",
        "abstract": "Recruiting, training and keeping volunteers when every hour counts.",
        "speakers": ["moreau", "fischer"],
        "capacity": 80,
    },
    {
        "day": 1,
        "at": "15:30",
        "minutes": 60,
        "track": "reconnect",
        "kind": "panel",
        "title": "Shared Collections, Shared Staff",
        "abstract": "How twelve small museums pooled registrars, storage and a travelling "
        "exhibition.",
        "speakers": ["obrien", "novak"],
        "capacity": None,
    },
    {
        "day": 1,
        "at": "19:30",
        "minutes": 60,
        "track": "reinspire",
        "kind": "panel",
        "title": "Why We Stay: Stories from the Front Desk",
        "abstract": "Visitor services staff on the moments that made the work worth it.",
        "speakers": ["silva", "walker"],
        "capacity": None,
    },
    {
        "day": 2,
        "at": "12:30",
        "minutes": 60,
        "track": "reinspire",
        "kind": "keynote",
        "title": "Living Traditions in the Museum",
        "abstract": "A curator on sharing stewardship of objects that are still in use.",
        "speakers": ["osei"],
        "capacity": None,
    },
    {
        "day": 2,
        "at": "14:00",
        "minutes": 90,
        "track": "reconnect",
        "kind": "expo-hours",
        "title": "Expo Hall: Collections Technology Demos",
        "abstract": "Live demos from collections software, monitoring and digitization exhibitors.",
        "speakers": [],
        "capacity": None,
    },
    {
        "day": 2,
        "at": "16:00",
        "minutes": 60,
        "track": "reengage",
        "kind": "panel",
        "title": "Open Data, Open Doors",
        "abstract": "What happened when forty museums published their catalogues as open data.",
        "speakers": ["tanaka", "obrien"],
        "capacity": None,
    },
    {
        "day": 2,
        "at": "19:00",
        "minutes": 60,
        "track": "rebuild",
        "kind": "panel",
        "title": "Fair Pay, Real Careers",
        "abstract": "Salary transparency, career ladders and what boards can change this year.",
        "speakers": ["silva", "chen"],
        "capacity": None,
    },
    {
        "day": 3,
        "at": "12:30",
        "minutes": 60,
        "track": "reconnect",
        "kind": "networking",
        "title": "Roundtables by Museum Type",
        "abstract": "Art, history, science, gardens and zoos: find the peers who share your "
        "problems.",
        "speakers": [],
        "capacity": 150,
    },
    {
        "day": 3,
        "at": "14:00",
        "minutes": 60,
        "track": "reinspire",
        "kind": "panel",
        "title": "Museums and Mental Health",
        "abstract": "Quiet hours, social prescribing and gallery programs built with clinicians.",
        "speakers": ["walker", "adeyemi"],
        "capacity": None,
    },
    {
        "day": 3,
        "at": "17:00",
        "minutes": 90,
        "track": "reengage",
        "kind": "workshop",
        "title": "Digitize Ten Objects Before Lunch",
        "abstract": "Photography, metadata and rights for a first small online collection, "
        "with free tools.",
        "speakers": ["tanaka"],
        "capacity": 50,
    },
    {
        "day": 3,
        "at": "19:00",
        "minutes": 60,
        "track": "rebuild",
        "kind": "panel",
        "title": "Running a Museum with Three Staff",
        "abstract": "Scheduling, volunteers, and saying no: an operations manager's playbook.",
        "speakers": ["fischer"],
        "capacity": None,
    },
    {
        "day": 4,
        "at": "12:30",
        "minutes": 60,
        "track": "rebuild",
        "kind": "workshop",
        "title": "Your Emergency Plan in One Hour",
        "abstract": "Fill in a one-page plan for floods, fires and power cuts, then test it "
        "with a tabletop exercise.",
        "speakers": ["novak", "baptiste"],
        "capacity": 60,
    },
    {
        "day": 4,
        "at": "15:30",
        "minutes": 60,
        "track": "reconnect",
        "kind": "expo-hours",
        "title": "Expo Hall: Last Call",
        "abstract": "The final hours of the expo hall, with closing offers and meeting slots.",
        "speakers": [],
        "capacity": None,
    },
    {
        "day": 4,
        "at": "16:00",
        "minutes": 60,
        "track": "reengage",
        "kind": "panel",
        "title": "Community Archives, Community Control",
        "abstract": "Consent, access and repatriation when communities hold the keys.",
        "speakers": ["osei", "reyes"],
        "capacity": None,
    },
    {
        "day": 4,
        "at": "18:30",
        "minutes": 60,
        "track": "reconnect",
        "kind": "networking",
        "title": "Farewell Toast and Next Year's Hosts",
        "abstract": "Raise a glass with colleagues and meet the team hosting next year's meeting.",
        "speakers": ["obrien"],
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
    "stream_url": DEMO_STREAM_URL,
}


INTERESTS = [
    ("collections", "Collections care"),
    ("conservation", "Conservation"),
    ("digital", "Digital engagement"),
    ("education", "Education and interpretation"),
    ("exhibitions", "Exhibition design"),
    ("fundraising", "Fundraising and development"),
    ("community", "Community partnerships"),
    ("accessibility", "Accessibility and inclusion"),
    ("sustainability", "Sustainability"),
    ("leadership", "Leadership and workforce"),
]

FAQ = [
    (
        "Registration",
        "How do I register, and can I change my ticket type?",
        "Register at the event page with your name, email and organization; members, "
        "non-members, students and speakers each have a ticket type. To change yours after "
        "registering, write to the registration desk (see Contact) before the kickoff day.",
    ),
    (
        "Registration",
        "Can I cancel my registration?",
        "Yes: choose Cancel registration in your profile. Your seat is freed and your access "
        "links stop working at once. You may register again later with the same email.",
    ),
    (
        "Access",
        "How do I sign in? I never set a password.",
        "There are no passwords. Enter your email on the sign-in page and we email you a "
        "one-time code and link, valid for 15 minutes. Each code works once; ask for a new "
        "one whenever you need it.",
    ),
    (
        "Access",
        "My access link expired or does not arrive.",
        "Codes expire after 15 minutes or five wrong tries: request a new one. Check your "
        "spam folder for no-reply mail; if nothing arrives within ten minutes, contact us.",
    ),
    (
        "Schedule",
        "In which time zone is the program shown?",
        "Times are stored in UTC and shown in your browser's time zone. Add sessions to your "
        "agenda and subscribe to My agenda (iCalendar) to see them in your own calendar.",
    ),
    (
        "Sessions",
        "Are sessions recorded, and for how long can I watch them?",
        "Keynotes, panels and workshops are recorded; networking sessions are not. "
        "Recordings appear on each session's page within a day and stay available to "
        "registered attendees for 90 days after the meeting.",
    ),
    (
        "Sessions",
        "How do I earn continuing-education (CE) credit?",
        "Attend sessions live: your minutes in each session are counted while the player "
        "is open. After the meeting, CE certificates list the sessions you attended for at "
        "least 45 minutes; recordings do not count toward CE credit.",
    ),
    (
        "Expo",
        "How does the MuseumExpo work? Will exhibitors get my contact details?",
        "Visit booths, download product sheets and request meetings. Exhibitors see your "
        "name, email and organization only if you agreed to share your contact with "
        "exhibitors; you can withdraw that consent in your profile at any time.",
    ),
    (
        "Networking",
        "How do I meet other attendees?",
        "List yourself in the directory (My profile) and choose what to show. Connect with "
        "people, message your connections, propose a 1:1 meeting, sit at a topic table or "
        "join speed networking during the Reconnect networking sessions.",
    ),
    (
        "Networking",
        "What is the networking etiquette?",
        "Introduce yourself and say why you are reaching out; keep first messages short; "
        "accept or decline meeting requests promptly; no sales pitches outside the expo. "
        "You can block anyone, and report messages or people to the organizers.",
    ),
    (
        "Accessibility",
        "Is the event accessible?",
        "All sessions have live captions and recordings are captioned. The platform works "
        "with screen readers and keyboard navigation. Tell us about your access needs in "
        "your profile and we will follow up before the meeting.",
    ),
    (
        "Contact",
        "How do I reach the organizers?",
        "Email annualmeeting@museums.example.org or use the help desk chat in the lobby "
        "during the event (9:00 to 18:00 UTC each day). For urgent issues during a session, "
        "post in its chat: moderators are watching.",
    ),
]

TABLE_TOPICS = [
    ("Digitizing collections on a small budget", 8),
    ("Volunteers after the pandemic", 8),
    ("First-time attendees: say hello", 12),
    ("Climate action in museums", 8),
]

LISTED_ATTENDEES = [
    ("Ana Beltrán", "Casa de la Memoria", "Registrar", ["collections", "digital"]),
    (
        "Ben Adeyemi",
        "Riverside Museum of Art and History",
        "Education Manager",
        ["education", "community"],
    ),
    ("Chloé Martin", "Musée du Lac", "Conservator", ["conservation", "sustainability"]),
    (
        "Dev Patel",
        "Northern Lights Science Center",
        "Exhibit Developer",
        ["exhibitions", "digital"],
    ),
    ("Elif Yıldız", "Harbor Maritime Museum", "Director", ["leadership", "fundraising"]),
    ("Femi Okonkwo", "Prairie Heritage Village", "Curator", ["collections", "community"]),
    ("Greta Holm", "Fjord Art Museum", "Digital Producer", ["digital", "accessibility"]),
    ("Hiro Tanaka", "Sakura Garden Museum", "Interpretation Lead", ["education", "exhibitions"]),
    ("Inés Romero", "Museo del Valle", "Development Officer", ["fundraising", "community"]),
    (
        "Jamal Brooks",
        "City History Center",
        "Accessibility Coordinator",
        ["accessibility", "education"],
    ),
    (
        "Kaia Nilsen",
        "Polar Science Museum",
        "Sustainability Officer",
        ["sustainability", "leadership"],
    ),
    ("Liam O'Connor", "Old Mill Museum", "Collections Manager", ["collections", "conservation"]),
    ("Maya Cohen", "Children's Discovery Museum", "Program Director", ["education", "community"]),
    ("Nikos Pappas", "Aegean Antiquities Museum", "Conservator", ["conservation", "collections"]),
    (
        "Olga Ivanova",
        "Steppe Textile Museum",
        "Exhibition Designer",
        ["exhibitions", "accessibility"],
    ),
    ("Pedro Alves", "Atlantic Coast Aquarium", "Membership Manager", ["fundraising", "digital"]),
    (
        "Quinn Harper",
        "Mountain Railway Museum",
        "Volunteer Coordinator",
        ["community", "leadership"],
    ),
    ("Rania Haddad", "Desert Heritage Museum", "Deputy Director", ["leadership", "sustainability"]),
    ("Sofia Rossi", "Villa Arte Contemporanea", "Curator", ["exhibitions", "collections"]),
    ("Tomás Novak", "Bohemian Glass Museum", "Digital Archivist", ["digital", "collections"]),
    ("Uma Krishnan", "Spice Route Museum", "Education Officer", ["education", "accessibility"]),
    (
        "Viktor Lind",
        "Baltic Design Museum",
        "Facilities Manager",
        ["sustainability", "exhibitions"],
    ),
    ("Wen Li", "Silk Road Heritage Center", "Research Fellow", ["collections", "education"]),
    (
        "Yara Santos",
        "Amazonia Natural History Museum",
        "Community Liaison",
        ["community", "sustainability"],
    ),
]


def _booth(name, tier, booth, domain, categories, description, products):
    """One demo exhibitor; ``products`` are (name, category, description) triples."""
    site = f"https://www.{domain}.example"
    return {
        "name": name,
        "tier": tier,
        "booth": booth,
        "website": site,
        "logo_url": f"{site}/logo.png",
        "description": description,
        "categories": categories,
        "staff": [
            {"name": f"{name} Team", "role": "Booth staff", "email": f"booth@{domain}.example"}
        ],
        "products": [
            {
                "name": product,
                "category": category,
                "description": text,
                "media_url": f"{site}/media/{index}.mp4",
                "resource_url": f"{site}/brochures/{index}.pdf",
            }
            for index, (product, category, text) in enumerate(products, 1)
        ],
    }


# The expo hall: dozens of fictional exhibitors across the four tiers.
EXHIBITORS = (
    _booth(
        "Archivium Systems",
        "platinum",
        "P-1",
        "archivium",
        ["Software", "Collections"],
        "Collections management software for museums of every size.",
        [
            ("Archivium CMS", "Software", "Catalogue, images and provenance."),
            ("Archivium Loans", "Software", "Outgoing and incoming loan tracking."),
        ],
    ),
    _booth(
        "LumenCase Display",
        "platinum",
        "P-2",
        "lumencase",
        ["Display cases", "Lighting"],
        "Conservation-grade display cases with integrated LED lighting.",
        [
            ("LumenCase Vitrine", "Display cases", "Sealed case with passive humidity."),
            ("LumenStrip", "Lighting", "Low-UV lighting for cases and walls."),
        ],
    ),
    _booth(
        "Meridian Digital",
        "platinum",
        "P-3",
        "meridian",
        ["Digital", "Interactives"],
        "Touch tables, projection and the content studio behind them.",
        [
            ("Meridian Table", "Interactives", "Multi-touch table for object stories."),
            ("Meridian Studio", "Digital", "Interactive content, designed with curators."),
        ],
    ),
    _booth(
        "Docent Audio",
        "gold",
        "G-1",
        "docentaudio",
        ["Audio guides", "Accessibility"],
        "Audio and multilingual guides visitors play on their own phones.",
        [
            ("Docent Tours", "Audio guides", "Guided tours in 30 languages."),
            ("Docent Describe", "Accessibility", "Audio description for blind visitors."),
        ],
    ),
    _booth(
        "Tessera Ticketing",
        "gold",
        "G-2",
        "tessera",
        ["Ticketing", "Software"],
        "Timed tickets, memberships and donations in one system.",
        [
            ("Tessera Box Office", "Ticketing", "Timed-entry ticketing."),
            ("Tessera Members", "Ticketing", "Membership renewals and benefits."),
        ],
    ),
    _booth(
        "Keystone Mounts",
        "gold",
        "G-3",
        "keystonemounts",
        ["Mounts", "Installation"],
        "Custom object mounts and installation crews.",
        [("Keystone Brackets", "Mounts", "Inert brass brackets made to measure.")],
    ),
    _booth(
        "Verdant Climate Control",
        "gold",
        "G-4",
        "verdant",
        ["Environment", "Building"],
        "Humidity and temperature control for galleries and stores.",
        [
            ("Verdant Micro", "Environment", "Case-level humidity control."),
            ("Verdant Audit", "Building", "An energy audit for heritage buildings."),
        ],
    ),
    _booth(
        "Curio Retail Design",
        "gold",
        "G-5",
        "curio",
        ["Retail", "Design"],
        "Museum shops designed around the collection.",
        [("Curio Fit-out", "Retail", "Shop design and fitting.")],
    ),
    _booth(
        "Fieldnote Research",
        "gold",
        "G-6",
        "fieldnote",
        ["Evaluation", "Audience research"],
        "Visitor studies and evaluation for exhibitions and programs.",
        [
            ("Fieldnote Survey", "Evaluation", "Visitor surveys with benchmarks."),
            ("Fieldnote Panels", "Audience research", "Community advisory panels."),
        ],
    ),
    _booth(
        "Hollis Fine Art Shipping",
        "silver",
        "S-1",
        "hollis",
        ["Shipping", "Loans"],
        "Crating, climate-controlled transport and couriers for loans.",
        [("Hollis Crates", "Shipping", "Reusable travelling crates.")],
    ),
    _booth(
        "ClimaSafe Monitoring",
        "silver",
        "S-2",
        "climasafe",
        ["Environment", "Sensors"],
        "Wireless sensors for temperature, humidity and light in galleries.",
        [
            ("ClimaSafe Sensor", "Sensors", "Battery sensor with five-year life."),
            ("ClimaSafe Alerts", "Environment", "Text alerts when conditions drift."),
        ],
    ),
    _booth(
        "Paperwise Conservation",
        "silver",
        "S-3",
        "paperwise",
        ["Conservation", "Storage"],
        "Archival boxes, tissue and conservation supplies.",
        [
            ("Acid-free Boxes", "Storage", "Archival boxes in forty sizes."),
            ("Buffered Tissue", "Conservation", "Tissue for textiles and paper."),
        ],
    ),
    _booth(
        "Wayfinder Signage",
        "silver",
        "S-4",
        "wayfinder",
        ["Signage", "Accessibility"],
        "Signs and maps every visitor can read.",
        [
            ("Tactile Maps", "Accessibility", "Raised-line floor plans."),
            ("Wayfinder Signs", "Signage", "Modular gallery signage."),
        ],
    ),
    _booth(
        "Gallery Rail Co",
        "silver",
        "S-5",
        "galleryrail",
        ["Installation", "Mounts"],
        "Picture-hanging systems for changing exhibitions.",
        [("Rail Pro", "Installation", "Ceiling and wall hanging rails.")],
    ),
    _booth(
        "Donorly",
        "silver",
        "S-6",
        "donorly",
        ["Fundraising", "Software"],
        "Online giving and donor relations for cultural nonprofits.",
        [("Donorly Give", "Fundraising", "Donation pages and recurring gifts.")],
    ),
    _booth(
        "Heritage Scan 3D",
        "silver",
        "S-7",
        "heritagescan",
        ["Digitization", "Digital"],
        "Photogrammetry and 3D scanning of collections.",
        [("Scan Service", "Digitization", "On-site 3D scanning of objects.")],
    ),
    _booth(
        "StoryLab Podcasts",
        "silver",
        "S-8",
        "storylab",
        ["Media", "Audience research"],
        "Podcast production for museums with something to say.",
        [("StoryLab Season", "Media", "An eight-episode series, end to end.")],
    ),
    _booth(
        "Open Label Studio",
        "standard",
        "B-1",
        "openlabel",
        ["Accessibility", "Design"],
        "Templates and training for accessible exhibition labels.",
        [("Label Kit", "Accessibility", "Large-print and braille templates.")],
    ),
    _booth(
        "Museum Store Makers",
        "standard",
        "B-2",
        "storemakers",
        ["Retail"],
        "Small-batch merchandise designed from your collection.",
        [("Collection Prints", "Retail", "Art prints on demand.")],
    ),
    _booth(
        "Pest Patrol Heritage",
        "standard",
        "B-3",
        "pestpatrol",
        ["Conservation"],
        "Integrated pest management for collections.",
        [("Trap Kit", "Conservation", "Monitoring traps and a log book.")],
    ),
    _booth(
        "Volunteer Hub",
        "standard",
        "B-4",
        "volunteerhub",
        ["Software", "Volunteers"],
        "Scheduling and recognition for volunteer teams.",
        [("Hub Rota", "Volunteers", "Shift scheduling by phone.")],
    ),
    _booth(
        "Gather Spaces",
        "standard",
        "B-5",
        "gatherspaces",
        ["Events", "Venue hire"],
        "Turning galleries into venues for evening events.",
        [("Gather Booking", "Venue hire", "Venue hire enquiries and contracts.")],
    ),
    _booth(
        "Lensfield Photography",
        "standard",
        "B-6",
        "lensfield",
        ["Digitization", "Media"],
        "Collection photography and image rights management.",
        [("Object Shoot", "Digitization", "Studio photography of objects.")],
    ),
    _booth(
        "Textile Care Guild",
        "standard",
        "B-7",
        "textilecare",
        ["Conservation", "Training"],
        "Courses on caring for costume and textile collections.",
        [("Costume Care Course", "Training", "A two-day hands-on course.")],
    ),
    _booth(
        "Kidscape Learning",
        "standard",
        "B-8",
        "kidscape",
        ["Education", "Interactives"],
        "Family trails and hands-on kits for young visitors.",
        [("Explorer Backpacks", "Education", "Activity backpacks for families.")],
    ),
    _booth(
        "Civic Memory Archive",
        "standard",
        "B-9",
        "civicmemory",
        ["Oral history", "Digital"],
        "Recording and publishing community oral histories.",
        [("Memory Kit", "Oral history", "Recorder, consent forms and guide.")],
    ),
    _booth(
        "Plinth & Pedestal",
        "standard",
        "B-10",
        "plinth",
        ["Display cases", "Installation"],
        "Plinths, pedestals and risers built to order.",
        [("Modular Plinths", "Display cases", "Stackable plinths in six finishes.")],
    ),
    _booth(
        "Brightwater Insurance",
        "standard",
        "B-11",
        "brightwater",
        ["Insurance", "Loans"],
        "Fine-art and nail-to-nail loan insurance.",
        [("Loan Cover", "Insurance", "Nail-to-nail cover for borrowed works.")],
    ),
    _booth(
        "Quiet Hours Consulting",
        "standard",
        "B-12",
        "quiethours",
        ["Accessibility", "Training"],
        "Sensory-friendly opening hours and staff training.",
        [("Sensory Map", "Accessibility", "A sensory map of your building.")],
    ),
    _booth(
        "Greenroof Heritage",
        "standard",
        "B-13",
        "greenroof",
        ["Building", "Environment"],
        "Sustainable retrofits for historic museum buildings.",
        [("Retrofit Study", "Building", "A feasibility study for your building.")],
    ),
)


class SeedError(Exception):
    """The API refused a request the demo data needs."""


def maildir_login_codes(maildir):
    """``login_code(email)``: a login code mailed to ``email`` in ``maildir`` since this
    was called (older mails may hold codes of an earlier run), waiting for it a while."""
    used = {code for _, code in _mailed_codes(maildir)}

    def login_code(email):
        deadline = clock.monotonic() + MAIL_WAIT_SECONDS
        while True:
            fresh = [c for to, c in _mailed_codes(maildir) if to == email.lower() and c not in used]
            if fresh:
                used.add(fresh[0])
                return fresh[0]
            if clock.monotonic() > deadline:
                raise SeedError(f"no login code mailed to {email} in {maildir}")
            clock.sleep(0.2)

    return login_code


def _mailed_codes(maildir):
    """(lower-cased recipient, code) of every login code mail in ``maildir``."""
    if not Path(maildir).exists():
        return []
    found = []
    for message in mailbox.Maildir(Path(maildir), create=False):
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                text = part.get_payload(decode=True).decode(errors="replace")
                match = re.search(r"enter the code (\d{8})", text)
                if match:
                    found.append(((message["To"] or "").lower(), match.group(1)))
    return found


def seed(base_url, organizer_token, log=print, login_code=None):
    """Create the demo program and expo hall unless the program already has sessions.
    ``login_code(email)`` returns the login code mailed to an address (see
    :func:`maildir_login_codes`); without it no attendee is listed in the directory.

    Returns True when it created the data, False when it found some already.
    """
    base_url = base_url.rstrip("/")
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {organizer_token}"
    if _existing_sessions(http, base_url):
        log("demo data: the program already has sessions, nothing to seed")
        return False
    now = datetime.now(UTC)
    event = _send(http, "PUT", f"{base_url}/v1/event", demo_event(now), 200)
    log(f"demo data: the event {event['name']!r}, {event['time_zone']} time")
    sessions = [_post(http, f"{base_url}/v1/sessions", session) for session in program(now)]
    log(f"demo data: {len(sessions)} sessions created")
    seed_networking(http, base_url, sessions, log)
    if login_code is None:
        log("demo data: no Maildir to read login codes from, so no attendees are listed")
    else:
        seed_attendees(base_url, login_code, log)
    for exhibitor in EXHIBITORS:
        created = _post(http, f"{base_url}/v1/exhibitors", exhibitor)
        log(
            f"demo data: exhibitor {created['name']} ({created['tier']}) "
            f"id={created['id']} api_key={created['api_key']}"
        )
    return True


def seed_networking(http, base_url, sessions, log):
    """Interests, the FAQ, tables for the networking sessions, listed attendees."""
    interests = [{"id": slug, "label": label} for slug, label in INTERESTS]
    _send(http, "PUT", f"{base_url}/v1/networking/interests", {"interests": interests}, 200)
    for position, (category, question, answer) in enumerate(FAQ):
        entry = {"question": question, "answer": answer, "category": category}
        _post(http, f"{base_url}/v1/faq", {**entry, "position": position})
    networking = [s for s in sessions if s["kind"] == "networking"]
    for session in networking:
        for topic, capacity in TABLE_TOPICS:
            table = {"topic": topic, "capacity": capacity}
            _post(http, f"{base_url}/v1/sessions/{session['id']}/tables", table)
    log(f"demo data: {len(FAQ)} FAQ entries, tables in {len(networking)} networking sessions")


def seed_attendees(base_url, login_code, log):
    """Attendees listed in the directory, each registered and signed in by mailed code."""
    tokens = []
    attendee = requests.Session()
    for full_name, organization, job_title, chosen in LISTED_ATTENDEES:
        email = _email_of(full_name)
        registration = {
            "email": email,
            "full_name": full_name,
            "organization": organization,
            "consent": {"share_with_exhibitors": True},
        }
        _send(attendee, "POST", f"{base_url}/v1/registrations", registration, 202)
        signed_in = {"email": email, "code": login_code(email)}
        token = _send(attendee, "POST", f"{base_url}/v1/auth/token", signed_in, 200)
        token = token["access_token"]
        profile = {
            "listed": True,
            "job_title": job_title,
            "interests": chosen,
            "bio": f"{job_title} at {organization}.",
            "looking_for": "Peers to swap ideas with over coffee.",
        }
        headers = {"Authorization": f"Bearer {token}"}
        _send(attendee, "PUT", f"{base_url}/v1/me/profile", profile, 200, headers)
        tokens.append((full_name, token))
    log(
        f"demo data: {len(tokens)} attendees in the directory; sign in as "
        f"{tokens[0][0]} with the access token {tokens[0][1]}"
    )


def _email_of(full_name):
    ascii_name = "".join(c for c in full_name.lower() if c.isascii() and (c.isalnum() or c == " "))
    return ".".join(ascii_name.split()) + "@museums.example.org"


def demo_event(now):
    """The event the program belongs to: a kickoff day tomorrow, then four days."""
    kickoff_day = now.date() + timedelta(days=1)
    return {
        **EVENT,
        "kickoff_day": kickoff_day.isoformat(),
        "conference_days": [(kickoff_day + timedelta(days=n)).isoformat() for n in range(1, 5)],
    }


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
        "stream_url": DEMO_STREAM_URL,
    }


def _existing_sessions(http, base_url):
    response = http.get(f"{base_url}/v1/sessions", timeout=HTTP_TIMEOUT_SECONDS)
    if response.status_code != 200:
        raise SeedError(f"GET /v1/sessions answered {response.status_code}: {response.text}")
    return response.json()["items"]


def _post(http, url, body):
    return _send(http, "POST", url, body, 201)


def _send(http, method, url, body, expected, headers=None):
    response = http.request(method, url, json=body, headers=headers, timeout=HTTP_TIMEOUT_SECONDS)
    if response.status_code != expected:
        raise SeedError(f"{method} {url} answered {response.status_code}: {response.text}")
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
    parser.add_argument(
        "--maildir", help="the local SMTP sink's Maildir, to read the attendees' login codes"
    )
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("an organizer token is needed: --token or $PLENARY_ORGANIZER_TOKEN")
    login_code = maildir_login_codes(args.maildir) if args.maildir else None
    try:
        seed(args.url, args.token, login_code=login_code)
    except (SeedError, requests.RequestException) as exc:
        sys.exit(f"seeding failed: {exc}")


if __name__ == "__main__":
    main()
