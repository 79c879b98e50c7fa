"""Who may see what: the one statement of the visibility rules (plan items 8, 9, 14).

The querysets' ``visible_to(user)`` (casework/models/querysets.py) apply these rules;
the API, the pages and the exports all use them, so a page never shows what the API hides.

* officer / reviewer: the cases their department owns (谁认定) and every step of them;
* subject: its own cases once notified (a draft is the department's work in progress);
* leadership office and administrators: read everything;
* joint department: only the measure tasks pushed to it (and their evidence);
* 发改委: the talks it co-organises;
* system clients: only their scopes — Django groups named ``scope:<code>`` (see SCOPES),
  and the scopes of the API token they call with.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from casework.choices import Role

SCOPE_CREDIT_CHECK = "credit_check"
SCOPE_CASES_READ = "cases_read"
SCOPES = {
    SCOPE_CREDIT_CHECK: _("Credit check before approvals (信用前置筛查)"),
    SCOPE_CASES_READ: _("Read every case and its steps (credit sharing platform)"),
}
SCOPE_GROUP_PREFIX = "scope:"

DEPARTMENT_STAFF = (Role.OFFICER, Role.REVIEWER)
READ_ALL_ROLES = (Role.LEADERSHIP, Role.ADMIN)


def group_scopes(user: Any) -> frozenset[str]:
    """The scopes a system client holds as groups (every token of it has them)."""
    if getattr(user, "role", None) != Role.SYSTEM:
        return frozenset()
    names = user.groups.filter(name__startswith=SCOPE_GROUP_PREFIX).values_list("name", flat=True)
    return frozenset(name[len(SCOPE_GROUP_PREFIX):] for name in names)


def scopes_of(user: Any) -> frozenset[str]:
    """A system client's scopes: its groups', plus its API token's (set by the authentication).

    Read once per request (cached on the user object); only system clients have scopes.
    """
    if getattr(user, "role", None) != Role.SYSTEM:
        return frozenset()
    cached = getattr(user, "_api_scopes", None)
    if cached is None:
        cached = group_scopes(user)
        user._api_scopes = cached
    return cached


def reads_all(user: Any) -> bool:
    """The leadership office, administrators and clients with the cases_read scope read every case."""
    return getattr(user, "role", None) in READ_ALL_ROLES or SCOPE_CASES_READ in scopes_of(user)


def is_department_staff(user: Any) -> bool:
    return getattr(user, "role", None) in DEPARTMENT_STAFF and bool(getattr(user, "department_id", None))
