"""Template helpers of the workbench pages."""

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django import template
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.html import format_html

from workbench.labels import transition_label as label_of

register = template.Library()


@register.simple_tag(name="transition_label")
def transition_label(kind: str, name: str) -> Promise | str:
    return label_of(kind, name)


@register.filter
def local_path(link: str) -> str:
    """A notification's absolute link as a path on this site (the page opens wherever it is served)."""
    parts = urlsplit(link or "")
    return parts.path + (f"?{parts.query}" if parts.query else "") if parts.path else ""


@register.simple_tag
def step_summary(step: Any) -> str:
    """One line of the facts a reader needs about a step."""
    facts = []
    for name in ("kind", "outcome", "requirements", "grounds", "scheduled_for", "place", "report_text",
                 "decision_reason"):
        value = getattr(step, name, None)
        if value in (None, ""):
            continue
        display = getattr(step, f"get_{name}_display", None)
        if callable(display):
            facts.append(str(display()))
        elif isinstance(value, datetime):
            facts.append(timezone.localtime(value).strftime("%Y-%m-%d %H:%M"))
        else:
            facts.append(str(value))
    department = getattr(step, "department", None)
    if department is not None:
        facts.insert(0, str(department))
    co_organiser = getattr(step, "co_organiser", None)
    if co_organiser is not None:
        facts.append(str(co_organiser))
    return format_html("{}", " · ".join(fact[:120] for fact in facts))
