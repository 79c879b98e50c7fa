"""The operator commands: add_department, add_user, issue_token, hand_over.

Each refusal is a CommandError with a message naming what is wrong, a non-zero
exit from the command line, and nothing written.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.db import connections
from django.utils import timezone, translation

from casework.choices import DepartmentKind, DepartmentLevel, Role, SubjectKind
from casework.models import ApiToken, AuditEvent, Case, Department, Subject, User
from casework.models.tokens import hash_of
from tests.casework.refusals import snapshot
from tests.conftest import Cast

PASSWORD = "s3cret-pass-2026"  # the validators want 12 characters


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    # PBKDF2 is slow by design (the cast alone hashes a dozen passwords); these tests check
    # which user may log in, not how hard the hash is to crack.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command(*args, stdout=out)
    return out.getvalue()


@contextmanager
def nothing_written() -> Iterator[None]:
    before, tokens = snapshot(), ApiToken.objects.count()
    yield
    assert snapshot() == before
    assert ApiToken.objects.count() == tokens


def refused(*args: str) -> str:
    """Run a command that must refuse; return its message, checking nothing was written."""
    with nothing_written(), translation.override("en"):
        with pytest.raises(CommandError) as caught:
            call_command(*args, stdout=StringIO())
        return str(caught.value)  # lazy messages are rendered in the active language


def department(code: str, kind: str = DepartmentKind.DETERMINING, **fields: Any) -> Department:
    return Department.objects.create(code=code, name=f"{code} 局", kind=kind, **fields)


# --- exit status from the command line ---------------------------------------------------------


@pytest.mark.parametrize(("argv", "message"), [
    (["add_department", "ldxzbgs", "办公室", "--kind", "leadership", "--parent", "fgw"],
     "No department has the code “fgw”."),
    (["add_user", "someone", "--role", "officer", "--department", "nope", "--password", PASSWORD],
     "No department has the code “nope”."),
    (["issue_token", "nobody"], "No user is named “nobody”."),
    (["hand_over", "nope", "other", "--reason", "机构改革"], "No department has the code “nope”."),
])
def test_refusal_exits_non_zero_from_the_command_line_with_its_message(
    db: Any, argv: list[str], message: str, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # run_from_argv closes every connection when the command ends; on PostgreSQL that would
    # close the test's own transaction under it.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with nothing_written(), pytest.raises(SystemExit) as exited, translation.override("en"):
        execute_from_command_line(["manage.py", *argv])
    assert exited.value.code == 1
    assert capsys.readouterr().err.strip() == f"CommandError: {message}"


# --- add_department ----------------------------------------------------------------------------


def test_add_department_creates_it_with_kind_level_and_parent(db: Any) -> None:
    department("fgw", DepartmentKind.NDRC)
    output = run("add_department", "ldxzbgs", "领导小组办公室", "--kind", "leadership", "--parent", "fgw")
    run("add_department", "haicheng-scjgj", "海城市市场监督管理局", "--kind", "determining",
        "--level", "county")

    office = Department.objects.get(code="ldxzbgs")
    assert (office.name, office.kind, office.level, office.parent.code, office.active) == (
        "领导小组办公室", DepartmentKind.LEADERSHIP, DepartmentLevel.CITY, "fgw", True
    )
    county = Department.objects.get(code="haicheng-scjgj")
    assert (county.level, county.parent) == (DepartmentLevel.COUNTY, None)
    assert output.startswith("Added department ldxzbgs 领导小组办公室")
    assert Department.objects.count() == 3


def test_add_department_refuses_a_duplicate_code(db: Any) -> None:
    department("scjgj")
    message = refused("add_department", "scjgj", "另一个局", "--kind", "determining")
    assert message == "A department with the code “scjgj” already exists."


def test_add_department_refuses_an_unknown_parent(db: Any) -> None:
    message = refused("add_department", "ldxzbgs", "办公室", "--kind", "leadership", "--parent", "fgw")
    assert message == "No department has the code “fgw”."


def test_add_department_refuses_a_retired_parent(db: Any) -> None:
    department("fgw", DepartmentKind.NDRC, active=False)
    message = refused("add_department", "ldxzbgs", "办公室", "--kind", "leadership", "--parent", "fgw")
    assert message == "The parent department “fgw” is retired."


def test_add_department_refuses_a_code_that_is_not_a_slug(db: Any) -> None:
    message = refused("add_department", "市场 监管", "市市场监管局", "--kind", "determining")
    assert message.startswith("invalid (code): ")


def test_add_department_refuses_an_unknown_kind(db: Any) -> None:
    message = refused("add_department", "scjgj", "市市场监管局", "--kind", "court")
    assert "argument --kind: invalid choice: 'court'" in message


# --- add_user ----------------------------------------------------------------------------------


def test_add_user_creates_a_department_head_reviewer(db: Any) -> None:
    owner = department("scjgj")
    output = run("add_user", "scjgj_reviewer", "--role", "reviewer", "--department", "scjgj",
                 "--password", PASSWORD, "--head")
    user = User.objects.get(username="scjgj_reviewer")
    assert (user.role, user.department, user.subject, user.is_department_head) == (
        Role.REVIEWER, owner, None, True
    )
    assert (user.is_staff, user.is_superuser) == (False, False)
    assert user.check_password(PASSWORD)
    assert output == "Added user scjgj_reviewer (Reviewer, scjgj).\n"


def test_add_user_admin_needs_no_department_and_gets_admin_rights(db: Any) -> None:
    run("add_user", "root", "--role", "admin", "--password", PASSWORD)
    user = User.objects.get(username="root")
    assert (user.role, user.department, user.is_staff, user.is_superuser) == (Role.ADMIN, None, True, True)


@pytest.mark.parametrize(("role", "kind"), [
    ("officer", DepartmentKind.DETERMINING), ("ndrc", DepartmentKind.NDRC),
    ("joint", DepartmentKind.JOINT), ("leadership", DepartmentKind.LEADERSHIP),
    ("system", DepartmentKind.NDRC),
])
def test_add_user_accepts_each_role_in_its_kind_of_department(db: Any, role: str, kind: str) -> None:
    department("dept", kind)
    run("add_user", "someone", "--role", role, "--department", "dept", "--password", PASSWORD)
    assert User.objects.get(username="someone").role == role


def test_add_user_links_a_subject_account_by_identifier_normalised(db: Any) -> None:
    person = Subject.objects.create(kind=SubjectKind.NATURAL_PERSON, name="张某",
                                    identifier="11010519491231002X")
    run("add_user", "zhang", "--role", "subject", "--subject", " 11010519491231002x ", "--password", PASSWORD)
    user = User.objects.get(username="zhang")
    assert (user.role, user.subject, user.department) == (Role.SUBJECT, person, None)


@pytest.mark.parametrize(("args", "expected"), [
    (["--role", "subject", "--department", "scjgj", "--subject", "91110108551385082Q"],
     "A subject account belongs to no department: drop --department."),
    (["--role", "subject"], "A subject account needs --subject IDENTIFIER."),
    (["--role", "officer", "--department", "scjgj", "--subject", "91110108551385082Q"],
     "Only a subject account may be linked to a subject (--subject)."),
    (["--role", "officer"], "The role “officer” needs --department CODE."),
    (["--role", "joint"], "The role “joint” needs --department CODE."),
    (["--role", "officer", "--department", "nope"], "No department has the code “nope”."),
    (["--role", "admin", "--head"], "Only a user with a department can head it (--head)."),
])
def test_add_user_refuses_a_wrong_role_department_or_subject_combination(
    db: Any, args: list[str], expected: str
) -> None:
    department("scjgj")
    Subject.objects.create(kind=SubjectKind.ENTERPRISE, name="某公司", identifier="91110108551385082Q")
    assert refused("add_user", "someone", *args, "--password", PASSWORD) == expected


@pytest.mark.parametrize(("role", "kind", "expected_kind"), [
    ("officer", DepartmentKind.JOINT, "determining"),
    ("reviewer", DepartmentKind.NDRC, "determining"),
    ("ndrc", DepartmentKind.DETERMINING, "ndrc"),
    ("joint", DepartmentKind.DETERMINING, "joint"),
    ("leadership", DepartmentKind.NDRC, "leadership"),
])
def test_add_user_refuses_a_department_of_the_wrong_kind(
    db: Any, role: str, kind: str, expected_kind: str
) -> None:
    department("dept", kind)
    message = refused("add_user", "someone", "--role", role, "--department", "dept", "--password", PASSWORD)
    assert message == (
        f"The role “{role}” needs a department of kind “{expected_kind}”; dept is “{kind}”."
    )


def test_add_user_refuses_a_retired_department(db: Any) -> None:
    department("scjgj", active=False)
    message = refused("add_user", "someone", "--role", "officer", "--department", "scjgj",
                      "--password", PASSWORD)
    assert message == "The department “scjgj” is retired."


def test_add_user_refuses_a_duplicate_username(db: Any) -> None:
    department("scjgj")
    User.objects.create_user(username="someone", password=PASSWORD, role=Role.ADMIN)
    message = refused("add_user", "someone", "--role", "officer", "--department", "scjgj",
                      "--password", PASSWORD)
    assert message == "A user named “someone” already exists."


def test_add_user_refuses_an_identifier_failing_its_check_naming_the_check(db: Any) -> None:
    message = refused("add_user", "someone", "--role", "subject", "--subject", "91110108551385082R",
                      "--password", PASSWORD)
    assert message.startswith("Invalid identifier 91110108551385082R: as a unified social credit code, "
                              "uscc_check: ")
    assert "as a citizen identity number, citizen_id_format: " in message


def test_add_user_refuses_a_citizen_id_with_a_wrong_check_digit(db: Any) -> None:
    message = refused("add_user", "someone", "--role", "subject", "--subject", "110105194912310021",
                      "--password", PASSWORD)
    assert "as a citizen identity number, citizen_id_check: " in message


def test_add_user_refuses_a_valid_identifier_of_no_known_subject(db: Any) -> None:
    message = refused("add_user", "someone", "--role", "subject", "--subject", "914403001922038216",
                      "--password", PASSWORD)
    assert message == "No subject has the identifier 914403001922038216."


def test_add_user_refuses_a_password_the_validators_reject(db: Any) -> None:
    department("scjgj")
    message = refused("add_user", "someone", "--role", "officer", "--department", "scjgj",
                      "--password", "short")
    assert message.startswith("password_too_short: ")


def test_add_user_refuses_an_invalid_username(db: Any) -> None:
    department("scjgj")
    message = refused("add_user", "bad name!", "--role", "officer", "--department", "scjgj",
                      "--password", PASSWORD)
    assert message.startswith("invalid (username): ")


# --- issue_token -------------------------------------------------------------------------------


def test_issue_token_prints_a_new_key_each_time_and_stores_only_its_hash(db: Any) -> None:
    user = User.objects.create_user(username="client", password=PASSWORD, role=Role.SYSTEM)
    first = run("issue_token", "client").strip()
    second = run("issue_token", "client").strip()
    tokens = ApiToken.objects.filter(user=user).order_by("pk")
    assert first != second and first.startswith("cw_") and len(first) == 43
    assert [t.key_hash for t in tokens] == [hash_of(first), hash_of(second)]
    assert [t.prefix for t in tokens] == [first[:11], second[:11]]
    assert all(first not in str(value) for value in tokens.values().first().values())


def test_issue_token_expires_after_the_days_given(db: Any) -> None:
    User.objects.create_user(username="client", password=PASSWORD, role=Role.SYSTEM)
    before = timezone.now()
    run("issue_token", "client", "--days", "7")
    expires_at = ApiToken.objects.get().expires_at
    assert expires_at is not None
    assert timedelta(days=7) <= expires_at - before < timedelta(days=7, minutes=1)


def test_issue_token_refuses_an_unknown_user(db: Any) -> None:
    assert refused("issue_token", "nobody") == "No user is named “nobody”."


def test_issue_token_refuses_an_inactive_user(db: Any) -> None:
    User.objects.create_user(username="gone", password=PASSWORD, role=Role.SYSTEM, is_active=False)
    assert refused("issue_token", "gone") == "The user “gone” is inactive."


# --- hand_over ---------------------------------------------------------------------------------


def test_hand_over_moves_open_cases_and_retires_the_department(cast: Cast) -> None:
    listed = cast.listed_case()
    successor = department("scjgj2")
    events_before = AuditEvent.objects.count()

    output = run("hand_over", "scjgj", "scjgj2", "--reason", "机构改革：职能划入新部门")

    listed.refresh_from_db()
    cast.owner.refresh_from_db()
    assert listed.owner_department == successor
    assert (cast.owner.active, cast.owner.successor) == (False, successor)
    assert output == (
        "Handed over 市市场监管局 (scjgj) to scjgj2 局 (scjgj2): 1 cases, 0 talks, "
        "0 measure tasks moved; scjgj is retired.\n"
    )
    # One event on the case's chain, one on the department's; both by the system user.
    assert list(AuditEvent.objects.order_by("pk")[events_before:].values_list("action", "actor")) == [
        ("handed_over", cast.system.pk), ("retired", cast.system.pk),
    ]
    assert User.objects.filter(username="system").count() == 1


def test_hand_over_creates_the_system_user_when_missing(db: Any) -> None:
    department("old")
    department("new")
    run("hand_over", "old", "new", "--reason", "机构改革")
    system = User.objects.get(username="system")
    assert (system.role, system.has_usable_password()) == (Role.SYSTEM, False)


@pytest.mark.parametrize(("old", "new", "reason", "expected"), [
    ("nope", "new", "机构改革", "No department has the code “nope”."),
    ("old", "nope", "机构改革", "No department has the code “nope”."),
    ("old", "old", "机构改革", "handover_same: A department cannot hand over to itself."),
    ("old", "joint", "机构改革",
     "handover_successor: The successor must be an active department of the same kind."),
    ("old", "new", "  ", "reason_required: A handover must state its reason."),
])
def test_hand_over_refuses_bad_arguments_and_creates_no_system_user(
    db: Any, old: str, new: str, reason: str, expected: str
) -> None:
    department("old")
    department("new")
    department("joint", DepartmentKind.JOINT)
    assert refused("hand_over", old, new, "--reason", reason) == expected
    assert not User.objects.filter(username="system").exists()
    assert Department.objects.filter(active=True).count() == 3


def test_hand_over_refuses_a_retired_department(cast: Cast) -> None:
    cast.listed_case()
    department("scjgj2")
    run("hand_over", "scjgj", "scjgj2", "--reason", "机构改革")
    department("scjgj3")
    message = refused("hand_over", "scjgj", "scjgj3", "--reason", "再次改革")
    assert message == "handover_retired: This department was already retired."
    assert Case.objects.get().owner_department.code == "scjgj2"


def test_hand_over_refuses_when_the_system_username_is_taken_by_another_role(db: Any) -> None:
    department("old")
    department("new")
    User.objects.create_user(username="system", password=PASSWORD, role=Role.ADMIN)
    message = refused("hand_over", "old", "new", "--reason", "机构改革")
    assert message == "The user “system” exists but its role is not system."
    assert Department.objects.get(code="old").active
