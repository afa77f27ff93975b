"""Exhibitors over real RPC, PostgreSQL and RabbitMQ."""

import hashlib

import pytest

from contracts.errors import Conflict, Invalid, NotFound
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
    assert set(fetched) == {
        "id",
        "name",
        "description",
        "tier",
        "booth",
        "website",
        "logo_url",
        "categories",
        "staff",
        "products",
    }
    assert set(fetched["products"][0]) == {
        "id",
        "name",
        "description",
        "category",
        "media_url",
        "resource_url",
    }


def test_exhibitor_without_optional_fields(expo):
    created = expo.create_exhibitor({"name": "  Bare Booth  ", "tier": "standard"})

    assert expo.get_exhibitor(created["id"]) == {
        "id": created["id"],
        "name": "Bare Booth",
        "description": "",
        "tier": "standard",
        "booth": "",
        "website": None,
        "logo_url": None,
        "categories": [],
        "staff": [],
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
    ({"q": "display"}, ["Delta Displays"]),  # a word of the name
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
        (({}, 10, 42), "cursor"),
        (({}, 10, ""), "cursor"),
        (({}, 10, "not a cursor!"), "cursor"),
        (({}, 10, "x" * 5000), "cursor"),
    ],
)
def test_list_exhibitors_refuses_bad_arguments(expo, args, field):
    with pytest.raises(Invalid) as refused:
        expo.list_exhibitors(*args)
    assert field in refused.value.errors


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",  # the published form, but not base64 JSON
        "W10",  # a valid encoding of []
        "WyJhIiwgImIiLCAiYyJd",  # ["a", "b", "c"]
    ],
)
def test_a_cursor_of_the_right_form_this_list_did_not_hand_out_names_no_page(expo, cursor):
    """The published contract (plumbing/cursors.py): 404, not 422."""
    with pytest.raises(NotFound):
        expo.list_exhibitors({}, 10, cursor)


def test_full_text_search_on_postgresql_matches_words_in_any_order(expo, expo_db, catalog):
    if expo_db.get_bind().dialect.name != "postgresql":
        pytest.skip("full-text search is PostgreSQL's; SQLite matches substrings")
    assert names(expo.list_exhibitors({"q": "guide audio"})) == ["Gamma Guides"]
    assert names(expo.list_exhibitors({"q": "alpha -audio"})) == ["Alpha Archives"]
    assert names(expo.list_exhibitors({"q": "box"})) == ["Alpha Archives"]  # stemmed
    assert names(expo.list_exhibitors({"q": 'mounts "or'})) == ["Beta Mounts"]  # never an error


FULL_BOOTH = {
    **ACME,
    "booth": " B-12 ",
    "logo_url": "https://acme.example/logo.png",
    "categories": ["Display cases", "Lighting", "display CASES"],
    "staff": [{"name": "Sam Seller", "role": "Sales", "email": "sam@acme.example"}],
    "products": [
        {
            "name": "VitrineX",
            "description": "A sealed case.",
            "category": "Cases",
            "media_url": "https://acme.example/vitrinex.mp4",
            "resource_url": "https://acme.example/vitrinex.pdf",
        }
    ],
}


def test_every_booth_field_round_trips(expo):
    created = expo.create_exhibitor(FULL_BOOTH)

    fetched = expo.get_exhibitor(created["id"])
    assert (fetched["booth"], fetched["logo_url"]) == ("B-12", "https://acme.example/logo.png")
    assert fetched["categories"] == ["Display cases", "Lighting"]  # repeats in any case go
    assert fetched["staff"] == FULL_BOOTH["staff"]
    [product] = fetched["products"]
    assert {k: product[k] for k in FULL_BOOTH["products"][0]} == FULL_BOOTH["products"][0]


def test_category_filter_matches_exhibitor_and_product_categories(expo):
    booth = expo.create_exhibitor(FULL_BOOTH)
    expo.create_exhibitor({"name": "Other", "tier": "gold", "categories": ["Software"]})

    for category in ("lighting", "DISPLAY CASES", "cases"):
        assert [e["id"] for e in expo.list_exhibitors({"category": category})["items"]] == [
            booth["id"]
        ], category
    assert expo.list_exhibitors({"category": "light"})["items"] == []


