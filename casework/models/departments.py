from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from casework.choices import DepartmentKind, DepartmentLevel, Role


class Department(models.Model):
    """A city or county department. Reorganisations retire a department (never delete it)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=DepartmentKind.choices)
    level = models.CharField(
        _("level"), max_length=10, choices=DepartmentLevel.choices, default=DepartmentLevel.CITY
    )
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent"),
    )
    jurisdiction = models.CharField(
        _("calendar jurisdiction"), max_length=40, blank=True,
        help_text=_("Code of local extra days and local SLA policies; empty: national only."),
    )
    active = models.BooleanField(_("active"), default=True)
    successor = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="predecessors",
        verbose_name=_("successor"),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="department_kind_valid", condition=Q(kind__in=DepartmentKind.values)
            ),
            models.CheckConstraint(
                name="department_level_valid", condition=Q(level__in=DepartmentLevel.values)
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """Staff (one department each) and subject accounts (linked to one subject)."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="users",
        verbose_name=_("department"),
    )
    subject = models.ForeignKey(
        "casework.Subject", models.PROTECT, null=True, blank=True, related_name="accounts",
        verbose_name=_("subject"),
    )
    is_department_head = models.BooleanField(_("department head"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(name="user_role_valid", condition=Q(role__in=Role.values)),
            # A subject account speaks for one subject and no department; staff the reverse
            # (administrators may have neither).
            models.CheckConstraint(
                name="user_subject_xor_department",
                condition=(
                    Q(role=Role.SUBJECT, subject__isnull=False, department__isnull=True)
                    | (~Q(role=Role.SUBJECT) & Q(subject__isnull=True))
                ),
            ),
        ]

    @property
    def department_active(self) -> bool:
        return self.department is not None and self.department.active
