"""Sign-in throttling (django-axes) and the sign-in log.

Every login form in the project authenticates through ``django.contrib.auth.authenticate``
with the request, so django-axes (first of AUTHENTICATION_BACKENDS, and its
middleware) counts failures on all of them alike: the admin's, the staff
sign-in and any added later. After LOGIN_FAILURE_LIMIT failures for one user
name from one address, that pair is locked for LOGIN_LOCKOUT_MINUTES; a failure
while locked starts the period again. The page says so and until when.
"""

import logging
from datetime import datetime
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from operations.choices import SignInKind
from operations.models import SignInEvent
from operations.requests import current_request_id

logger = logging.getLogger("casework.signin")


def locked_until(request: HttpRequest) -> datetime:
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    assert cool_off is not None  # AXES_COOLOFF_TIME is always set in the settings
    # Axes restarts the period with this (refused) attempt: it ends a full period from now.
    return timezone.now() + cool_off


def lockout_response(request: HttpRequest, original_response: Any = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    until = timezone.localtime(locked_until(request))
    context = {"until": until, "minutes": settings.LOGIN_LOCKOUT_MINUTES,
               "failure_limit": settings.AXES_FAILURE_LIMIT}
    response = render(request, "operations/locked_out.html", context,
                      status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(int((until - timezone.now()).total_seconds()) + 1)
    return response


def record(kind: str, request: HttpRequest | None, username: str, user: Any = None) -> None:
    meta = request.META if request is not None else {}
    SignInEvent.objects.create(
        kind=kind, username=(username or "")[:150], user=user,
        ip_address=meta.get("REMOTE_ADDR") or None,
        user_agent=str(meta.get("HTTP_USER_AGENT", ""))[:300],
        path=(request.path if request is not None else "")[:200],
        request_id=current_request_id.get(),
    )
    logger.info("sign-in event %s for %r", kind, username, extra={
        "event": kind, "username": username, "ip": meta.get("REMOTE_ADDR")})


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(SignInKind.SIGNED_IN, request, user.get_username(), user)


def on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                    **kwargs: Any) -> None:
    username = credentials.get(getattr(settings, "AXES_USERNAME_FORM_FIELD", "username"), "")
    locked = request is not None and getattr(request, "axes_locked_out", False)
    record(SignInKind.LOCKED_OUT if locked else SignInKind.FAILED, request, str(username))


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(SignInKind.SIGNED_OUT, request, user.get_username(), user)


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="operations.signin.logged_in")
    user_login_failed.connect(on_login_failed, dispatch_uid="operations.signin.login_failed")
    user_logged_out.connect(on_logged_out, dispatch_uid="operations.signin.logged_out")


class SignInThrottleBackend(AxesStandaloneBackend):
    """django-axes' gate, for every authenticate() that comes with a request.

    Every login form passes the request (Django's AuthenticationForm does, and the
    admin's and the staff sign-in use it). Only code without one, a management
    command or a test's ``client.login``, authenticates without it: there is no
    address to count failures for, so the gate lets the next backend decide.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
