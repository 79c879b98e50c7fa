"""The public credit pages' rows (信用中国 style): one definition for the pages and the JSON API.

No login. Natural persons' names and numbers are masked by the public serializer; a
record shows "异议处理中" while an objection on it is open; it leaves the list when its
publication ends; a revoked determination is not shown at all.
"""

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.models import Case

# What a record says while an objection on it is open: the public pages, the public JSON
# and the credit check all show this one label.
OBJECTION_LABEL = _("Objection being processed (异议处理中)")


def public_listings(query: str = "") -> QuerySet[Case]:
    """The published lists today, newest first, optionally searched by name or code."""
    return (Case.objects.published(timezone.localdate()).search(query).with_open_objection()
            .select_related("subject", "owner_department").prefetch_related("legal_bases")
            .order_by("-listed_from", "-pk"))


def public_exits(query: str = "") -> QuerySet[Case]:
    """Exit notices (信用修复公示 and expiries), newest first."""
    return (Case.objects.exit_notices().search(query).with_open_objection()
            .select_related("subject", "owner_department")
            .prefetch_related("legal_bases").order_by("-closed_at", "-pk"))
