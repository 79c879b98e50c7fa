"""Who lands where: the home page of each role, and the role tests the applications use."""

from typing import Any

from django.urls import NoReverseMatch, reverse

from casework.choices import Role

DEPARTMENT_STAFF = (Role.OFFICER, Role.REVIEWER)

# The first page of each role. The portal (subjects) and the oversight pages (leadership
# office) are separate applications; a role whose page is not installed gets the admin or docs.
HOME_OF_ROLE: dict[str, tuple[str, str]] = {
    Role.OFFICER: ("inbox:index", "/inbox/"),
    Role.REVIEWER: ("inbox:index", "/inbox/"),
    Role.JOINT: ("tasks:index", "/tasks/"),
    Role.NDRC: ("talks:index", "/talks/"),
    Role.LEADERSHIP: ("oversight:index", "/oversight/"),
    Role.SUBJECT: ("portal:index", "/portal/"),
    Role.ADMIN: ("admin:index", "/admin/"),
    Role.SYSTEM: ("swagger-ui", "/api/v1/docs/"),
}


def home_url(user: Any) -> str:
    name, fallback = HOME_OF_ROLE.get(getattr(user, "role", ""), ("admin:index", "/admin/"))
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def role_allowed(user: Any, roles: tuple[str, ...]) -> bool:
    """Anonymous visitors pass (the page sends them to sign in); signed-in users need one of ``roles``."""
    return not user.is_authenticated or getattr(user, "role", None) in roles


def role_in(*roles: str) -> tuple[str, ...]:
    """``permission = role_in(...)`` on a WorkbenchApplication: the same as ``roles = (...)``."""
    return tuple(roles)
