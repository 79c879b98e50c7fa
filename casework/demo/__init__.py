"""The demo city (鞍山市): departments of the plan's annex, catalogues, users, subjects, cases.

Every row is found by its natural key before it is created (department code,
legal basis title and article, measure code, username, subject identifier, and a
case's subject and facts), so seeding twice changes nothing. Every state is
reached through casework.services, never by writing a state column. Where a
guard waits for time to pass, the demo compresses time: it moves the one date
the guard reads (never the state) with a plain ``update()`` just before the step.
"""

from io import TextIOBase

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from casework.demo.cases import CASES, seed_cases
from casework.demo.catalogue import (
    DEMO_PASSWORD,
    SUBJECTS,
    USERS,
    DemoCity,
    seed_catalogues,
    seed_departments,
    seed_subjects,
    seed_users,
    user_table,
)
from casework.demo.history import history_keys, seed_history
from casework.models import Case

__all__ = ["DEMO_PASSWORD", "USERS", "DemoCity", "other_cases", "seed", "user_table"]


def seed(out: TextIOBase, password: str = DEMO_PASSWORD) -> DemoCity:
    """Build (or complete) the demo city in one transaction; report what was new."""
    city = DemoCity(out=out, password=password)
    with transaction.atomic():
        seed_departments(city)
        seed_catalogues(city)
        seed_subjects(city)
        seed_users(city)
        seed_cases(city)
        seed_history(city)
        sweep_now(city)
    return city


def sweep_now(city: DemoCity) -> None:
    """Fire the rungs that came due while the demo's past went by (warned, breached, 督办)."""
    from workflows.sweep import sweep

    result = sweep()
    city.say(str(_("SLA sweep: %(claimed)d deadlines, rungs fired: %(fired)s")
                 % {"claimed": result.claimed,
                    "fired": ", ".join(f"{rung} {n}" for rung, n in sorted(result.fired.items())) or "-"}))


def demo_case_keys() -> set[tuple[str, str]]:
    """Every demo case's natural key: (subject identifier, facts)."""
    identifiers = {spec.key: spec.identifier for spec in SUBJECTS}
    keys = {(identifiers[spec.subject], spec.facts) for spec in CASES}
    keys |= {(identifiers[subject], facts) for _owner, subject, facts, *_rest in history_keys()}
    return keys


def other_cases() -> list[str]:
    """Numbers of the cases in the database that the demo did not create (real cases)."""
    keys = demo_case_keys()
    return [number for number, identifier, facts
            in Case.objects.values_list("number", "subject__identifier", "facts").iterator()
            if (identifier, facts) not in keys]
