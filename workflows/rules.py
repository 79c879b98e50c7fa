"""Rules shared by several machines: who may act on a case's step.

谁认定、谁约谈: the department that determined the case owns every later step of
it. Objects are duck-typed: every machine object answers ``owning_case()``;
actors carry ``role``, ``department_id``, ``department_active`` and ``subject_id``.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from workflows.guards import Role, Rule

STAFF_OF_OWNER = (Role.OFFICER, Role.REVIEWER)


def _case(obj: Any) -> Any:
    return obj.owning_case()


owner_department = Rule(
    "owner_department",
    _("Only the case's owner department may take this step (谁认定、谁约谈)."),
    lambda obj, actor: actor.department_id is not None
    and actor.department_id == _case(obj).owner_department_id
    and bool(getattr(actor, "department_active", True)),
)

staff_role = Rule(
    "officer_role",
    _("This step needs an officer or reviewer of a determining department."),
    lambda obj, actor: actor.role in STAFF_OF_OWNER,
)

reviewer_role = Rule(
    "reviewer_role",
    _("This decision needs a reviewer."),
    lambda obj, actor: actor.role == Role.REVIEWER,
)

four_eyes = Rule(
    "four_eyes",
    _("The reviewer who decides may not be the officer who drafted the case (four eyes)."),
    lambda obj, actor: actor.pk != _case(obj).drafter_id,
)

case_subject = Rule(
    "own_subject",
    _("Only the subject of the case may take this step."),
    lambda obj, actor: actor.role == Role.SUBJECT
    and actor.subject_id is not None
    and actor.subject_id == _case(obj).subject_id,
)

system_actor = Rule(
    "system_only",
    _("This step is taken by the system when its rule is met."),
    lambda obj, actor: actor.role == Role.SYSTEM,
)

OWNER_STAFF = (staff_role, owner_department)
OWNER_REVIEWER = (reviewer_role, owner_department, four_eyes)
