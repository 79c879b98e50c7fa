"""Named rules for the state machines.

A rule is a small predicate with a stable ``code`` and a message that names it.
django-fsm-2 only sees a boolean; the transition service asks each rule in turn
so that a refusal says *which* rule refused. The machine modules use these
rules as ``conditions=`` (about the object) and ``permission=`` (about the
actor), and import nothing else of the project: roles are plain strings.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


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
