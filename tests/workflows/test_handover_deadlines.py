"""A department handover moves the open clocks and the credit index to the successor."""

from casework import services
from casework.choices import DepartmentKind
from casework.models import AuditEvent, CreditIndexEntry, Department
from tests.conftest import Cast
from workflows.choices import Step, TimelineKind
from workflows.models import Deadline


def test_handover_reassigns_the_open_deadlines_and_the_credit_index(cast: Cast) -> None:
    case = cast.listed_case()
    rectification = cast.served(services.order_rectification(case, cast.officer, "整改"))
    successor = Department.objects.create(code="scjgj2", name="市市场监督管理局",
                                          kind=DepartmentKind.DETERMINING)
    closed = Deadline.objects.filter(closed_at__isnull=False)
    closed_before = set(closed.values_list("pk", "department"))

    summary = services.hand_over_department(cast.owner, successor, cast.system, "机构改革")

    assert summary.cases == 1
    period = Deadline.objects.get(target_id=rectification.pk, step=Step.RECTIFICATION_PERIOD)
    assert period.department == successor
    assert list(period.events.values_list("kind", flat=True))[-1] == TimelineKind.REASSIGNED
    assert not Deadline.objects.filter(case=case, closed_at__isnull=True, department=cast.owner).exists()
    # The joint department's clock stays with the joint department; closed clocks keep their history.
    acknowledge = Deadline.objects.get(case=case, step=Step.MEASURE_ACKNOWLEDGE)
    assert acknowledge.department == cast.joint
    assert set(closed.values_list("pk", "department")) == closed_before
    assert CreditIndexEntry.objects.get(case=case).owner_department == "市市场监督管理局"
    assert AuditEvent.objects.filter(case=case, action="handed_over").count() == 1


def test_handover_of_a_joint_department_moves_its_measure_clocks(cast: Cast) -> None:
    case = cast.listed_case()
    successor = Department.objects.create(code="zjj2", name="市住房和城乡建设局",
                                          kind=DepartmentKind.JOINT)

    services.hand_over_department(cast.joint, successor, cast.system, "机构改革")

    acknowledge = Deadline.objects.get(case=case, step=Step.MEASURE_ACKNOWLEDGE)
    assert acknowledge.department == successor
    assert case.measuretasks.get().department == successor
    assert CreditIndexEntry.objects.get(case=case).measures[0]["department"] == "zjj2"
