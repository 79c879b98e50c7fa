"""Identifiers encrypted at rest, and every unmasked read of a person's number logged (issue 14.3)."""

import base64
import csv
import io
from typing import Any

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.test import Client

from casework import crypto, services
from casework.choices import DishonestyClass, ListType, SubjectKind
from casework.models import Case, CreditIndexEntry, IdentifierRead, Subject
from documents.models import Document
from lists.exports import cases_to_export, chunks
from tests.api.conftest import client_for
from tests.api.world import listed
from tests.conftest import Cast

PERSON = "11010519491231002X"  # cast.other_subject, 张某, a case of the other department
MASKED = "**************002X"


@pytest.fixture
def person_listed(cast: Cast) -> Case:
    case = services.open_case(
        cast.other_officer, subject=cast.other_subject, list_type=ListType.SERIOUS,
        dishonesty_class=DishonestyClass.SERIOUS, legal_bases=[cast.basis], facts="违法排污",
    )
    return listed(case, cast.other_reviewer)


def stored(table: str, where: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT identifier FROM {table} WHERE {where} = %s", [pk])
        return cursor.fetchone()[0]


def reads() -> list[tuple[str | None, int, str]]:
    return [(row.read_by.username if row.read_by else None, row.subject_id, row.purpose)
            for row in IdentifierRead.objects.select_related("read_by").order_by("pk")]


# --- encryption at rest -------------------------------------------------------------------


def test_the_identifier_columns_hold_ciphertext_and_the_models_the_number(
    cast: Cast, person_listed: Case
) -> None:
    raw = stored("casework_subject", "id", cast.other_subject.pk)
    assert raw.startswith(crypto.PREFIX) and PERSON not in raw and "002X" not in raw
    assert Subject.objects.get(pk=cast.other_subject.pk).identifier == PERSON
    index_raw = stored("casework_creditindexentry", "case_id", person_listed.pk)
    assert index_raw == raw  # deterministic: the index is looked up by the same ciphertext
    assert CreditIndexEntry.objects.get(pk=person_listed.pk).identifier == PERSON


def test_exact_lookups_and_uniqueness_work_on_the_ciphertext(cast: Cast) -> None:
    assert Subject.objects.get(identifier=PERSON) == cast.other_subject
    assert Subject.objects.get(identifier__iexact=PERSON.lower()) == cast.other_subject
    assert set(Subject.objects.filter(identifier__in=[PERSON, cast.subject.identifier])) == {
        cast.subject, cast.other_subject}
    with pytest.raises(IntegrityError), transaction.atomic():
        Subject.objects.create(kind=SubjectKind.NATURAL_PERSON, name="冒名", identifier=PERSON)


def test_a_fragment_lookup_is_refused_rather_than_answering_nothing(cast: Cast) -> None:
    with pytest.raises(FieldError, match="encrypted"):
        list(Subject.objects.filter(identifier__contains="002X"))


def test_a_value_edited_in_the_column_does_not_read_as_another_number(cast: Cast) -> None:
    raw = stored("casework_subject", "id", cast.other_subject.pk)
    forged = raw[:-2] + ("AA" if raw[-2:] != "AA" else "BB")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE casework_subject SET identifier = %s WHERE id = %s",
                       [forged, cast.other_subject.pk])
    with pytest.raises(crypto.IdentifierDecryptionError):
        Subject.objects.get(pk=cast.other_subject.pk)


def test_without_the_key_and_without_debug_nothing_is_encrypted(settings: Any) -> None:
    settings.IDENTIFIER_KEY, settings.DEBUG = "", False
    with pytest.raises(ImproperlyConfigured, match="IDENTIFIER_KEY"):
        crypto.encrypt(PERSON)
    settings.IDENTIFIER_KEY = base64.b64encode(b"short").decode()
    with pytest.raises(ImproperlyConfigured, match="64 bytes"):
        crypto.encrypt(PERSON)


def test_the_servers_refuse_to_start_without_the_key(settings: Any) -> None:
    from config.secrets import refuse_development_key

    settings.DEBUG, settings.IDENTIFIER_KEY = False, ""
    with pytest.raises(ImproperlyConfigured, match="IDENTIFIER_KEY is not set"):
        refuse_development_key()


def test_another_key_cannot_read_the_column(cast: Cast, settings: Any) -> None:
    settings.IDENTIFIER_KEY = base64.b64encode(bytes(64)).decode()
    with pytest.raises(crypto.IdentifierDecryptionError):
        Subject.objects.get(pk=cast.other_subject.pk)


