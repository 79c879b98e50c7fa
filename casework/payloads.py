"""A transition's declared payload as the API's serializer and the web form, validated once.

The machines declare what each transition takes (workflows/payloads.py). Here a payload
class becomes a DRF serializer (the API's request body and its OpenAPI schema) and a
Django form (the pages and the admin); ``parse`` validates any mapping — a JSON body,
``request.POST``, a form's ``cleaned_data`` — into the payload instance the transition
receives. Errors name their field (``PayloadInvalid.errors``).
"""

import dataclasses
import enum
import functools
import types
from datetime import date, datetime
from typing import Any, Union, get_args, get_origin, get_type_hints

from django import forms
from django.db import models
from rest_framework import serializers

from casework.exceptions import PayloadInvalid
from workflows.payloads import NoInput

# Sanity bounds on dates a client sends: outside them the input is an error, not a policy.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
MAX_NUMBER = 2**31 - 1


def payload_class(obj: Any, name: str) -> type:  # a django-fsm machine (untyped)
    """The payload the transition ``name`` of ``obj`` declares (NoInput when it declares none).

    Looked up once per model class and name: django-fsm's transitions are the class's."""
    key = (type(obj), name)
    found = _PAYLOADS.get(key)
    if found is None:
        for fsm_transition in obj.get_all_state_transitions():
            custom = fsm_transition.custom or {}
            if custom.get("name", fsm_transition.name) == name:
                found = _PAYLOADS[key] = custom.get("payload", NoInput)
                break
        else:
            raise KeyError(name)
    return found


_PAYLOADS: dict[tuple[type, str], type] = {}


# --- the fields of a payload ---------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Spec:
    name: str
    kind: type
    optional: bool
    required: bool
    default: Any
    meta: dict[str, Any]


@functools.cache
def specs(cls: type) -> tuple[Spec, ...]:
    """The payload's fields, read once per class (``get_type_hints`` resolves every annotation)."""
    hints = get_type_hints(cls)
    result = []
    for item in dataclasses.fields(cls):
        kind, optional = _unwrap(hints[item.name])
        has_default = item.default is not dataclasses.MISSING
        result.append(Spec(item.name, kind, optional, not has_default,
                           item.default if has_default else None, dict(item.metadata)))
    return tuple(result)


def _unwrap(hint: Any) -> tuple[type, bool]:
    if get_origin(hint) in (Union, types.UnionType):
        args = [arg for arg in get_args(hint) if arg is not type(None)]
        return args[0], True
    return hint, False


# --- as a serializer (the API) -------------------------------------------------------------------

class BoundedDateField(serializers.DateField):
    def to_internal_value(self, value: Any) -> date:
        return bounded_date(super().to_internal_value(value))


class BoundedDateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value: Any) -> datetime:
        result = super().to_internal_value(value)
        bounded_date(result.date())
        return result


