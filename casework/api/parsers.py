"""JSON that every database accepts: no NUL characters, no lone surrogates.

Python's json module reads ``"\\u0000"`` and ``"\\ud800"``; PostgreSQL refuses the
first in text and jsonb, and neither can be encoded as UTF-8. Refusing them at
the door turns what would be a 500 deep in a transition into a 400.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

SURROGATES = range(0xD800, 0xE000)


def has_forbidden_text(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value or any(ord(char) in SURROGATES for char in value)
    if isinstance(value, dict):
        return any(has_forbidden_text(k) or has_forbidden_text(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_forbidden_text(item) for item in value)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        if has_forbidden_text(data):
            raise ParseError(_("Text may not contain NUL characters or unpaired surrogates."))
        return data
