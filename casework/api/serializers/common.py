"""Shared by every serializer: input bounds, bounded date fields, identity masking, the error body."""

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# Sanity bounds on dates a client sends: outside them the input is an error, not a policy.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)
# Free text limits: long enough for any real decision, short enough to keep rows sane.
TEXT_MAX = 10_000
SHORT_TEXT_MAX = 200
# An order's own period: beyond one working year it is a typing error, not a decision.
MAX_ORDER_PERIOD_WORKING_DAYS = 250
MAX_VERSION = 2**31 - 1


def text(max_length: int = TEXT_MAX, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, **kwargs)


def bounded_date(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise serializers.ValidationError(
            _("Dates must lie between %(first)s and %(last)s.")
            % {"first": EARLIEST_DATE, "last": LATEST_DATE}
        )
    return value


class BoundedDateField(serializers.DateField):
    def to_internal_value(self, value: Any) -> date:
        return bounded_date(super().to_internal_value(value))


class BoundedDateTimeField(serializers.DateTimeField):
    def to_internal_value(self, value: Any) -> datetime:
        result = super().to_internal_value(value)
        bounded_date(result.date())
        return result


def mask_name(name: str) -> str:
    """A natural person's name in public: the family name, the rest starred (张某 → 张*)."""
    return name[:1] + "*" * max(len(name) - 1, 1)


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.DictField(required=False)
    version = serializers.IntegerField(required=False)