def bounded_date(day: date) -> date:
    from django.utils.translation import gettext as _

    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise serializers.ValidationError(_("Dates must lie between %(first)s and %(last)s.")
                                          % {"first": EARLIEST_DATE, "last": LATEST_DATE})
    return day


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know (nested ones too): a misspelt field must not be ignored.

    A field the payload refuses on purpose (its ``REFUSED_FIELDS``) is answered with its reason.
    """

    not_accepted: dict[str, Any] = {}

    def to_internal_value(self, data: Any) -> Any:
        from django.utils.translation import gettext as _

        if isinstance(data, dict):
            unknown = set(data) - set(self.fields)
            if unknown:
                raise serializers.ValidationError({
                    name: [str(self.not_accepted.get(name, _("Unknown field.")))] for name in sorted(unknown)
                })
        return super().to_internal_value(data)


def _serializer_field(spec: Spec) -> serializers.Field:
    common: dict[str, Any] = {"label": spec.meta.get("label"),
                              "help_text": spec.meta.get("help_text") or None}
    if not spec.required:
        common["required"] = False
    if spec.optional:
        common["allow_null"] = True
    kind = spec.kind
    if dataclasses.is_dataclass(kind):
        return serializer_class(kind)(**common)
    if isinstance(kind, type) and issubclass(kind, models.TextChoices):
        if spec.default is not None:
            common["default"] = spec.default
        return serializers.ChoiceField(choices=kind.choices, **common)
    if kind is str:
        return serializers.CharField(max_length=spec.meta.get("max_length"),
                                     allow_blank=not spec.required, **common)
    if kind is bool:
        return serializers.BooleanField(**common)
    if kind is int:
        return serializers.IntegerField(min_value=spec.meta.get("min_value", 0),
                                        max_value=spec.meta.get("max_value", MAX_NUMBER), **common)
    if kind is datetime:
        return BoundedDateTimeField(**common)
    if kind is date:
        return BoundedDateField(**common)
    raise TypeError(f"payload field {spec.name}: unsupported type {kind!r}")


@functools.cache
def serializer_class(cls: type) -> type[serializers.Serializer]:
    """The request serializer of a payload (named after it, so OpenAPI names it too)."""
    fields = {spec.name: _serializer_field(spec) for spec in specs(cls)}
    return type(f"{cls.__name__}Input", (StrictSerializer,), {
        **fields, "__doc__": cls.__doc__, "not_accepted": getattr(cls, "REFUSED_FIELDS", {}),
    })


# --- validating once ---------------------------------------------------------------------------

def parse(cls: type, data: Any) -> Any:
    """The payload instance for ``data`` (a mapping, or already an instance of ``cls``)."""
    if isinstance(data, cls):
        return data
    if not data and not specs(cls):
        # Nothing declared and nothing given (an accept): what the serializer would validate
        # ({} of no fields) into, without building it.
        return cls()
    mapping = _plain(data or {})
    incoming = serializer_class(cls)(data=mapping)
    if not incoming.is_valid():
        raise PayloadInvalid(_messages(incoming.errors))
    return build(cls, incoming.validated_data)


def build(cls: type, values: dict[str, Any]) -> Any:
    """Construct the payload from validated values: choices as their enum, nested payloads built."""
    kwargs: dict[str, Any] = {}
    for spec in specs(cls):
        if spec.name not in values:
            continue
        value = values[spec.name]
        if value is not None and dataclasses.is_dataclass(spec.kind):
            value = build(spec.kind, dict(value))
        elif value is not None and isinstance(spec.kind, type) and issubclass(spec.kind, enum.Enum):
            value = spec.kind(value)
        kwargs[spec.name] = value
    return cls(**kwargs)


def _plain(data: Any) -> Any:
    """A QueryDict (a form post) as a plain dict of single values; other mappings unchanged."""
    if hasattr(data, "getlist") and hasattr(data, "keys"):
        return {key: data.get(key) for key in data.keys()}
    return data


def _messages(errors: Any) -> dict[str, list[str]]:
    flat: dict[str, list[str]] = {}
    for name, value in dict(errors).items():
        if isinstance(value, dict):
            for inner, messages in _messages(value).items():
                flat[f"{name}.{inner}"] = messages
        else:
            flat[name] = [str(message) for message in value]
    return flat


def as_audit(payload: Any) -> dict[str, Any]:
    """What the audit event records of a payload: the values given (empty ones left out)."""
    values = dataclasses.asdict(payload)
    return {name: value for name, value in _drop_empty(values).items()}


def _drop_empty(values: dict[str, Any]) -> dict[str, Any]:
    kept = {}
    for name, value in values.items():
        if isinstance(value, dict):
            value = _drop_empty(value)
        if value in (None, "", {}):
            continue
        kept[name] = value.value if isinstance(value, enum.Enum) else value
    return kept


# --- as a form (the pages and the admin) ---------------------------------------------------------

class PayloadForm(forms.Form):
    """A transition's form; nested payload fields are flattened as ``outer.inner``."""

    payload_type: type = NoInput

    def payload_data(self) -> dict[str, Any]:
        """The cleaned values, nested again as the payload declares them."""
        data: dict[str, Any] = {}
        declared = form_for(self.payload_type).base_fields
        for name, value in self.cleaned_data.items():
            if value in (None, "") or name not in declared:
                continue  # left empty, or a field of the page (e.g. expected_version)
            outer, _dot, inner = name.partition(".")
            if inner:
                data.setdefault(outer, {})[inner] = value
            else:
                data[name] = value
        return data


def _form_field(spec: Spec, required: bool) -> forms.Field:
    label, help_text = spec.meta.get("label"), spec.meta.get("help_text") or ""
    kind = spec.kind
    if isinstance(kind, type) and issubclass(kind, models.TextChoices):
        choices = kind.choices if required else [("", "---------"), *kind.choices]
        return forms.ChoiceField(label=label, help_text=help_text, choices=choices, required=required,
                                 initial=spec.default)
    if kind is str:
        widget = forms.Textarea(attrs={"rows": 3}) if spec.meta.get("multiline") else forms.TextInput
        return forms.CharField(label=label, help_text=help_text, required=required,
                               max_length=spec.meta.get("max_length"), widget=widget)
    if kind is bool:
        return forms.BooleanField(label=label, help_text=help_text, required=False)
    if kind is int:
        return forms.IntegerField(label=label, help_text=help_text, required=required,
                                  min_value=spec.meta.get("min_value", 0),
                                  max_value=spec.meta.get("max_value", MAX_NUMBER))
    if kind is datetime:
        return forms.DateTimeField(label=label, help_text=help_text, required=required,
                                   widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    if kind is date:
        return forms.DateField(label=label, help_text=help_text, required=required,
                               widget=forms.DateInput(attrs={"type": "date"}))
    raise TypeError(f"payload field {spec.name}: unsupported type {kind!r}")


def _form_fields(cls: type, prefix: str = "", required: bool = True) -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for spec in specs(cls):
        if dataclasses.is_dataclass(spec.kind):
            fields.update(_form_fields(spec.kind, f"{prefix}{spec.name}.", required=False))
        else:
            fields[f"{prefix}{spec.name}"] = _form_field(spec, required and spec.required)
    return fields


@functools.cache
def form_for(cls: type) -> type[PayloadForm]:
    return type(f"{cls.__name__}Form", (PayloadForm,), {**_form_fields(cls), "payload_type": cls})


def form_class(obj: models.Model, name: str) -> type[PayloadForm]:
    """The form of transition ``name`` of ``obj`` (an empty form when it takes nothing)."""
    return form_for(payload_class(obj, name))
