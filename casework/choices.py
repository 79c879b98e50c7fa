"""Choices of the domain model (the machines' states live in workflows/)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.case import DishonestyClass as _DishonestyClass
from workflows.case import ListType as _ListType
from workflows.guards import Role as _Role


class DepartmentKind(models.TextChoices):
    DETERMINING = "determining", _("Determining department")
    JOINT = "joint", _("Joint-punishment department")
    NDRC = "ndrc", _("Development and reform commission (发改委)")
    LEADERSHIP = "leadership", _("Leadership group office")


class DepartmentLevel(models.TextChoices):
    CITY = "city", _("City (市)")
    COUNTY = "county", _("County or district (县区)")


class Role(models.TextChoices):
    OFFICER = _Role.OFFICER, _("Officer")
    REVIEWER = _Role.REVIEWER, _("Reviewer")
    NDRC = _Role.NDRC, _("发改委 officer")
    LEADERSHIP = _Role.LEADERSHIP, _("Leadership office")
    JOINT = _Role.JOINT, _("Joint-department officer")
    SUBJECT = _Role.SUBJECT, _("Subject")
    SYSTEM = _Role.SYSTEM, _("System client")
    ADMIN = _Role.ADMIN, _("Administrator")


STAFF_ROLES = (
    Role.OFFICER, Role.REVIEWER, Role.NDRC, Role.LEADERSHIP, Role.JOINT, Role.SYSTEM, Role.ADMIN
)


class SubjectKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise legal person")
    INDIVIDUAL_BUSINESS = "individual_business", _("Individual business")
    NATURAL_PERSON = "natural_person", _("Natural person")
    NON_ENTERPRISE = "non_enterprise", _("Non-enterprise legal person")


# The case's facts the case machine reads (its correction payload names them): declared there.
ListType = _ListType
DishonestyClass = _DishonestyClass


class LegalBasisKind(models.TextChoices):
    LAW = "law", _("Law (法律)")
    ADMINISTRATIVE_REGULATION = "admin_regulation", _("Administrative regulation (行政法规)")
    LOCAL_REGULATION = "local_regulation", _("Local regulation (地方性法规)")
    STATE_COUNCIL = "state_council", _("State Council decision or order (国务院决定或命令)")
    DEPARTMENTAL_RULE = "departmental_rule", _("Departmental rule (部门规章)")


class CaseOrigin(models.TextChoices):
    """Where the determination was made: the origin decides which steps the city may take."""

    OPENED_HERE = "opened_here", _("Opened in this system")
    IMPORTED = "imported", _("Determined by the department before it used this system")
    EXTERNAL = "external", _("Determined elsewhere (national or provincial list)")
