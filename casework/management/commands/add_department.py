"""``manage.py add_department CODE NAME --kind KIND [--parent CODE] [--level city|county]``.

Also home of the small lookups the other operator commands share, so that every
command refuses an unknown code or an invalid row with the same message.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from casework.choices import DepartmentKind, DepartmentLevel
from casework.models import Department


def department_by_code(code: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise CommandError(_("No department has the code “%(code)s”.") % {"code": code})
    return department


def describe_validation_error(error: ValidationError) -> str:
    """One line per failed check, each naming its code, e.g. ``uscc_check: The check …``."""
    by_field = error.error_dict if hasattr(error, "error_dict") else {"": error.error_list}
    lines = []
    for field, errors in by_field.items():
        for item in errors:
            where = f" ({field})" if field and field != "__all__" else ""
            lines.append(f"{item.code or 'invalid'}{where}: {next(iter(item))}")
    return "; ".join(lines)


def validated(instance: Any) -> Any:
    """Run the model's own validation; a failed check becomes the command's error."""
    try:
        instance.full_clean()
    except ValidationError as error:
        raise CommandError(describe_validation_error(error)) from None
    return instance


class Command(BaseCommand):
    help = "Add a department (determining, joint-punishment, 发改委 or leadership office)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="Short ASCII code (a slug), e.g. scjgj.")
        parser.add_argument("name", help="Full name, e.g. 市市场监管局.")
        parser.add_argument("--kind", required=True, choices=DepartmentKind.values)
        parser.add_argument("--parent", help="Code of the parent department.")
        parser.add_argument("--level", default=DepartmentLevel.CITY, choices=DepartmentLevel.values)

    def handle(self, *args: Any, **options: Any) -> None:
        code: str = options["code"]
        if Department.objects.filter(code=code).exists():
            raise CommandError(_("A department with the code “%(code)s” already exists.") % {"code": code})
        parent = department_by_code(options["parent"]) if options["parent"] else None
        if parent is not None and not parent.active:
            raise CommandError(_("The parent department “%(code)s” is retired.") % {"code": parent.code})
        department = validated(Department(
            code=code, name=options["name"].strip(), kind=options["kind"], level=options["level"],
            parent=parent,
        ))
        with transaction.atomic():
            department.save()
        self.stdout.write(_("Added department %(code)s %(name)s (%(kind)s, %(level)s).") % {
            "code": department.code, "name": department.name,
            "kind": department.get_kind_display(), "level": department.get_level_display(),
        })
