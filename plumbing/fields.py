"""marshmallow fields every service needs the same way.

Every string a service stores or queries with goes through one of these: PostgreSQL
cannot hold a NUL character, so it is refused here rather than failing in the database.

Text people type is clean at the door: a single-line field (a name, a title, a subject)
refuses every control and format character and every line or paragraph separator
(``str.splitlines()`` breaks at ``\r``, ``\x0b``, ``\x0c``, ``\x1c``-``\x1e``, ``\x85``,
``\u2028``, ``\u2029`` too); such a string later lands in an email header or a log line,
where it breaks or forges what follows. A multi-line field (a body, an abstract) keeps
``\n`` and ``\t`` only (a browser's ``\r\n`` becomes ``\n``).
"""

import unicodedata

from marshmallow import ValidationError, fields, validate

MAX_ID_LENGTH = 36  # ids are uuid4 strings


def refuse_nul(text):
    if "\x00" in text:
        raise ValidationError("Must not contain NUL characters.")
    return text


class Text(fields.String):
    """A string PostgreSQL can store: NUL characters are refused, not a server error."""

    def _deserialize(self, value, attr, data, **kwargs):
        return refuse_nul(super()._deserialize(value, attr, data, **kwargs))


class TrimmedText(Text):
    """Text without its surrounding whitespace, validated after trimming."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


# control (Cc), format (Cf: bidi overrides, invisible marks), line (Zl) and paragraph (Zp)
# separators, surrogates (Cs)
UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# the joiners are format characters that scripts need (Persian names, emoji sequences)
JOINERS = frozenset({"\u200c", "\u200d"})


def unprintable(text, allowed=frozenset()):
    """The first character of ``text`` that a person's text must not hold, or None."""
    for char in text:
        if char in allowed or char in JOINERS:
            continue
        if unicodedata.category(char) in UNPRINTABLE_CATEGORIES:
            return char
    return None


def refuse_unprintable(text, allowed=frozenset()):
    char = unprintable(text, allowed)
    if char is not None:
        raise ValidationError(
            f"Must not contain control characters or line breaks (found U+{ord(char):04X})."
        )
    return text


class SingleLine(Text):
    """One line of text a person typed (a name, a title, a subject): no control or
    format characters, no line or paragraph separators (not even trailing ones), then
    trimmed."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text.splitlines(keepends=True) != text.splitlines():  # a break of any kind
            raise ValidationError("Must be a single line.")
        return refuse_unprintable(text).strip()


class MultiLine(Text):
    """Text of several lines (a body, an abstract): newlines and tabs, nothing else that
    is not printable. ``trim`` drops the surrounding whitespace too."""

    def __init__(self, trim=False, **kwargs):
        super().__init__(**kwargs)
        self.trim = trim

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).replace("\r\n", "\n")
        text = refuse_unprintable(text, allowed=frozenset("\n\t"))
        return text.strip() if self.trim else text


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_PORT = (
    r"(?::(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}"
    r"|[1-9][0-9]{0,3}))?"
)
# a character of a URL's path and query as the pattern publishes it: no space, no NUL
# (the field refuses control and format characters too, see Url; the published document
# names them: gateway.field_schemas)
URL_PATH_CHAR = r"[^\s\x00]"
_IPV6 = r"\[[0-9A-Fa-f]*:[0-9A-Fa-f:]+\]"


def url_pattern(require_tld=True, path_char=URL_PATH_CHAR):
    """The URLs Plenary takes: http(s), a host name with a top-level domain, or (where
    the host may be any: webhooks, checked by address) a name, IPv4 or IPv6; a port; a
    path or a query of ``path_char``."""
    path = rf"(?:/{path_char}*|\?{path_char}+)?"
    if require_tld:
        host = rf"{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,63}}"
    else:
        host = rf"(?:{_LABEL}(?:\.{_LABEL})*|{_OCTET}(?:\.{_OCTET}){{3}}|{_IPV6})"
    return rf"^https?://{host}{_PORT}{path}$"


# the patterns the field enforces (within what marshmallow's check takes)
URL_PATTERN = url_pattern(require_tld=True)
LOCAL_URL_PATTERN = url_pattern(require_tld=False)


class Url(Text, fields.Url):
    """A URL PostgreSQL can store (marshmallow's URL check lets NUL through in the path),
    of the published form (``URL_PATTERN``, or ``LOCAL_URL_PATTERN`` without a TLD), and
    that reads as what it is: no control or format characters (a right-to-left override
    shows ``/\u202eexe.txt`` as ``/txt.exe`` in a portal or a mail)."""

    def __init__(self, *args, require_tld=True, **kwargs):
        super().__init__(*args, require_tld=require_tld, **kwargs)
        pattern = URL_PATTERN if require_tld else LOCAL_URL_PATTERN
        self.validators.insert(0, validate.Regexp(pattern, error="Not a valid URL."))

    def _deserialize(self, value, attr, data, **kwargs):
        return refuse_unprintable(super()._deserialize(value, attr, data, **kwargs))


class Id(Text):
    """An id argument: a non-empty string no longer than a uuid4."""

    def __init__(self, **kwargs):
        super().__init__(validate=validate.Length(min=1, max=MAX_ID_LENGTH), **kwargs)


def not_blank(text):
    if not text.strip():
        raise ValidationError("Must not be blank.")


class StrictBoolean(fields.Boolean):
    """JSON true or false only: not "yes", 1 or "on" (consent, flags)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value