def test_exhibitor_edits_its_profile(expo, expo_db):
    acme = expo.create_exhibitor(FULL_BOOTH)

    changed = expo.update_exhibitor(
        acme["id"],
        {"description": "New words", "categories": ["lighting", "Audio"], "logo_url": None},
    )

    assert changed == expo.get_exhibitor(acme["id"])
    assert (changed["description"], changed["logo_url"]) == ("New words", None)
    assert changed["categories"] == ["lighting", "Audio"]
    assert (changed["name"], changed["tier"], changed["booth"]) == (ACME["name"], "gold", "B-12")
    assert expo.update_exhibitor(acme["id"], {}) == changed
    assert [e["name"] for e in expo.list_exhibitors({"category": "audio"})["items"]] == [
        ACME["name"]
    ]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"tier": "platinum"}, "tier"),  # the organizer's to set
        ({"booth": "A-1"}, "booth"),
        ({"name": "  "}, "name"),
        ({"website": "ftp://acme.example"}, "website"),
        ({"categories": ["x" * 51]}, "categories"),
        ({"categories": ["ok"] * 21}, "categories"),
        ({"staff": [{"role": "no name"}]}, "staff"),
        ({"staff": [{"name": "Sam", "email": "not-an-email"}]}, "staff"),
        ({"products": []}, "products"),
        ("profile", "_schema"),
    ],
)
def test_invalid_profile_change_writes_nothing(expo, expo_db, payload, field):
    acme = expo.create_exhibitor(FULL_BOOTH)

    with pytest.raises(Invalid) as refused:
        expo.update_exhibitor(acme["id"], payload)

    assert field in refused.value.errors
    assert expo.get_exhibitor(acme["id"]) == {k: v for k, v in acme.items() if k != "api_key"}


def test_rotating_the_key_retires_the_old_one(expo):
    acme = expo.create_exhibitor(ACME)
    other = expo.create_exhibitor({**ACME, "name": "Other"})

    rotated = expo.rotate_api_key(acme["id"])

    assert rotated["id"] == acme["id"]
    assert rotated["api_key"].startswith("pex_") and rotated["api_key"] != acme["api_key"]
    assert expo.authenticate_exhibitor(acme["api_key"]) is None
    assert expo.authenticate_exhibitor(rotated["api_key"]) == acme["id"]
    assert expo.authenticate_exhibitor(other["api_key"]) == other["id"]
    with pytest.raises(NotFound):
        expo.rotate_api_key("00000000-0000-0000-0000-000000000000")


def test_products_are_added_changed_and_removed(expo):
    acme = expo.create_exhibitor(ACME)
    first, second = acme["products"]

    added = expo.add_product(acme["id"], {"name": " Light Meter ", "category": "Tools"})
    changed = expo.update_product(
        acme["id"], first["id"], {"resource_url": "https://acme.example/x.pdf", "name": "V2"}
    )
    expo.remove_product(acme["id"], second["id"])
    expo.remove_product(acme["id"], second["id"])  # already gone: harmless

    assert added["name"] == "Light Meter" and added["category"] == "Tools"
    assert (changed["name"], changed["resource_url"]) == ("V2", "https://acme.example/x.pdf")
    assert changed["description"] == first["description"]
    assert expo.get_exhibitor(acme["id"])["products"] == [changed, added]
    assert expo.list_exhibitors({"q": "hygro"})["items"] == []  # removed: not searchable
    with pytest.raises(NotFound):
        expo.update_product(acme["id"], second["id"], {"name": "back"})


def test_an_exhibitor_cannot_touch_anothers_products(expo, expo_db):
    acme = expo.create_exhibitor(ACME)
    rival = expo.create_exhibitor({**ACME, "name": "Rival"})
    rivals_product = rival["products"][0]

    with pytest.raises(NotFound):
        expo.update_product(acme["id"], rivals_product["id"], {"name": "Mine now"})
    with pytest.raises(NotFound):
        expo.remove_product(acme["id"], rivals_product["id"])

    assert expo.get_exhibitor(rival["id"])["products"][0] == rivals_product


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "P", "media_url": "javascript:alert(1)"}, "media_url"),
        ({"name": "P", "resource_url": "not a url"}, "resource_url"),
        ({"name": "P", "category": "c" * 51}, "category"),
        ({"name": "P", "id": "chosen"}, "id"),
        (["P"], "_schema"),
    ],
)
def test_invalid_product_writes_nothing(expo, expo_db, payload, field):
    acme = expo.create_exhibitor(ACME)

    with pytest.raises(Invalid) as refused:
        expo.add_product(acme["id"], payload)
    assert field in refused.value.errors
    if payload != {} and isinstance(payload, dict) and "name" in payload:
        with pytest.raises(Invalid):
            expo.update_product(acme["id"], acme["products"][0]["id"], payload)
    assert count_rows(expo_db, Product) == 2
    assert expo.get_exhibitor(acme["id"])["products"] == acme["products"]


def test_a_booth_lists_at_most_a_hundred_products(expo, expo_db):
    full = expo.create_exhibitor({**ACME, "products": [{"name": "p"}] * 100})

    with pytest.raises(Conflict):
        expo.add_product(full["id"], {"name": "one too many"})
    assert count_rows(expo_db, Product) == 100
