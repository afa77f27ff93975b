"""What the services' marshmallow fields refuse, said in JSON Schema, so the published
document describes the API exactly (issue 13: a fuzzer found schema-valid requests
refused and schema-violating ones accepted).

apispec knows marshmallow's own validators (lengths, ranges, ``OneOf``, ``Regexp``);
this adds Plenary's fields: NUL refused everywhere (``Text``), single-line and
multi-line text (``plumbing.fields``), text that must not be blank (or shorter than its
minimum) once trimmed, URLs without control or format characters, the keys a dict
takes, and IANA time zones. Patterns use Python's regex syntax (``\\uXXXX`` escapes),
as schemathesis and hypothesis read them.
"""

import functools
import sys
import unicodedata

from marshmallow import fields, validate

from contracts.enums import RESTRICTED_TICKET_TYPES
from contracts.rpc import expo, networking, registration, sessions
from plumbing import fields as plenary_fields

# what trimmed fields strip (str.strip(): every Unicode space)
SPACES = frozenset(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


def _escape(code):
    char = chr(code)
    if code > 0xFFFF:
        return char  # astral: the character itself (no \u escape reaches it)
    if char.isalnum() and code < 0x80:
        return char
    return f"\\u{code:04x}"


def char_class(refused, negate=True):
    """A regex character class of every character but ``refused`` (or of ``refused``)."""
    codes = sorted(ord(c) for c in refused)
    ranges, start, end = [], None, None
    for code in codes:
        if start is not None and code == end + 1:
            end = code
            continue
        if start is not None:
            ranges.append((start, end))
        start = end = code
    if start is not None:
        ranges.append((start, end))
    body = "".join(_escape(a) if a == b else f"{_escape(a)}-{_escape(b)}" for a, b in ranges)
    return f"[{'^' if negate else ''}{body}]"


@functools.cache
def refused_characters(multi_line):
    # surrogates (Cs) are refused too, but a regex cannot name them (they are no
    # characters of their own in UTF-8), nor can a client send one unpaired in UTF-8 JSON
    refused = {
        chr(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.category(chr(c)) in plenary_fields.UNPRINTABLE_CATEGORIES - {"Cs"}
        and chr(c) not in plenary_fields.JOINERS
    }
    return refused - {"\n", "\t"} if multi_line else refused


@functools.cache
def text_pattern(kind, min_solid):
    """``kind``: "text" (no NUL), "single" (one printable line), "multi" (several lines;
    a browser's \\r\\n counts as \\n). ``min_solid``: how long the text is at least once
    trimmed (0: anything, 1: not blank, 2: two characters or more, from its first to its
    last that is not a space)."""
    refused = {"text": frozenset("\x00")}.get(kind) or refused_characters(kind == "multi")
    allowed = char_class(refused)
    if kind == "multi":
        allowed = f"(?:{allowed}|\\r\\n)"
    if not min_solid:
        return f"^{allowed}*$"
    solid = char_class(set(refused) | SPACES)
    if min_solid == 1:
        return f"^{allowed}*{solid}{allowed}*$"
    return f"^{allowed}*{solid}{allowed}{{{min_solid - 2},}}{solid}{allowed}*$"


@functools.cache
def url_pattern(require_tld):
    """A URL as the field takes it: its pattern, with the path's characters narrowed to
    what ``refuse_unprintable`` lets through (no control or format characters)."""
    path_char = char_class(refused_characters(multi_line=False) | SPACES)
    return plenary_fields.url_pattern(require_tld, path_char)


def trims(field):
    if isinstance(field, plenary_fields.MultiLine):
        return field.trim
    return isinstance(field, (plenary_fields.SingleLine, plenary_fields.TrimmedText))


def min_solid(field):
    """How long ``field`` must be once trimmed (a field that does not trim: 1 when it
    must not be blank, else 0)."""
    minimum = max(
        (v.min or 0 for v in field.validators if isinstance(v, validate.Length)), default=0
    )
    if trims(field):
        return max(minimum, 1 if plenary_fields.not_blank in field.validators else 0)
    return 1 if plenary_fields.not_blank in field.validators else 0


def has_pattern(field):
    return any(isinstance(v, validate.Regexp) for v in field.validators)


def is_time_zone_field(field):
    return isinstance(field, sessions.TimeZone) or registration.is_time_zone in field.validators


def field_constraints(self, field, **kwargs):
    """apispec attribute function: the JSON Schema of what ``field`` refuses."""
    if is_time_zone_field(field):
        return {"enum": sorted(registration.TIME_ZONES)}
    if {sessions.within_program_years, sessions.PROGRAM_DAYS, sessions.EVENT_DAYS} & set(
        field.validators
    ):
        return {"pattern": "^20[0-9]{2}-"}  # sessions.PROGRAM_YEARS, as written
    if isinstance(field, fields.Dict) and field.key_field is not None:
        choices = [v.choices for v in field.key_field.validators if isinstance(v, validate.OneOf)]
        return {"propertyNames": {"enum": list(choices[0])}} if choices else {}
    if isinstance(field, plenary_fields.Url):
        return {"pattern": url_pattern(field.require_tld)}
    if not isinstance(field, plenary_fields.Text) or has_pattern(field):
        return {}
    if isinstance(field, plenary_fields.SingleLine):
        kind = "single"
    elif isinstance(field, plenary_fields.MultiLine):
        kind = "multi"
    else:
        kind = "text"
    return {"pattern": text_pattern(kind, min_solid(field))}


# Rules across fields, said in JSON Schema where it can say them. Those it cannot (an
# end after its start, ids unique within a list) are in the operation's description;
# tests/fuzz_hooks.py keeps the fuzzer's valid cases within them.
AT_LEAST_ONE = {"minProperties": 1}
SCHEMA_RULES = {
    registration.RegistrationSchema: {
        "allOf": [
            {
                "if": {
                    "required": ["ticket_type"],
                    "properties": {"ticket_type": {"enum": list(RESTRICTED_TICKET_TYPES)}},
                },
                "then": {"required": ["ticket_code"]},
            }
        ]
    },
    registration.ProfileChangeSchema: AT_LEAST_ONE,
    sessions.SessionChangesSchema: AT_LEAST_ONE,
    sessions.MessageChangesSchema: AT_LEAST_ONE,
    networking.SettingsPayload: AT_LEAST_ONE,
    networking.TableChangesPayload: AT_LEAST_ONE,
    networking.FaqChangesPayload: AT_LEAST_ONE,
    expo.InteractionInputSchema: {
        "allOf": [
            {
                "if": {"properties": {"kind": {"const": "download"}}},
                "then": {
                    "required": ["product_id"],
                    "properties": {"product_id": {"type": "string"}},
                },
            },
            {
                "if": {"properties": {"kind": {"not": {"const": "meeting_request"}}}},
                "then": {"properties": {"proposed_times": {"maxItems": 0}}},
            },
        ]
    },
    expo.MeetingAnswerSchema: {
        "allOf": [
            {
                "if": {"properties": {"status": {"const": "accepted"}}},
                "then": {
                    "required": ["accepted_time"],
                    "properties": {"accepted_time": {"type": "string"}},
                },
            },
            {
                "if": {"properties": {"status": {"const": "declined"}}},
                "then": {"properties": {"accepted_time": {"type": "null"}}},
            },
        ]
    },
}


def add_schema_rules(document, resolver):
    components = document["components"]["schemas"]
    for schema_cls, rules in SCHEMA_RULES.items():
        name = resolver(schema_cls)
        if name in components:
            components[name].update(rules)
