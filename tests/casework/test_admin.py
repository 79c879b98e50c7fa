"""The admin shows everything, edits catalogues and accounts, and moves states only through the service."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise

from casework import services
from casework.choices import DepartmentKind, Role, SubjectKind
from casework.models import (
    AuditEvent,
    Case,
    CreditCheckAlert,
    Department,
    Evidence,
    MeasureTask,
    Objection,
    Rectification,
    RepairApplication,
    Subject,
    Talk,
    User,
)
from casework.services import identifier_reads
from casework.services.accounts import issue_token
from casework.services.credit_checks import record_credit_check
from tests.casework.refusals import serve_minimum_publication
from tests.conftest import Cast
from workflows.case import exit_expired
from workflows.rules import staff_role

REGISTERED = sorted(model._meta.label for model in admin.site._registry)
CASE_AND_STEPS = [Case, Objection, Rectification, Talk, MeasureTask, RepairApplication, Evidence]


@dataclass
class Records:
    case: Case
    objection: Objection
    rectification: Rectification
    talk: Talk
    repair: RepairApplication
    evidence: Evidence


@pytest.fixture
def records(cast: Cast, settings: Any, tmp_path: Any) -> Records:
    """A listed case with one of every step and one piece of evidence."""
    settings.MEDIA_ROOT = tmp_path
    case = cast.listed_case()
    issue_token(None, cast.system, name="sharing platform")
    serve_minimum_publication(case)
    upload = SimpleUploadedFile("决定书.pdf", b"%PDF-1.4 decision", content_type="application/pdf")
    answer = {"listed": True, "entries": [{"case_number": case.number}], "checked_at": timezone.now()}
    checked = record_credit_check(checker=cast.officer, identifier=cast.subject.identifier,
                                  purpose="行政许可", answer=answer)
    CreditCheckAlert.objects.create(checked_by=cast.officer, rule="number_variants",
                                    window_start=checked.checked_at, checks=5)
    identifier_reads.record(cast.other_subject_user, cast.other_subject, "test:own number")
    return Records(
        case=case,
        objection=services.file_objection(case, cast.subject_user, "处罚依据适用错误"),
        rectification=services.order_rectification(case, cast.officer, "补缴欠款并提交凭证"),
        talk=services.require_talk(case, cast.officer, reason="逾期未整改"),
        repair=services.apply_repair(case, cast.subject_user, {"commitment_letter": True}),
        evidence=services.attach_evidence(case, cast.officer, upload),
    )


@pytest.fixture
def superuser(cast: Cast) -> User:
    return User.objects.create_superuser(username="root", password="x", role=Role.ADMIN)


@pytest.fixture
def root_client(superuser: User) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


def staff_client(user: User, *codenames: str) -> Client:
    """A case worker who may open the admin and view the named models; the rules do the rest."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(user)
    return client


