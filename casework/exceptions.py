"""Errors the transition service raises; the API maps them to HTTP statuses."""

from django.utils.translation import gettext_lazy as _

from workflows.guards import RuleRefused
from workflows.payloads import PayloadInvalid  # raised by a machine for a field its rule refuses

__all__ = ["Conflict", "IdempotencyKeyReused", "NotAvailable", "PayloadInvalid", "RuleRefused"]


class Conflict(Exception):
    """The caller's view is stale: another transition committed first (HTTP 409)."""

    code = "stale_version"

    def __init__(self, expected: int | None, actual: int) -> None:
        super().__init__(
            str(_("The record changed meanwhile: expected version %(expected)s, it is %(actual)s.")
                % {"expected": expected, "actual": actual})
        )
        self.expected = expected
        self.actual = actual


class NotAvailable(RuleRefused):
    """No such transition from the object's current state (HTTP 422)."""

    def __init__(self, name: str, state: str) -> None:
        super().__init__(
            "transition_not_available",
            _("The step “%(name)s” is not available in state “%(state)s”.")
            % {"name": name, "state": state},
        )


class IdempotencyKeyReused(RuleRefused):
    def __init__(self) -> None:
        super().__init__(
            "idempotency_key_reused",
            _("This idempotency key was already used for a different request."),
        )
