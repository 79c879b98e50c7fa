"""Shared by every serializer: input bounds, bounded date fields, identity masking, the error body."""

from collections import Counter
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# The date bounds and fields are the transitions' payloads' own: one definition for every input.
from casework.payloads import (  # noqa: F401 - re-exported
    EARLIEST_DATE,
    LATEST_DATE,
    BoundedDateField,
    BoundedDateTimeField,
    bounded_date,
)
from casework.text import has_invisible

# Sanity bounds on dates a client sends: outside them the input is an error, not a policy.
# Free text limits: long enough for any real decision, short enough to keep rows sane.
TEXT_MAX = 10_000
SHORT_TEXT_MAX = 200
# An order's own period: beyond one working year it is a typing error, not a decision.
MAX_ORDER_PERIOD_WORKING_DAYS = 250
MAX_VERSION = 2**31 - 1
# Legal bases or measures one case cites: the catalogue's largest real decision cites a dozen.
MAX_IDS = 100


def text(max_length: int = TEXT_MAX, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, **kwargs)


def label(field: str) -> serializers.CharField:
    """The translated label of a choice field, beside its code (``state`` → ``state_label``).

    Clients branch on the code, which is the same in every language; the label is for people.
    """
    return serializers.CharField(source=f"get_{field}_display", read_only=True)


def visible_text(value: str) -> str:
    """A name people read: no control, bidi or zero-width characters that change what they see."""
    if has_invisible(value):
        raise serializers.ValidationError(
            _("Names may not contain control, bidirectional or other invisible characters."),
            code="invisible_characters",
        )
    return value


def display_name(max_length: int = SHORT_TEXT_MAX) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, validators=[visible_text])  # type: ignore[list-item]  # DRF ignores a validator's return value




def mask_name(name: str) -> str:
    """A natural person's name in public: the first character and one star, whatever the length.

    张某 and 欧阳某某 become 张* and 欧*: one star per hidden character would tell the length.
    """
    return name[:1] + "*"


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.DictField(required=False)  # type: ignore[assignment]  # a field named like Serializer.errors (the error body's shape)
    version = serializers.IntegerField(required=False)



class StrictSerializer(serializers.Serializer):
    """A request body: a field the API does not know is an error, never silently dropped."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class PrimaryKeysField(serializers.ListField):
    """Ids of catalogue rows: at most ``max_length``, each once, fetched in one query."""

    def __init__(self, queryset: QuerySet[Any], max_length: int = MAX_IDS, **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(child=serializers.IntegerField(min_value=1, max_value=MAX_VERSION),
                         max_length=max_length, **kwargs)

    def to_internal_value(self, data: Any) -> list[Any]:
        if isinstance(data, list) and self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)  # before any per-item work
        ids = super().to_internal_value(data)
        repeated = sorted(pk for pk, times in Counter(ids).items() if times > 1)
        if repeated:
            raise serializers.ValidationError(
                _("Each id may be given once; repeated: %(ids)s.") % {"ids": ", ".join(map(str, repeated))}
            )
        rows = self.queryset.in_bulk(ids)
        missing = [pk for pk in ids if pk not in rows]
        if missing:
            raise serializers.ValidationError(
                _("No such id: %(ids)s.") % {"ids": ", ".join(map(str, missing))}
            )
        return [rows[pk] for pk in ids]
