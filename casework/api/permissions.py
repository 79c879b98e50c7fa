"""Who sees what through the API, as querysets and permission classes.

Visibility is a queryset: an object outside the caller's queryset is answered
404, so its existence is not revealed. Write access is a role check (403 for a
role that never writes); whether *this* actor may take *this* step is the
transition service's guards (422 naming the rule).

* officer / reviewer: the cases their department owns (谁认定) and every step of them;
* subject: its own cases once notified (a draft is the department's work in progress);
* leadership office and administrators: read everything, write nothing — except that the
  leadership office writes escalation notes (督办意见) on any case;
* joint department: only the measure tasks pushed to it;
* 发改委: the talks it co-organises; its one write is confirming its attendance of them
  (``confirm_attendance``, refused by the guards on any other talk or step);
* system clients: only their scopes — Django groups named ``scope:<code>`` (see SCOPES).
"""

from typing import Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from casework.access import (
    DEPARTMENT_STAFF,
    READ_ALL_ROLES,
    SCOPE_CASES_READ,
    SCOPE_CREDIT_CHECK,
    SCOPE_GROUP_PREFIX,
    SCOPES,
    reads_all,
    scopes_of,
)
from casework.choices import Role
from casework.models import Case, Evidence

__all__ = [
    "DEPARTMENT_STAFF", "READ_ALL_ROLES", "SCOPES", "SCOPE_CASES_READ", "SCOPE_CREDIT_CHECK",
    "SCOPE_GROUP_PREFIX", "reads_all", "scopes_of", "visible_cases", "visible_evidence", "visible_steps",
]

# Roles that take steps through the API; the others read only.
WRITING_ROLES = (Role.OFFICER, Role.REVIEWER, Role.SUBJECT, Role.JOINT, Role.NDRC)
CREDIT_CHECK_ROLES = (Role.OFFICER, Role.REVIEWER, Role.JOINT, Role.NDRC, Role.LEADERSHIP, Role.ADMIN)


def visible_cases(user: Any) -> QuerySet[Case]:
    return Case.objects.visible_to(user)


def visible_steps(model: type[Model], user: Any) -> QuerySet[Any]:
    return model._default_manager.all().visible_to(user)  # type: ignore[attr-defined]  # StepQuerySet


def visible_evidence(user: Any) -> QuerySet[Evidence]:
    return Evidence.objects.visible_to(user)


class Writes(BasePermission):
    """Unsafe methods only for the roles that take steps (leadership reads, changes nothing)."""

    message = _("Your role may read but not change anything through the API.")

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return getattr(request.user, "role", None) in WRITING_ROLES


class WritesEscalationNotes(BasePermission):
    """Anyone who sees the case reads its escalation notes; only the leadership office writes them."""

    message = _("Only the leadership office writes escalation notes (督办意见).")

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        return getattr(request.user, "role", None) == Role.LEADERSHIP


class OpensCases(BasePermission):
    message = _("Only officers and reviewers of a determining department open cases.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.user.role in DEPARTMENT_STAFF


class RegistersSubjects(OpensCases):
    message = _("Only officers and reviewers of a determining department register subjects.")


class ReadsCatalogues(BasePermission):
    """Staff and subjects read the catalogues; a system client only with a scope."""

    message = _("This system client has no scope for this resource.")

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return user.role != Role.SYSTEM or bool(scopes_of(user))


class ChecksCredit(BasePermission):
    message = _("The credit check is for departments and system clients with the credit_check scope.")

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return user.role in CREDIT_CHECK_ROLES or SCOPE_CREDIT_CHECK in scopes_of(user)


class ReadsCreditCheckLog(BasePermission):
    """Determining departments' staff (their subjects' checks), the leadership office and administrators."""

    message = _("The credit-check log is for the subjects' owner departments and the leadership office.")

    def has_permission(self, request: Any, view: Any) -> bool:
        return getattr(request.user, "role", None) in (*DEPARTMENT_STAFF, *READ_ALL_ROLES)


def subjects_visible(user: Any) -> Q | None:
    """Filter for the subject register: a subject sees itself; departments see the register."""
    if user.role == Role.SUBJECT:
        return Q(pk=user.subject_id)
    if user.role in DEPARTMENT_STAFF or reads_all(user):
        return Q()
    return None


class ReadsCases(BasePermission):
    """A system client reads cases, their steps, evidence and subjects only with ``cases_read``.

    Without the scope it is refused (403), not shown empty lists: an integrating system
    misconfigured without its scope learns so at once.
    """

    message = _("This system client has no cases_read scope.")

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return user.role != Role.SYSTEM or SCOPE_CASES_READ in scopes_of(user)
