"""Exhibitors over real RPC, PostgreSQL and RabbitMQ."""

import hashlib

import pytest

from plumbing.errors import Invalid, NotFound
from plumbing.outbox import outbox_table
from plumbing.testing import count_rows, outbox_envelopes
from services.expo.models import Exhibitor, Product
from services.expo.tests.conftest import ACME


def test_create_exhibitor_returns_it_with_a_key_stored_only_as_its_hash(expo, expo_db):
    created = expo.create_exhibitor(ACME)

    assert created["api_key"].startswith("pex_")
    assert {k: created[k] for k in ("name", "description", "tier", "website")} == {
        k: ACME[k] for k in ("name", "description", "tier", "website")
    }
    assert [(p["name"], p["description"]) for p in created["products"]] == [
        (p["name"], p["description"]) for p in ACME["products"]
    ]
    stored = expo_db.get(Exhibitor, created["id"])
    assert stored.api_key_hash == hashlib.sha256(created["api_key"].encode()).hexdigest()
    assert created["api_key"] not in {stored.api_key_hash, stored.name, stored.description}
    [event] = outbox_envelopes(expo_db, "exhibitor_created")
    assert event["data"] == {"exhibitor_id": created["id"], "name": ACME["name"], "tier": "gold"}


def test_get_exhibitor_round_trip_never_shows_the_key(expo):
    created = expo.create_exhibitor(ACME)

    fetched = expo.get_exhibitor(created["id"])

    assert fetched == {k: v for k, v in created.items() if k != "api_key"}
    assert set(fetched) == {"id", "name", "description", "tier", "website", "products"}
    assert set(fetched["products"][0]) == {"id", "name", "description"}


def test_exhibitor_without_optional_fields(expo):
    created = expo.create_exhibitor({"name": "  Bare Booth  ", "tier": "standard"})

    assert expo.get_exhibitor(created["id"]) == {
        "id": created["id"],
        "name": "Bare Booth",
        "description": "",
        "tier": "standard",
        "website": None,
        "products": [],
    }


def test_api_key_authenticates_its_exhibitor_only(expo):
    acme = expo.create_exhibitor(ACME)
    other = expo.create_exhibitor({**ACME, "name": "Other"})

    assert expo.authenticate_exhibitor(acme["api_key"]) == acme["id"]
    assert expo.authenticate_exhibitor(other["api_key"]) == other["id"]
    assert expo.authenticate_exhibitor(acme["api_key"] + "x") is None
    assert expo.authenticate_exhibitor(acme["api_key"][4:]) is None  # without its prefix
    assert expo.authenticate_exhibitor("pex_forged") is None
    assert expo.authenticate_exhibitor("") is None
    for not_a_string in (None, 42, ["pex_x"], {"api_key": acme["api_key"]}):
        assert expo.authenticate_exhibitor(not_a_string) is None


def test_get_unknown_exhibitor_is_not_found(expo):
    with pytest.raises(NotFound):
        expo.get_exhibitor("00000000-0000-0000-0000-000000000000")


@pytest.mark.parametrize("exhibitor_id", [None, 42, "", "x" * 37, ["id"], {"id": "x"}])
def test_get_exhibitor_with_a_non_id_is_invalid(expo, exhibitor_id):
    with pytest.raises(Invalid) as refused:
        expo.get_exhibitor(exhibitor_id)
    assert "exhibitor_id" in refused.value.errors


def names(page):
    return [item["name"] for item in page["items"]]


# platinum, gold, silver, standard; by name within a tier
CATALOG_IN_LIST_ORDER = [
    "Alpha Audio",
    "Zeta Lighting",
    "Delta Displays",
    "Gamma Guides",
    "Alpha Archives",
    "Beta Mounts",
]


@pytest.fixture
def catalog(expo):
    for name, tier, products in [
        ("Zeta Lighting", "platinum", ["Gallery LED"]),
        ("Beta Mounts", "standard", ["Wall Rail"]),
        ("Alpha Archives", "silver", ["Acid-free Boxes"]),
        ("Gamma Guides", "gold", ["Audio Guide"]),
        ("Delta Displays", "gold", ["Showcase 100%"]),
        ("Alpha Audio", "platinum", ["Headsets"]),
    ]:
        expo.create_exhibitor(
            {
                "name": name,
                "tier": tier,
                "description": f"{name} ltd",
                "products": [{"name": p} for p in products],
            }
        )


def test_list_orders_by_tier_then_name(expo, catalog):
    page = expo.list_exhibitors({})

    assert names(page) == CATALOG_IN_LIST_ORDER
    assert page["next_cursor"] is None
    assert expo.list_exhibitors() == page


def test_list_pages_with_cursor_through_everything_once(expo, catalog):
    seen = []
    page = expo.list_exhibitors({}, limit=4)
    seen += names(page)
    assert len(seen) == 4
    page = expo.list_exhibitors({}, limit=4, cursor=page["next_cursor"])
    seen += names(page)

    assert page["next_cursor"] is None
    assert seen == names(expo.list_exhibitors({}, limit=200))


