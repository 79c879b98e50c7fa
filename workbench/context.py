"""What every workbench page needs: the languages of the switch and the unread message count."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from notifications.services import unread_count


def workbench(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    return {
        "workbench_languages": settings.LANGUAGES,
        "workbench_unread": unread_count(user.pk) if authenticated and _is_page(request) else 0,
    }


def _is_page(request: HttpRequest) -> bool:
    # The admin and the API render templates too; only our pages show the badge.
    return not request.path.startswith(("/admin/", "/api/"))
