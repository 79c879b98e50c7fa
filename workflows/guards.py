"""Named rules for the state machines.

A rule is a small predicate with a stable ``code`` and a message that names it.
django-fsm-2 only sees a boolean; the transition service asks each rule in turn
so that a refusal says *which* rule refused. The machine modules use these
rules as ``conditions=`` (about the object) and ``permission=`` (about the
actor), and import nothing else of the project: roles are plain strings.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise

# The day one batch of checks holds to (one_day); None: the day now.
_DAY: ContextVar[date | None] = ContextVar("rules_day", default=None)


def today() -> date:
    """The local date a rule asks about: ``timezone.localdate()``, or within ``one_day`` the
    day given there."""
    day = _DAY.get()
    return timezone.localdate() if day is None else day


@contextmanager
def one_day(day: date) -> Iterator[None]:
    """The rules asked inside all ask about ``day``: a batch that checks many objects in one
    transaction (casework.services.batch) asks them about the day it read once, as it opens
    their clocks from it, instead of reading the clock for every rule of every object."""
    token = _DAY.set(day)
    try:
        yield
    finally:
        _DAY.reset(token)


class Role:
    """Staff and subject roles (values stored on the user)."""

    OFFICER = "officer"
    REVIEWER = "reviewer"
    NDRC = "ndrc"
    LEADERSHIP = "leadership"
    JOINT = "joint"
    SUBJECT = "subject"
    SYSTEM = "system"
    ADMIN = "admin"


@dataclass(frozen=True)
class Rule:
    """A predicate with a code and a message naming the rule it checks."""

    code: str
    message: str | Promise
    check: Callable[..., bool]
    # The refusal in full for the arguments checked, where it names a fact of the object (the
    # day a period ends, say); None: the message.
    refusal: Callable[..., str | Promise] | None = None

    def __call__(self, *args: Any) -> bool:
        return bool(self.check(*args))


@dataclass(frozen=True)
class AllOf:
    """Several actor rules given to django-fsm as one ``permission=``."""

    rules: tuple[Rule, ...]

    def __call__(self, instance: Any, actor: Any) -> bool:
        return self.first_failing(instance, actor) is None

    def first_failing(self, *args: Any) -> Rule | None:
        for rule in self.rules:
            if not rule(*args):
                return rule
        return None


@dataclass(frozen=True)
class AnyOf:
    """Alternatives (e.g. a reviewer *or* the system); refusals name the first."""

    alternatives: tuple[AllOf, ...]

    def __call__(self, instance: Any, actor: Any) -> bool:
        return any(alternative(instance, actor) for alternative in self.alternatives)

    def first_failing(self, *args: Any) -> Rule | None:
        if self(*args):
            return None
        return self.alternatives[0].first_failing(*args)


def all_of(*rules: Rule) -> AllOf:
    return AllOf(rules)


def any_of(*alternatives: AllOf) -> AnyOf:
    return AnyOf(alternatives)


class RuleRefused(Exception):
    """A guard refused; carries the rule's code and message."""

    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message

    @classmethod
    def of(cls, rule: Rule, *args: Any) -> "RuleRefused":
        """The refusal of ``rule`` for the arguments it was checked with (its message, or its
        ``refusal`` worded for them)."""
        if rule.refusal is not None and args:
            return cls(rule.code, rule.refusal(*args))
        return cls(rule.code, rule.message)
