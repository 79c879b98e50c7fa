"""Typed payloads: what each transition takes, declared beside the transition.

A payload is a frozen, keyword-only dataclass (``@payload``) given to the transition as
``custom={"payload": ...}``. Its fields are ``str``, ``int``, ``bool``, ``date``,
``datetime``, a ``TextChoices`` or a nested payload, each optionally ``| None``; the
helpers below attach a label, a help text and bounds. ``casework.payloads`` turns a
payload into the API's request serializer and the web form, and validates input once,
inside the transition service, whoever calls it. The transition then receives the
payload instance: values already parsed and typed, never strings to parse again.
"""

from dataclasses import dataclass, field
from typing import Any, TypeVar, dataclass_transform

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Free text limits: long enough for any real decision, short enough to keep rows sane.
TEXT_MAX = 10_000
SHORT_TEXT_MAX = 200

_P = TypeVar("_P")


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(field,))
def payload(cls: type[_P]) -> type[_P]:
    """``@payload``: a frozen, keyword-only dataclass (declared so to type checkers)."""
    return dataclass(frozen=True, kw_only=True)(cls)


def _meta(label: str | Promise, help_text: str | Promise, **bounds: Any) -> dict[str, Any]:
    return {"label": label, "help_text": help_text, **bounds}


def text(label: str | Promise, *, required: bool = True, max_length: int = TEXT_MAX,
         help_text: str | Promise = "") -> Any:
    """Free text; a required one may not be blank (white space alone counts as blank)."""
    meta = _meta(label, help_text, max_length=max_length, multiline=max_length > SHORT_TEXT_MAX)
    return field(metadata=meta) if required else field(default="", metadata=meta)


def choice(label: str | Promise, *, default: Any = None, help_text: str | Promise = "") -> Any:
    """One value of the field's TextChoices; required unless a default is given."""
    meta = _meta(label, help_text)
    return field(metadata=meta) if default is None else field(default=default, metadata=meta)


def optional(label: str | Promise, *, help_text: str | Promise = "", **bounds: Any) -> Any:
    """A value that may be left out (``None``): a date, a number, a nested payload."""
    return field(default=None, metadata=_meta(label, help_text, **bounds))


def required(label: str | Promise, *, help_text: str | Promise = "", **bounds: Any) -> Any:
    return field(metadata=_meta(label, help_text, **bounds))


class PayloadInvalid(Exception):
    """The transition's input does not fit its declared payload (HTTP 400); nothing was written.

    Raised by the service's validation, or by a transition whose rule reads several fields
    (e.g. an outcome its objection's kind does not allow): ``errors`` names the fields.
    """

    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(str(_("The request is invalid.")))
        self.errors = errors


@payload
class NoInput:
    """The step takes nothing but the decision to take it."""


@payload
class Reasons:
    """A decision that refuses, dismisses or upholds states its reasons."""

    reason: str = text(_("Reasons"))
