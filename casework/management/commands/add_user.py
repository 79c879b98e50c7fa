"""``manage.py add_user USERNAME --role ROLE (--department CODE | --subject ID) --password P [--head]``."""

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from casework.choices import DepartmentKind, Role
from casework.identifiers import validate_citizen_id, validate_uscc
from casework.management.commands.add_department import (
    department_by_code,
    describe_validation_error,
    validated,
)
from casework.models import Department, Subject, User

# Which kind of department each departmental role belongs to. Administrators and
# system clients may have a department but need none.
ROLE_DEPARTMENT_KIND: dict[str, str] = {
    Role.OFFICER: DepartmentKind.DETERMINING,
    Role.REVIEWER: DepartmentKind.DETERMINING,
    Role.NDRC: DepartmentKind.NDRC,
    Role.JOINT: DepartmentKind.JOINT,
    Role.LEADERSHIP: DepartmentKind.LEADERSHIP,
}


def check_role_arguments(role: str, department_code: str | None, identifier: str | None) -> None:
    if role == Role.SUBJECT:
        if department_code:
            raise CommandError(_("A subject account belongs to no department: drop --department."))
        if not identifier:
            raise CommandError(_("A subject account needs --subject IDENTIFIER."))
        return
    if identifier:
        raise CommandError(_("Only a subject account may be linked to a subject (--subject)."))
    if role in ROLE_DEPARTMENT_KIND and not department_code:
        raise CommandError(_("The role “%(role)s” needs --department CODE.") % {"role": role})


def department_for(role: str, code: str) -> Department:
    department = department_by_code(code)
    if not department.active:
        raise CommandError(_("The department “%(code)s” is retired.") % {"code": code})
    expected = ROLE_DEPARTMENT_KIND.get(role)
    if expected is not None and department.kind != expected:
        raise CommandError(
            _("The role “%(role)s” needs a department of kind “%(expected)s”; %(code)s is “%(kind)s”.")
            % {"role": role, "expected": expected, "code": code, "kind": department.kind}
        )
    return department


def subject_by_identifier(identifier: str) -> Subject:
    """The subject with this 统一社会信用代码 or 公民身份号码; an invalid code names its failed check."""
    normalised = identifier.strip().upper()
    subject = Subject.objects.filter(identifier=normalised).first()
    if subject is not None:
        return subject
    errors = []
    for validator in (validate_uscc, validate_citizen_id):
        try:
            validator(normalised)
        except ValidationError as error:
            errors.append(describe_validation_error(error))
        else:
            message = _("No subject has the identifier %(identifier)s.")
            raise CommandError(message % {"identifier": normalised})
    raise CommandError(
        _("Invalid identifier %(identifier)s: as a unified social credit code, %(uscc)s; "
          "as a citizen identity number, %(citizen)s")
        % {"identifier": normalised, "uscc": errors[0], "citizen": errors[1]}
    )


class Command(BaseCommand):
    help = "Add a staff user (with a department) or a subject account (with a subject)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--department", help="Department code (staff roles).")
        parser.add_argument("--subject", help="统一社会信用代码 or 公民身份号码 (role subject).")
        parser.add_argument("--password", required=True)
        parser.add_argument("--head", action="store_true", help="The user heads the department.")

    def handle(self, *args: Any, **options: Any) -> None:
        role: str = options["role"]
        username: str = options["username"]
        check_role_arguments(role, options["department"], options["subject"])
        if User.objects.filter(username=username).exists():
            raise CommandError(_("A user named “%(username)s” already exists.") % {"username": username})
        department = department_for(role, options["department"]) if options["department"] else None
        if options["head"] and department is None:
            raise CommandError(_("Only a user with a department can head it (--head)."))
        subject = subject_by_identifier(options["subject"]) if options["subject"] else None
        user = User(
            username=username, role=role, department=department, subject=subject,
            is_department_head=options["head"],
            is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN,
        )
        try:
            validate_password(options["password"], user)
        except ValidationError as error:
            raise CommandError(describe_validation_error(error)) from None
        user.set_password(options["password"])
        with transaction.atomic():
            validated(user).save()
        self.stdout.write(_("Added user %(username)s (%(role)s, %(where)s).") % {
            "username": user.username, "role": user.get_role_display(),
            "where": department.code if department else (subject.name if subject else "—"),
        })
