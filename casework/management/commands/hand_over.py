"""``manage.py hand_over OLD_CODE NEW_CODE --reason TEXT``: a reorganisation, audited."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from casework.choices import Role
from casework.management.commands.add_department import department_by_code
from casework.models import User
from casework.services import hand_over_department
from workflows.guards import RuleRefused

SYSTEM_USERNAME = "system"


def system_actor() -> User:
    """The operator's commands act as the system client, created on first use."""
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"role": Role.SYSTEM}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif user.role != Role.SYSTEM:
        raise CommandError(
            _("The user “%(username)s” exists but its role is not system.") % {"username": SYSTEM_USERNAME}
        )
    return user


class Command(BaseCommand):
    help = "Hand a retiring department's open cases, talks and measure tasks to its successor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("old_code", help="Code of the department that is retired.")
        parser.add_argument("new_code", help="Code of the successor department.")
        parser.add_argument("--reason", required=True, help="Why, e.g. the reorganisation document.")

    def handle(self, *args: Any, **options: Any) -> None:
        department = department_by_code(options["old_code"])
        successor = department_by_code(options["new_code"])
        try:
            with transaction.atomic():
                summary = hand_over_department(department, successor, system_actor(), options["reason"])
        except RuleRefused as refusal:
            raise CommandError(f"{refusal.code}: {refusal.message}") from None
        self.stdout.write(_(
            "Handed over %(old)s (%(old_code)s) to %(new)s (%(new_code)s): %(cases)d cases, "
            "%(talks)d talks, %(tasks)d measure tasks moved; %(old_code)s is retired."
        ) % {
            "old": department.name, "old_code": department.code, "new": successor.name,
            "new_code": successor.code, "cases": summary.cases, "talks": summary.talks,
            "tasks": summary.measure_tasks,
        })
