"""Accounts and API tokens without a shell: the administrator, and a department head in its department.

Every action is an audit event: on the account's department chain, or on the
``accounts`` chain for an account without a department (a subject, a city-wide
system client). A token's key is returned once, by ``issue_token``; only its hash is kept.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import audit
from casework.access import SCOPES
from casework.choices import DepartmentKind, Role
from casework.models import Department, Subject, User
from casework.models.tokens import SHOWN_CHARACTERS, ApiToken, hash_of, new_key

# Which kind of department each departmental role belongs to. Administrators and
# system clients may have a department but need none.
ROLE_DEPARTMENT_KIND: dict[str, str] = {
    Role.OFFICER: DepartmentKind.DETERMINING,
    Role.REVIEWER: DepartmentKind.DETERMINING,
    Role.NDRC: DepartmentKind.NDRC,
    Role.JOINT: DepartmentKind.JOINT,
    Role.LEADERSHIP: DepartmentKind.LEADERSHIP,
}
# The only scope a department head may grant: cases_read opens every case of the city.
HEAD_GRANTABLE_SCOPES = frozenset({"credit_check"})

USER_CREATED = "user_created"
TOKEN_ISSUED = "token_issued"
TOKEN_REVOKED = "token_revoked"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # shown once: it is stored nowhere


MANAGERS_ONLY = _("Only an administrator or a department head manages accounts.")


def is_administrator(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and (
        actor.role == Role.ADMIN or actor.is_superuser
    )


def heads_department(actor: Any) -> bool:
    return (bool(getattr(actor, "is_authenticated", False)) and actor.is_department_head
            and actor.department_id is not None and actor.department_active)


def may_manage_accounts(actor: Any) -> bool:
    return is_administrator(actor) or heads_department(actor)


def manageable_users(actor: Any) -> Any:
    """The accounts ``actor`` may see and manage: all for an administrator, its department's for a head."""
    if is_administrator(actor):
        return User.objects.all()
    if heads_department(actor):
        return User.objects.filter(department_id=actor.department_id)
    return User.objects.none()


def manageable_tokens(actor: Any) -> Any:
    return ApiToken.objects.filter(user__in=manageable_users(actor))


def _require_manages(actor: Any, user: User) -> None:
    if not manageable_users(actor).filter(pk=user.pk).exists():
        raise PermissionDenied(_("You may manage only the accounts of your own department."))


def _check_role(actor: Any, role: str, department: Department | None, subject: Subject | None,
                head: bool) -> None:
    errors: dict[str, list[Any]] = {}
    if role not in Role.values:
        errors["role"] = [_("Unknown role “%(role)s”.") % {"role": role}]
    elif role == Role.SUBJECT and (subject is None or department is not None):
        errors["subject"] = [_("A subject account speaks for one subject and belongs to no department.")]
    elif role != Role.SUBJECT and subject is not None:
        errors["subject"] = [_("Only a subject account may be linked to a subject.")]
    elif role in ROLE_DEPARTMENT_KIND and (
        department is None or department.kind != ROLE_DEPARTMENT_KIND[role]
    ):
        errors["department"] = [_("The role “%(role)s” needs a department of kind “%(kind)s”.")
                                % {"role": role, "kind": ROLE_DEPARTMENT_KIND[role]}]
    elif department is not None and not department.active:
        errors["department"] = [_("This department is retired.")]
    if head and department is None:
        errors["is_department_head"] = [_("Only a user with a department can head it.")]
    if errors:
        raise ValidationError(errors)
    if not is_administrator(actor) and (
        department is None or department.pk != actor.department_id or role == Role.ADMIN or head
    ):
        raise PermissionDenied(_("A department head adds staff and system clients of its own "
                                 "department only (not heads, not administrators)."))


def create_user(
    actor: Any, *, username: str, role: str, password: str, department: Department | None = None,
    subject: Subject | None = None, is_department_head: bool = False,
) -> User:
    """Add an account; audited. Raises ValidationError (bad input) or PermissionDenied."""
    if not may_manage_accounts(actor):
        raise PermissionDenied(MANAGERS_ONLY)
    _check_role(actor, role, department, subject, is_department_head)
    user = User(username=username, role=role, department=department, subject=subject,
                is_department_head=is_department_head,
                is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    with transaction.atomic():
        user.save()
        audit_user_created(actor, user)
    return user


def audit_user_created(actor: Any, user: User) -> None:
    """The audit event of a new account (the admin's add page saves the row itself)."""
    audit.append(obj=user, action=USER_CREATED, actor=actor, case=None, department=user.department,
                 payload={"username": user.username, "role": user.role,
                          "department": user.department.code if user.department else None,
                          "subject": user.subject_id, "is_department_head": user.is_department_head})


def check_scopes(actor: Any, user: User, scopes: list[str]) -> list[str]:
    wanted = sorted(set(scopes))
    unknown = [scope for scope in wanted if scope not in SCOPES]
    if unknown:
        raise ValidationError({"scopes": [_("Unknown scope “%(scope)s”.") % {"scope": unknown[0]}]})
    if wanted and user.role != Role.SYSTEM:
        raise ValidationError({"scopes": [_("Only a system client's token carries scopes.")]})
    if not is_administrator(actor) and not set(wanted) <= HEAD_GRANTABLE_SCOPES:
        raise PermissionDenied(_("A department head may grant only the credit check scope."))
    return wanted


def default_expiry(now: datetime) -> datetime:
    return now + timedelta(days=settings.API_TOKEN_DAYS)


def issue_token(
    actor: Any, user: User, *, name: str, scopes: list[str] | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """A new token for ``user``; its key is in the answer and nowhere else. Audited."""
    if actor is not None:  # None: an operator at the shell (manage.py issue_token)
        _require_manages(actor, user)
    if not user.is_active:
        raise ValidationError({"user": [_("This account is inactive.")]})
    granted = check_scopes(actor, user, scopes or []) if actor is not None else sorted(set(scopes or []))
    now = timezone.now()
    expires_at = expires_at or default_expiry(now)
    if expires_at <= now:
        raise ValidationError({"expires_at": [_("The expiry must lie in the future.")]})
    key = new_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name.strip() or str(_("API token")), prefix=key[:SHOWN_CHARACTERS],
            key_hash=hash_of(key), scopes=granted, created_at=now, created_by=actor,
            expires_at=expires_at,
        )
        audit.append(obj=token, action=TOKEN_ISSUED, actor=actor, case=None,
                     department=user.department,
                     payload={"user": user.username, "name": token.name, "prefix": token.prefix,
                              "scopes": granted, "expires_at": expires_at})
    return IssuedToken(token, key)


def revoke_token(actor: Any, token: ApiToken) -> ApiToken:
    """Revoke at once, in every process (the token cache version is bumped). Audited."""
    _require_manages(actor, token.user)
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            return locked
        locked.revoked_at, locked.revoked_by = timezone.now(), actor
        locked.save(update_fields=["revoked_at", "revoked_by"])
        audit.append(obj=locked, action=TOKEN_REVOKED, actor=actor, case=None,
                     department=locked.user.department,
                     payload={"user": locked.user.username, "prefix": locked.prefix})
    return locked