# --- the read log -----------------------------------------------------------------------


def test_the_owner_departments_api_read_is_logged_with_who_why_and_path(
    cast: Cast, person_listed: Case
) -> None:
    IdentifierRead.objects.all().delete()
    answer = client_for(cast.other_officer).get(f"/api/v1/cases/{person_listed.pk}/")
    assert answer.json()["subject_identifier"] == PERSON
    [row] = IdentifierRead.objects.all()
    assert (row.read_by, row.department, row.subject, row.purpose, row.path) == (
        cast.other_officer, cast.other, cast.other_subject, "case-detail",
        f"/api/v1/cases/{person_listed.pk}/")
    assert row.request_id == answer["X-Request-ID"]


def test_a_masked_read_and_an_organisations_code_are_not_logged(cast: Cast, person_listed: Case) -> None:
    IdentifierRead.objects.all().delete()
    shown = client_for(cast.leadership_user).get(f"/api/v1/cases/{person_listed.pk}/").json()
    assert shown["subject_identifier"] == MASKED
    enterprise_case = cast.listed_case()
    assert client_for(cast.officer).get(f"/api/v1/cases/{enterprise_case.pk}/").json()[
        "subject_identifier"] == cast.subject.identifier
    assert reads() == []


def test_a_list_page_and_a_subjects_own_read_log_once_each(cast: Cast, person_listed: Case) -> None:
    IdentifierRead.objects.all().delete()
    client_for(cast.other_officer).get("/api/v1/cases/")
    client_for(cast.other_subject_user).get(f"/api/v1/subjects/{cast.other_subject.pk}/")
    assert reads() == [("other_officer", cast.other_subject.pk, "case-list"),
                       ("other_subject", cast.other_subject.pk, "subject-detail")]


def test_the_workbench_case_page_logs_its_read(cast: Cast, person_listed: Case) -> None:
    IdentifierRead.objects.all().delete()
    browser = Client()
    browser.force_login(cast.other_officer)
    page = browser.get(f"/cases/{person_listed.pk}/")
    assert page.status_code == 200 and PERSON in page.content.decode()
    assert [(who, purpose) for who, _subject, purpose in reads()] == [
        ("other_officer", page.resolver_match.view_name)]


def test_the_admin_change_page_logs_its_read(cast: Cast) -> None:
    from casework.choices import Role
    from casework.models import User

    admin = User.objects.create_superuser("root", password="x", role=Role.ADMIN)
    IdentifierRead.objects.all().delete()
    browser = Client()
    browser.force_login(admin)
    page = browser.get(f"/admin/casework/subject/{cast.other_subject.pk}/change/")
    assert page.status_code == 200 and PERSON in page.content.decode()
    assert reads() == [("root", cast.other_subject.pk, "admin:casework_subject_change")]


def test_an_export_logs_every_person_in_it_with_its_reader(cast: Cast, person_listed: Case) -> None:
    IdentifierRead.objects.all().delete()
    cast.listed_case()  # an organisation: its code is public, nothing to log
    data = b"".join(chunks(cases_to_export(), "csv", cast.ndrc_officer, "test:export"))
    exported = {row[0] for row in csv.reader(io.StringIO(data.decode("utf-8-sig")))}
    assert PERSON in exported
    assert reads() == [("ndrc_officer", cast.other_subject.pk, "test:export")]


def test_a_document_download_logs_its_read(cast: Cast, person_listed: Case) -> None:
    IdentifierRead.objects.all().delete()
    document = Document.objects.filter(case=person_listed).order_by("pk").first()
    assert document is not None
    answer = client_for(cast.other_subject_user).get(f"/api/v1/documents/{document.pk}/download/")
    assert answer.status_code == 200
    assert reads() == [("other_subject", cast.other_subject.pk, "document:download")]


def test_the_log_is_visible_to_the_leadership_office_and_the_owner_department_only(
    cast: Cast, person_listed: Case
) -> None:
    client_for(cast.other_officer).get(f"/api/v1/cases/{person_listed.pk}/")
    assert IdentifierRead.objects.count() == 1
    visible = {user.username: IdentifierRead.objects.visible_to(user).count()
               for user in (cast.leadership_user, cast.other_reviewer, cast.officer, cast.joint_officer,
                            cast.other_subject_user)}
    assert visible == {"leader": 1, "other_reviewer": 1, "officer": 0, "joint_officer": 0,
                       "other_subject": 0}