def url(model: type[models.Model] | models.Model, view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def message_texts(response: HttpResponse) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def in_chinese(message: str | Promise) -> str:
    """The text the admin shows (zh-Hans by default) for a lazy message or a msgid."""
    with translation.override("zh-hans"):
        return str(message) if isinstance(message, Promise) else translation.gettext(message)


def audit_count() -> int:
    return AuditEvent.objects.count()


# --- every page loads -----------------------------------------------------------------------


@pytest.mark.parametrize("label", REGISTERED)
def test_every_admin_changelist_search_and_change_page_loads(
    label: str, records: Records, root_client: Client
) -> None:
    model = apps.get_model(label)
    assert root_client.get(url(model, "changelist")).status_code == 200
    assert root_client.get(url(model, "changelist"), {"q": "x"}).status_code == 200
    obj = model._default_manager.order_by("pk").first()
    if model._meta.app_label == "casework":
        assert obj is not None, f"the fixture has no {label} to open"
    if obj is not None:
        assert root_client.get(url(model, "change", obj.pk)).status_code == 200


def test_case_page_shows_its_steps_and_links_to_its_audit_trail(
    records: Records, root_client: Client
) -> None:
    response = root_client.get(url(records.case, "change", records.case.pk))
    page = response.content.decode()
    for step in (records.objection, records.rectification, records.talk, records.repair):
        assert url(step, "change", step.pk) in page
    assert url(Evidence, "change", records.evidence.pk) in page
    assert url(records.case, "transition", records.case.pk) in page
    assert f"?q=case%3A{records.case.pk}" in page


def test_audit_trail_search_by_chain_is_exact(cast: Cast, root_client: Client) -> None:
    first, second = cast.open_case(), cast.open_case()
    response = root_client.get(url(AuditEvent, "changelist"), {"q": f"case:{first.pk}"})
    shown = list(response.context["cl"].result_list)
    assert [event.chain for event in shown] == [f"case:{first.pk}"]
    assert second.pk != first.pk


# --- nothing referenced by the audit trail is written or deleted from the admin --------------


def test_audit_event_cannot_be_added_changed_or_deleted(records: Records, root_client: Client) -> None:
    event = AuditEvent.objects.order_by("pk").first()
    assert event is not None
    before, count = model_to_dict(event), audit_count()
    posted = {**model_to_dict(event), "action": "forged", "seq": 99, "hash": "0" * 64}

    assert root_client.get(url(AuditEvent, "add")).status_code == 403
    assert root_client.post(url(AuditEvent, "add"), posted).status_code == 403
    assert root_client.post(url(AuditEvent, "change", event.pk), posted).status_code == 403
    assert root_client.get(url(AuditEvent, "delete", event.pk)).status_code == 403
    assert root_client.post(url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403

    event.refresh_from_db()
    assert model_to_dict(event) == before
    assert audit_count() == count


def test_audit_event_change_page_is_view_only(records: Records, root_client: Client) -> None:
    event = AuditEvent.objects.order_by("pk").first()
    assert event is not None
    response = root_client.get(url(AuditEvent, "change", event.pk))
    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    assert response.context["adminform"].form.fields == {}  # every field read-only
    assert b'name="_save"' not in response.content


def test_audit_event_changelist_offers_no_bulk_delete(records: Records, root_client: Client) -> None:
    response = root_client.get(url(AuditEvent, "changelist"))
    assert response.context["action_form"] is None  # no actions at all, delete_selected included


@pytest.mark.parametrize("model", CASE_AND_STEPS, ids=lambda model: model.__name__)
def test_case_steps_and_evidence_cannot_be_added_or_deleted(
    model: type[models.Model], records: Records, root_client: Client
) -> None:
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None
    rows, count = model._default_manager.count(), audit_count()
    assert root_client.get(url(model, "add")).status_code == 403
    assert root_client.get(url(model, "delete", obj.pk)).status_code == 403
    assert root_client.post(url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert (model._default_manager.count(), audit_count()) == (rows, count)


def test_case_change_post_is_refused_and_writes_no_state(records: Records, root_client: Client) -> None:
    case, count = records.case, audit_count()
    version = case.version
    response = root_client.post(url(case, "change", case.pk), {"state": "withdrawn", "version": 99})
    assert response.status_code == 403
    case.refresh_from_db()
    assert (case.state, case.version, audit_count()) == ("listed", version, count)


def test_department_cannot_be_deleted(cast: Cast, root_client: Client) -> None:
    assert root_client.get(url(cast.other, "delete", cast.other.pk)).status_code == 403
    assert root_client.post(url(cast.other, "delete", cast.other.pk), {"post": "yes"}).status_code == 403
    changelist = root_client.post(url(Department, "changelist"), {
        "action": "delete_selected", "_selected_action": [cast.other.pk], "post": "yes",
    })
    assert changelist.status_code == 200  # the unknown action is ignored, with a notice
    assert Department.objects.filter(pk=cast.other.pk, active=True).exists()


def test_department_active_flag_is_not_editable(cast: Cast, root_client: Client) -> None:
    response = root_client.get(url(cast.other, "change", cast.other.pk))
    assert "active" not in response.context["adminform"].form.fields
    assert "successor" not in response.context["adminform"].form.fields


# --- transitions go through the service -----------------------------------------------------


def transition_url(obj: object, name: str) -> str:
    return f"{url(obj, 'transition', obj.pk)}?name={name}"  # type: ignore[attr-defined]


def test_transition_by_admin_without_a_role_is_refused_with_the_rule_message(
    cast: Cast, root_client: Client
) -> None:
    case, count = cast.open_case(), audit_count()
    page = root_client.get(url(case, "transition", case.pk))
    assert page.context["choices"] == []

    response = root_client.post(transition_url(case, "notify"), {"expected_version": case.version})
    assert response.status_code == 200
    assert message_texts(response) == [in_chinese(staff_role.message)]
    case.refresh_from_db()
    assert (case.state, case.version, audit_count()) == ("draft", 1, count)


def test_transition_page_is_the_form_the_transition_declares(cast: Cast) -> None:
    case = cast.listed_case()
    client = staff_client(cast.reviewer, "view_case")
    page = client.get(transition_url(case, "exit"))
    assert set(page.context["form"].fields) == {"reason", "grounds", "expected_version"}
    assert page.context["form"].fields["reason"].required


def test_transition_refused_by_a_rule_shows_its_message_and_writes_nothing(cast: Cast) -> None:
    case = cast.listed_case()
    client = staff_client(cast.reviewer, "view_case")
    count, version = audit_count(), case.version
    tasks = list(case.measuretasks.values_list("pk", "state", "version"))

    response = client.post(transition_url(case, "exit"), {
        "reason": "expired", "expected_version": case.version,
    })
    assert response.status_code == 200
    assert message_texts(response) == [in_chinese(exit_expired.message)]
    case.refresh_from_db()
    assert (case.state, case.version, case.exit_reason, case.published) == ("listed", version, "", True)
    assert audit_count() == count
    assert list(case.measuretasks.values_list("pk", "state", "version")) == tasks


def test_transition_allowed_advances_the_state_and_appends_an_audit_event(cast: Cast) -> None:
    case = cast.open_case()
    client = staff_client(cast.officer, "view_case")
    page = client.get(url(case, "transition", case.pk))
    assert [name for name, _label in page.context["choices"]] == ["notify", "withdraw"]
    count = audit_count()

    response = client.post(transition_url(case, "notify"), {"expected_version": 1}, follow=True)
    assert response.redirect_chain == [(url(case, "change", case.pk), 302)]
    case.refresh_from_db()
    assert (case.state, case.version) == ("notified", 2)
    # The transition, then the 信用信息告知书 it issued (number and checksum on the chain).
    assert audit_count() == count + 2
    assert AuditEvent.objects.get(chain=f"case:{case.pk}", seq=3).action == "documents_issued"
    event = AuditEvent.objects.get(chain=f"case:{case.pk}", seq=2)
    assert (event.action, event.from_state, event.to_state, event.actor) == (
        "notify", "draft", "notified", cast.officer,
    )
    assert len(message_texts(response)) == 1


def test_transition_on_a_stale_page_is_refused_as_a_conflict(cast: Cast) -> None:
    case = cast.open_case()
    client = staff_client(cast.officer, "view_case")
    services.advance(case, "notify", cast.officer)
    count = audit_count()

    response = client.post(transition_url(case, "withdraw"), {"expected_version": 1})
    assert response.status_code == 200
    assert len(message_texts(response)) == 1
    case.refresh_from_db()
    assert (case.state, case.version, audit_count()) == ("notified", 2, count)


def test_transition_with_a_bad_value_shows_it_next_to_its_field_and_writes_nothing(cast: Cast) -> None:
    case = cast.listed_case()
    client = staff_client(cast.reviewer, "view_case")
    count = audit_count()
    response = client.post(transition_url(case, "exit"), {"reason": "nosuch", "expected_version": 3})
    assert list(response.context["form"].errors) == ["reason"]
    case.refresh_from_db()
    assert (case.state, audit_count()) == ("listed", count)


def test_step_transition_goes_through_the_service(records: Records, cast: Cast) -> None:
    client = staff_client(cast.officer, "view_objection")
    objection = records.objection
    response = client.post(transition_url(objection, "accept"), {"expected_version": 1})
    assert response.status_code == 302
    objection.refresh_from_db()
    assert (objection.state, objection.version) == ("under_review", 2)
    events = AuditEvent.objects.filter(object_type="objection", object_id=objection.pk).order_by("seq")
    assert [event.action for event in events] == ["created", "accept"]


def test_take_transition_action_opens_the_transition_page_for_one_case(
    cast: Cast, root_client: Client
) -> None:
    first, second = cast.open_case(), cast.open_case()
    one = root_client.post(url(Case, "changelist"), {
        "action": "take_transition", "_selected_action": [first.pk],
    })
    assert (one.status_code, one["Location"]) == (302, url(first, "transition", first.pk))

    count = audit_count()
    two = root_client.post(url(Case, "changelist"), {
        "action": "take_transition", "_selected_action": [first.pk, second.pk],
    }, follow=True)
    assert len(message_texts(two)) == 1
    assert audit_count() == count
    assert list(Case.objects.values_list("state", flat=True)) == ["draft", "draft"]


# --- subjects, users, departments -----------------------------------------------------------


def test_subject_list_masks_a_natural_persons_identifier(cast: Cast, root_client: Client) -> None:
    response = root_client.get(url(Subject, "changelist"))
    page = response.content.decode()
    assert "**************002X" in page
    assert cast.other_subject.identifier not in page
    assert cast.subject.identifier in page  # an organisation's code is public


def test_subject_form_shows_the_identifier_check_on_its_field(cast: Cast, root_client: Client) -> None:
    count = Subject.objects.count()
    response = root_client.post(url(Subject, "add"), {
        "kind": SubjectKind.NATURAL_PERSON, "name": "李某", "identifier": "110105194912310021",
    })
    form = response.context["adminform"].form
    assert response.status_code == 200
    assert [error.code for error in form.errors.as_data()["identifier"]] == ["citizen_id_check"]
    assert form.non_field_errors() == []
    assert Subject.objects.count() == count


def test_subject_form_saves_a_valid_identifier_normalised(cast: Cast, root_client: Client) -> None:
    response = root_client.post(url(Subject, "add"), {
        "kind": SubjectKind.NATURAL_PERSON, "name": "李某", "identifier": " 11010519800101018x",
    })
    assert response.status_code == 302
    assert Subject.objects.get(name="李某").identifier == "11010519800101018X"


def test_user_list_filters_by_role_and_department(cast: Cast, root_client: Client) -> None:
    by_role = root_client.get(url(User, "changelist"), {"role__exact": Role.REVIEWER})
    assert {user.username for user in by_role.context["cl"].result_list} == {"reviewer", "other_reviewer"}
    by_department = root_client.get(url(User, "changelist"), {"department__id__exact": cast.owner.pk})
    assert {user.username for user in by_department.context["cl"].result_list} == {"officer", "reviewer"}


def test_user_admin_edits_role_department_and_head(cast: Cast, root_client: Client) -> None:
    response = root_client.post(url(User, "add"), {
        "username": "new_officer", "usable_password": "false", "role": Role.OFFICER,
        "department": cast.owner.pk, "is_department_head": "on", "subject": "",
    })
    assert response.status_code == 302
    user = User.objects.get(username="new_officer")
    assert (user.role, user.department, user.is_department_head, user.subject) == (
        Role.OFFICER, cast.owner, True, None,
    )


def test_department_handover_moves_open_cases_and_retires_it(cast: Cast, root_client: Client) -> None:
    case = cast.open_case()
    successor = Department.objects.create(code="scjgj2", name="市市场监督管理局",
                                          kind=DepartmentKind.DETERMINING)
    response = root_client.post(url(cast.owner, "handover", cast.owner.pk), {
        "successor": successor.pk, "reason": "机构改革",
    })
    assert response.status_code == 302
    cast.owner.refresh_from_db()
    case.refresh_from_db()
    assert (cast.owner.active, cast.owner.successor, case.owner_department) == (False, successor, successor)
    assert AuditEvent.objects.filter(chain=f"department:{cast.owner.pk}", action="retired").count() == 1


def test_department_handover_of_a_retired_department_is_refused_and_writes_nothing(
    cast: Cast, root_client: Client
) -> None:
    successor = Department.objects.create(code="scjgj2", name="市市场监督管理局",
                                          kind=DepartmentKind.DETERMINING)
    services.hand_over_department(cast.owner, successor, cast.leadership_user, "机构改革")
    count = audit_count()
    response = root_client.post(url(cast.owner, "handover", cast.owner.pk), {
        "successor": cast.other.pk, "reason": "再次移交",
    })
    assert response.status_code == 200
    assert message_texts(response) == [in_chinese("This department was already retired.")]
    cast.owner.refresh_from_db()
    assert (cast.owner.active, cast.owner.successor, audit_count()) == (False, successor, count)


def test_the_rows_only_the_engine_writes_are_view_only_in_the_admin(
    records: Records, root_client: Client
) -> None:
    from workflows.models import Deadline, Escalation, RuleSetBoundary

    deadline = Deadline.objects.filter(case=records.case).order_by("pk").first()
    assert deadline is not None
    before = model_to_dict(deadline)
    for model in (Deadline, Escalation, RuleSetBoundary):
        assert root_client.get(url(model, "add")).status_code == 403
        assert root_client.get(url(model, "changelist")).status_code == 200
    response = root_client.get(url(Deadline, "change", deadline.pk))
    assert response.status_code == 200 and response.context["has_change_permission"] is False
    assert root_client.post(url(Deadline, "change", deadline.pk), {"due_on": "2000-01-01"}).status_code == 403
    assert root_client.post(url(Deadline, "delete", deadline.pk), {"post": "yes"}).status_code == 403
    deadline.refresh_from_db()
    assert model_to_dict(deadline) == before
