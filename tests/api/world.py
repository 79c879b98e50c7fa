"""Two cases for the permission tests: A owned by 市市场监管局 on the cast's subject,
B owned by 市生态环境局 on the other subject, each with every kind of step and a file."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from casework import services
from casework.choices import DepartmentKind, DishonestyClass, ListType
from casework.models import Case, Department, Evidence, Measure, User
from tests.conftest import Cast

RESOURCES = {
    "case": "cases", "objection": "objections", "rectification": "rectifications", "talk": "talks",
    "measure_task": "measure-tasks", "repair": "repairs", "evidence": "evidence",
}


@dataclass
class World:
    objects: dict[tuple[str, str], Any]  # (resource, "A" | "B") → model instance

    def path(self, resource: str, which: str) -> str:
        return f"{RESOURCES[resource]}/{self.objects[(resource, which)].pk}"


def listed(case: Case, reviewer: User) -> Case:
    services.advance(case, "notify", case.drafter)
    Case.objects.filter(pk=case.pk).update(statement_due_on=timezone.localdate() - timedelta(days=1))
    case.refresh_from_db()
    services.advance(case, "determine", reviewer)
    case.refresh_from_db()
    return case


def build_world(cast: Cast) -> World:
    joint2 = Department.objects.create(code="jtj", name="市交通运输局", kind=DepartmentKind.JOINT)
    measure2 = Measure.objects.create(code="limit-transport", title="限制道路运输经营许可",
                                      legal_basis=cast.basis, department=joint2)
    case_a = cast.listed_case(measures=[cast.measure])
    case_b = listed(services.open_case(
        cast.other_officer, subject=cast.other_subject, list_type=ListType.SERIOUS,
        dishonesty_class=DishonestyClass.SERIOUS, legal_bases=[cast.basis], facts="违法排污",
        measures=[measure2],
    ), cast.other_reviewer)
    objects: dict[tuple[str, str], Any] = {("case", "A"): case_a, ("case", "B"): case_b}
    for which, case, officer, subject in (("A", case_a, cast.officer, cast.subject_user),
                                          ("B", case_b, cast.other_officer, cast.other_subject_user)):
        objects[("objection", which)] = services.file_objection(case, subject, "异议理由")
        objects[("rectification", which)] = services.order_rectification(case, officer, "整改要求")
        objects[("talk", which)] = services.require_talk(case, officer)
        objects[("measure_task", which)] = case.measuretasks.get()
        Case.objects.filter(pk=case.pk).update(publication_min_until=timezone.localdate())
        objects[("repair", which)] = services.apply_repair(Case.objects.get(pk=case.pk), subject,
                                                           {"commitment_letter": True})
        objects[("evidence", which)] = services.attach_evidence(
            case, officer, SimpleUploadedFile(f"{which}.txt", b"evidence " + which.encode(), "text/plain")
        )
    talk_a = objects[("talk", "A")]
    services.advance(talk_a, "schedule", cast.officer, {
        "scheduled_for": (timezone.now() + timedelta(days=30)).isoformat(), "co_organiser": "fgw",
    })
    assert Evidence.objects.count() == 2
    return World(objects)
