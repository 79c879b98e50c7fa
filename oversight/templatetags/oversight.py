"""Template helpers of the oversight pages: a table's rows, and an empty figure shown as a dash."""

from typing import Any

from django import template

from oversight.tables import Table

register = template.Library()


@register.filter
def rows(table: Table) -> list[list[Any]]:
    return list(table.rows())


@register.filter
def blank(value: Any) -> Any:
    return "—" if value is None else value
