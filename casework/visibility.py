"""What the subject of a case sees of it: one rule per kind of record.

Every kind of record on a case declares its ``visibility`` on the model (a class attribute):

* ``subject`` — case, objection, rectification, talk, repair application: the subject's own
  procedure; it is told, it acts, it may object (行政处罚法 Art 44; 国办发〔2020〕49号);
* ``internal`` — measure task (联合惩戒): the joint departments' implementation and feedback
  between departments; escalation note (督办意见): the leadership office's supervision of a
  department.

Records that hang on another take its visibility: an evidence file that of the record it is
attached to (a file on the case itself: the case's), a deadline and its events that of their
target, an audit event that of its object. A kind that declares nothing is internal.

``for_viewer(queryset, user)`` applies the rule to any of these querysets: departments (and
every role that is not a subject) see both; the subject sees ``subject`` records only. Who sees
a case at all is ``Case.objects.visible_to(user)``; this narrows what is inside it. The API uses
it; a page uses it the same way, so a page never shows what the API hides.
"""

from functools import cache
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.choices import Role


class Visibility(models.TextChoices):
    SUBJECT = "subject", _("Shown to the subject of the case")
    INTERNAL = "internal", _("Internal to the departments")


def visibility_of(model: type[models.Model] | None) -> str:
    """A kind's declared visibility; a kind that declares none is internal (never a leak)."""
    declared = getattr(model, "visibility", None) if model is not None else None
    return declared if declared in Visibility.values else Visibility.INTERNAL


def sees_internal(user: Any) -> bool:
    """Everyone who reaches a case's records but its subject works in or for a department."""
    return getattr(user, "role", None) != Role.SUBJECT


@cache
def subject_kinds() -> frozenset[str]:
    """Model names of the casework kinds shown to the subject (``object_type`` in audit rows)."""
    return frozenset(
        model._meta.model_name for model in apps.get_app_config("casework").get_models()
        if visibility_of(model) == Visibility.SUBJECT and model._meta.model_name
    )


def is_visible(record: models.Model, user: Any) -> bool:
    """One record: may ``user`` (who sees its case) see it?"""
    return sees_internal(user) or record_visibility(record) == Visibility.SUBJECT


def record_visibility(record: models.Model) -> str:
    attached_type = getattr(record, "attached_type", None)
    if record._meta.model_name == "evidence":
        owner = attached_type.model_class() if attached_type else apps.get_model("casework", "Case")
        return visibility_of(owner)
    return visibility_of(type(record))


def for_viewer(records: models.QuerySet, user: Any) -> models.QuerySet:
    """``records`` narrowed to what ``user`` may see of a case it sees (the rule above)."""
    if sees_internal(user):
        return records
    kinds = subject_kinds()
    narrow = NARROWING.get(records.model._meta.label_lower)
    if narrow is not None:
        return records.filter(narrow(kinds))
    return records if visibility_of(records.model) == Visibility.SUBJECT else records.none()


def _evidence(kinds: frozenset[str]) -> Q:
    return Q(attached_type__isnull=True) | Q(attached_type__model__in=kinds)


def _audit_events(kinds: frozenset[str]) -> Q:
    evidence = apps.get_model("casework", "Evidence")
    internal_files = evidence.objects.exclude(_evidence(kinds)).values("pk")
    return Q(object_type__in=kinds) | (Q(object_type="evidence") & ~Q(object_id__in=internal_files))


NARROWING = {
    "casework.evidence": _evidence,
    "casework.auditevent": _audit_events,
    "workflows.deadline": lambda kinds: Q(target_type__model__in=kinds),
    "workflows.deadlineevent": lambda kinds: Q(deadline__target_type__model__in=kinds),
}
