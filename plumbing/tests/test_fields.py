"""Text people type is clean at the door (issue 12)."""

import pytest
from marshmallow import Schema, ValidationError

from plumbing.fields import MultiLine, SingleLine, Url

HOSTILE = [
    "Keynote\u2028moved",
    "Agenda\u2029",
    "a\x1eb",
    "a\x1cb",
    "a\x1db",
    "line\r\nBcc: x@example.org",
    "a\rb",
    "a\nb",
    "a\x0bb",
    "a\x0cb",
    "a\x85b",
    "a\x07b",
    "a\x1bb",
    "evil\u202etxt.exe",  # right-to-left override
    "zero\u200bwidth",
    "bom\ufeff",
    "a\x00b",
]


class Form(Schema):
    title = SingleLine(required=True)
    body = MultiLine(trim=True)


@pytest.mark.parametrize("text", HOSTILE)
def test_a_single_line_field_refuses_breaks_controls_and_format_characters(text):
    with pytest.raises(ValidationError) as caught:
        Form().load({"title": text})
    assert "title" in caught.value.messages


@pytest.mark.parametrize("text", [t for t in HOSTILE if t not in ("a\nb",)])
def test_a_multi_line_field_keeps_only_newlines_and_tabs(text):
    if text == "line\r\nBcc: x@example.org":
        assert Form().load({"title": "t", "body": text})["body"] == "line\nBcc: x@example.org"
        return
    with pytest.raises(ValidationError) as caught:
        Form().load({"title": "t", "body": text})
    assert "body" in caught.value.messages


@pytest.mark.parametrize(
    "text",
    ["Zoë Ångström", "Ὀδυσσεύς", "محمد\u200cرضا", "李小龙", "👩\u200d🔬 Lab", "Jean-Luc O'Neil"],
)
def test_people_s_names_in_any_script_pass(text):
    assert Form().load({"title": f"  {text} "})["title"] == text


def test_a_multi_line_field_keeps_its_lines_and_tabs():
    body = "Dear members,\n\n\tthe keynote moved.\n"
    assert Form().load({"title": "t", "body": body})["body"] == body.strip()


class UrlHolder(Schema):
    url = Url()


@pytest.mark.parametrize(
    "url",
    [
        "https://archival.example/\u202eevil.exe",  # right-to-left override: shown reversed
        "https://archival.example/a\u200bb",  # zero-width space: two URLs that look alike
        "https://archival.example/\x1e",
    ],
)
def test_a_url_refuses_control_and_format_characters(url):
    with pytest.raises(ValidationError, match="control characters"):
        UrlHolder().load({"url": url})


def test_a_url_keeps_non_ascii_letters():
    assert UrlHolder().load({"url": "https://archival.example/caf\u00e9"})["url"]
