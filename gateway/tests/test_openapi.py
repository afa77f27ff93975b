"""The published OpenAPI document is valid OpenAPI 3.1 and covers every route."""

import re

import pytest
from marshmallow import Schema, ValidationError
from marshmallow import validate as checks
from openapi_spec_validator import validate

from contracts.enums import RESTRICTED_TICKET_TYPES
from contracts.rpc.notifications import PREFERENCE_DEFAULTS
from gateway import service  # noqa: F401  (imports every route module)
from gateway.field_schemas import field_constraints
from gateway.http import ROUTES
from gateway.openapi import openapi_document
from plumbing.fields import SingleLine, Url


def test_the_document_is_valid_openapi():
    validate(openapi_document())


def test_every_route_has_its_operation_security_and_problem_responses():
    paths = openapi_document()["paths"]
    for route in ROUTES:
        operation = paths[route.path.replace("<", "{").replace(">", "}")][route.method.lower()]
        assert operation["summary"] == route.summary
        if route.auth:
            assert operation["security"] == [{route.auth: []}]
            assert {"401", "403"} <= set(operation["responses"])
        if route.body is not None:
            assert {"400", "413", "415", "422"} <= set(operation["responses"])


def field_accepts(field, value):
    try:
        Schema.from_dict({"value": field})().load({"value": value})
    except ValidationError:
        return False
    return True


def published(field):
    """The JSON Schema the document gives ``field`` (an attribute function's part)."""
    return field_constraints(None, field)


# a sample of characters: ASCII and Latin-1 controls, format characters (bidi, soft
# hyphen, BOM, tags), separators, joiners, spaces, letters, an emoji
SAMPLE = [chr(c) for c in range(0, 0x100)] + [
    *"\u200b\u200c\u200d\u200e\u202e\u2028\u2029\u2060\u3000\ufeff\U000e0001",
    *"\u00e9\u4e2d\U0001f600",
]


@pytest.mark.parametrize("require_tld", [True, False])
def test_a_url_pattern_refuses_what_the_field_refuses(require_tld):
    # the fuzzer sent URLs with a control character in the path: the pattern took them,
    # the field refused them (422)
    field = Url(require_tld=require_tld)
    pattern = re.compile(published(field)["pattern"])
    for char in SAMPLE:
        url = f"https://example.org/a{char}b?c{char}"
        assert bool(pattern.match(url)) == field_accepts(field, url), repr(char)


def test_a_trimmed_minimum_is_in_the_pattern():
    # the directory's q: at least 2 characters once trimmed, one printable line
    field = SingleLine(validate=checks.Length(min=2, max=100))
    pattern = re.compile(published(field)["pattern"])
    for text in ["ab", " a b ", "a", " a ", "  ", "", "a\u0088b", "a\nb", "\u00e9\u00e9"]:
        assert bool(pattern.match(text)) == field_accepts(field, text), repr(text)


def test_a_dict_publishes_the_keys_it_takes():
    schemas = openapi_document()["components"]["schemas"]
    channels = schemas["PreferencesPayload"]["properties"]["channels"]
    assert channels["propertyNames"] == {"enum": list(PREFERENCE_DEFAULTS)}


def test_codes_are_issued_for_restricted_ticket_types_only():
    operation = openapi_document()["paths"]["/v1/ticket-types/{ticket_type}/codes"]["post"]
    [parameter] = operation["parameters"]
    assert parameter["schema"]["enum"] == list(RESTRICTED_TICKET_TYPES)
