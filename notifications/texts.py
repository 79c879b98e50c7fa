"""Texts: one Django template per notice and language; the first line is the title.

Templates live in ``templates/notifications/<language>/<template>.txt`` and are
rendered without HTML escaping: they are plain text (SMS, email, in-app, webhook), so
``A&B`` stays ``A&B`` and a link's ``&`` survives. A page that shows a notice escapes it
when it renders the page (Django's own template autoescaping), never before.
A language without its own template falls back to zh-Hans.
"""

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.template import Context, Engine
from django.template.exceptions import TemplateDoesNotExist
from django.utils import translation

from casework.labels import audit_action_label
from workflows.choices import ExitCondition, Rung, Step

FALLBACK_LANGUAGE = "zh-hans"


@dataclass(frozen=True)
class Text:
    title: str
    body: str


@cache
def engine() -> Engine:
    return Engine(app_dirs=True, autoescape=False)


def render(template: str, context: dict[str, Any], language: str) -> Text:
    language = language if language in dict(settings.LANGUAGES) else FALLBACK_LANGUAGE
    try:
        compiled = engine().get_template(f"notifications/{language}/{template}.txt")
    except TemplateDoesNotExist:
        compiled = engine().get_template(f"notifications/{FALLBACK_LANGUAGE}/{template}.txt")
    with translation.override(language):
        # Context() defaults to autoescape=True whatever the Engine says: plain text asks for off.
        text = compiled.render(Context({**context, **labels(context)}, autoescape=False))
    title, _newline, body = text.strip().partition("\n")
    return Text(title.strip()[:200], body.strip())


def labels(context: dict[str, Any]) -> dict[str, Any]:
    """Display names of the codes in the context, in the active language."""
    found: dict[str, Any] = {}
    model_name = context.get("model")
    if model_name:
        # A service act (送达) is the documents app's; messages written before "app" was kept are casework's.
        model = apps.get_model(context.get("app") or "casework", model_name)
        found["object_label"] = str(model._meta.verbose_name)
        # An escalation note has no state machine: its notice names no target state.
        fields = {field.name for field in model._meta.get_fields()}
        states = dict(model._meta.get_field("state").choices) if "state" in fields else {}
        found["target_label"] = str(states.get(context.get("target"), context.get("target")))
        if context.get("transition"):
            found["transition_label"] = str(audit_action_label(model_name, context["transition"]))
    if context.get("deadline"):
        found["deadline_step"] = step_label(context["deadline"]["step"])
    if context.get("rung"):
        found["rung_label"] = str(Rung(context["rung"]).label)
    if context.get("exit_condition") in ExitCondition.values:
        found["exit_condition_label"] = str(ExitCondition(context["exit_condition"]).label)
    for item in context.get("items", ()):
        item["step_label"] = step_label(item["step"])
    return found


STEP_VALUES = frozenset(Step.values)  # Step.values builds its list anew at each access


def step_label(step: str) -> str:
    return str(Step(step).label) if step in STEP_VALUES else step