def test_pages_of_one_walk_the_whole_list(expo, catalog):
    seen, cursor = [], None
    for _ in range(10):
        page = expo.list_exhibitors({}, 1, cursor)
        seen += names(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == names(expo.list_exhibitors({}))


FILTER_CASES = [
    ({"tier": "gold"}, ["Delta Displays", "Gamma Guides"]),
    ({"q": "alpha"}, ["Alpha Audio", "Alpha Archives"]),
    ({"q": "  ALPHA  "}, ["Alpha Audio", "Alpha Archives"]),
    ({"q": "wall rail"}, ["Beta Mounts"]),  # a product's name
    ({"q": "mounts LTD"}, ["Beta Mounts"]),  # the description
    ({"q": "alpha", "tier": "silver"}, ["Alpha Archives"]),
    ({"q": "100%"}, ["Delta Displays"]),  # % is a character, not a wildcard
    ({"q": "%"}, ["Delta Displays"]),
    ({"q": "_"}, []),
    ({"q": "nothing like it"}, []),
    ({"q": "", "tier": None}, CATALOG_IN_LIST_ORDER),
]


def test_list_filters(expo, catalog):
    for filters, expected in FILTER_CASES:
        assert names(expo.list_exhibitors(filters)) == expected, filters


VALID_PRODUCT = {"name": "Case", "description": "d"}


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "name"),
        ({**ACME, "name": ""}, "name"),
        ({**ACME, "name": "   "}, "name"),
        ({**ACME, "name": "x" * 201}, "name"),
        ({**ACME, "name": 42}, "name"),
        ({**ACME, "description": "x" * 5001}, "description"),
        ({**ACME, "description": None}, "description"),
        ({**ACME, "tier": "diamond"}, "tier"),
        ({**ACME, "tier": None}, "tier"),
        ({k: v for k, v in ACME.items() if k != "tier"}, "tier"),
        ({**ACME, "website": "javascript:alert(1)"}, "website"),
        ({**ACME, "website": "ftp://acme.example"}, "website"),
        ({**ACME, "website": "not a url"}, "website"),
        ({**ACME, "website": "https://" + "a" * 2000 + ".example"}, "website"),
        ({**ACME, "products": [VALID_PRODUCT] * 101}, "products"),
        ({**ACME, "products": [{"description": "no name"}]}, "products"),
        ({**ACME, "products": [{**VALID_PRODUCT, "name": "x" * 201}]}, "products"),
        ({**ACME, "products": [{**VALID_PRODUCT, "description": "x" * 2001}]}, "products"),
        ({**ACME, "products": "VitrineX"}, "products"),
        ({**ACME, "products": ["VitrineX"]}, "products"),
        ({**ACME, "api_key_hash": "chosen"}, "api_key_hash"),
        (["not", "an", "object"], "_schema"),
        (None, "_schema"),
    ],
)
def test_invalid_exhibitor_is_refused_and_writes_nothing(expo, expo_db, payload, field):
    with pytest.raises(Invalid) as refused:
        expo.create_exhibitor(payload)

    assert field in refused.value.errors
    assert count_rows(expo_db, Exhibitor) == 0
    assert count_rows(expo_db, Product) == 0
    assert count_rows(expo_db, outbox_table) == 0


def test_the_largest_valid_exhibitor_is_accepted(expo):
    created = expo.create_exhibitor(
        {
            **ACME,
            "name": "x" * 200,
            "description": "x" * 5000,
            "products": [{"name": "p" * 200, "description": "d" * 2000}] * 100,
        }
    )
    assert len(expo.get_exhibitor(created["id"])["products"]) == 100


@pytest.mark.parametrize(
    "args, field",
    [
        (("tier-list",), "_schema"),
        (({"tier": "diamond"},), "tier"),
        (({"q": "x" * 201},), "q"),
        (({"q": 42},), "q"),
        (({"sort": "name"},), "sort"),
        (({}, 0), "limit"),
        (({}, -1), "limit"),
        (({}, 201), "limit"),
        (({}, "10"), "limit"),
        (({}, True), "limit"),
        (({}, 2.5), "limit"),
        (({}, 10, "garbage"), "cursor"),
        (({}, 10, 42), "cursor"),
        (({}, 10, ""), "cursor"),
        (({}, 10, "W10"), "cursor"),  # a valid encoding of []
        (({}, 10, "WyJhIiwgImIiLCAiYyJd"), "cursor"),  # ["a", "b", "c"]
        (({}, 10, "x" * 5000), "cursor"),
    ],
)
def test_list_exhibitors_refuses_bad_arguments(expo, args, field):
    with pytest.raises(Invalid) as refused:
        expo.list_exhibitors(*args)
    assert field in refused.value.errors
