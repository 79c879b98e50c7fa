"""JSON that every database accepts, within bounds a request body never needs to exceed.

* No NUL characters, no lone surrogates: Python's json module reads ``"\\u0000"`` and
  ``"\\ud800"``; PostgreSQL refuses the first in text and jsonb, and neither can be
  encoded as UTF-8.
* Finite numbers only: ``1e400`` is ``inf`` to Python, and ``int(inf)`` deep in a field
  raises OverflowError; ``NaN`` and ``Infinity`` are not JSON at all.
* Nesting at most ``API_JSON_MAX_DEPTH`` levels and a body of at most
  ``API_JSON_MAX_BYTES``: the deepest body the API takes is three levels; a body nested
  thousands of levels exhausts the recursion of every later consumer (413 for size).

Refusing these at the door turns what would be a 500 deep in a transition into a 400.
"""

import json
import math
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError

SURROGATES = range(0xD800, 0xE000)
# A JSON string (escapes included): its brackets are text, not nesting.
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
BRACKETS = re.compile(r"[\[\]{}]")
OPENING = frozenset("[{")


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is larger than the API accepts.")
    default_code = "too_large"


def has_forbidden_text(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value or any(ord(char) in SURROGATES for char in value)
    if isinstance(value, dict):
        return any(has_forbidden_text(k) or has_forbidden_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_forbidden_text(item) for item in value)
    return False


def nesting_exceeds(text: str, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit``; stops at the first excess."""
    depth = 0
    for bracket in BRACKETS.findall(JSON_STRING.sub('""', text)):
        depth += 1 if bracket in OPENING else -1
        if depth > limit:
            return True
    return False


def finite_float(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ParseError(_("Numbers must be finite: %(number)s is out of range.") % {"number": literal[:40]})
    return value


def no_constant(literal: str) -> None:
    raise ParseError(_("%(constant)s is not a JSON value.") % {"constant": literal})


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.API_JSON_MAX_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise BodyTooLarge()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(_("The body is not valid %(encoding)s.") % {"encoding": encoding}) from None
        if nesting_exceeds(text, settings.API_JSON_MAX_DEPTH):
            raise ParseError(_("The JSON body nests deeper than %(depth)s levels.")
                             % {"depth": settings.API_JSON_MAX_DEPTH})
        try:
            data = json.loads(text, parse_float=finite_float, parse_constant=no_constant)
        except ValueError as exc:
            raise ParseError(_("The body is not valid JSON: %(error)s") % {"error": exc}) from None
        except RecursionError:
            raise ParseError(_("The JSON body nests too deeply.")) from None
        if has_forbidden_text(data):
            raise ParseError(_("Text may not contain NUL characters or unpaired surrogates."))
        return data
