"""The demo city (鞍山市): departments of the plan's annex, catalogues, users, subjects, cases.

Every row is found by its natural key before it is created (department code,
legal basis title and article, measure code, username, subject identifier, and a
case's subject and facts), so seeding twice changes nothing. Every state is
reached through casework.services, never by writing a state column. Where a
guard waits for time to pass, the demo compresses time: it moves the one date
the guard reads (never the state) with a plain ``update()`` just before the step.
"""

from typing import TextIO

from django.db import transaction

from casework.demo.cases import seed_cases
from casework.demo.catalogue import (
    DEMO_PASSWORD,
    USERS,
    DemoCity,
    seed_catalogues,
    seed_departments,
    seed_subjects,
    seed_users,
    user_table,
)

__all__ = ["DEMO_PASSWORD", "USERS", "DemoCity", "seed", "user_table"]


def seed(out: TextIO, password: str = DEMO_PASSWORD) -> DemoCity:
    """Build (or complete) the demo city in one transaction; report what was new."""
    city = DemoCity(out=out, password=password)
    with transaction.atomic():
        seed_departments(city)
        seed_catalogues(city)
        seed_subjects(city)
        seed_users(city)
        seed_cases(city)
    return city
