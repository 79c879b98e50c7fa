"""The upload page: a staff officer uploads a file, a Celery task imports it, the page shows progress."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from casework.models import Case
from lists.choices import BatchStatus
from lists.models import ImportBatch
from tests.conftest import Cast
from tests.lists.files import csv_bytes, good_row, mixed_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(list_cast: Cast, client: Client) -> Client:
    officer = list_cast.officer
    officer.is_staff = officer.is_superuser = True
    officer.save()
    client.force_login(officer)
    return client


def upload(client: Client, content: bytes, django_capture_on_commit_callbacks: object) -> ImportBatch:
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post(reverse("admin:lists_importbatch_add"),
                               {"file": SimpleUploadedFile("list.csv", content, "text/csv")})
    assert response.status_code == 302
    return ImportBatch.objects.get()


def test_an_uploaded_file_is_imported_by_the_task_and_the_page_shows_the_summary(
    staff_client: Client, list_cast: Cast, django_capture_on_commit_callbacks: object, settings: object,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    batch = upload(staff_client, csv_bytes(mixed_rows(list_cast)), django_capture_on_commit_callbacks)

    assert (batch.status, batch.imported, batch.rejected, batch.percent) == (BatchStatus.DONE, 3, 7, 100)
    assert Case.objects.count() == 3
    progress = json.loads(staff_client.get(
        reverse("admin:lists_importbatch_progress", args=[batch.pk])).content)
    assert (progress["finished"], progress["processed"], progress["total"]) == (True, 10, 10)
    page = staff_client.get(reverse("admin:lists_importbatch_change", args=[batch.pk]))
    assert b'id="import-progress"' in page.content
    errors = staff_client.get(reverse("admin:lists_importbatch_errors", args=[batch.pk]))
    assert b"duplicate_in_file" in b"".join(errors.streaming_content)  # type: ignore[attr-defined]


def test_an_uploaded_binary_file_is_refused_with_its_reason_on_the_page(
    staff_client: Client, django_capture_on_commit_callbacks: object, settings: object, tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    batch = upload(staff_client, b"\x00\x01\x02binary", django_capture_on_commit_callbacks)

    assert batch.status == BatchStatus.REFUSED and "NUL 字节" in batch.message
    assert not Case.objects.exists()


def test_the_export_page_streams_a_departments_cases_as_csv(
    staff_client: Client, list_cast: Cast, django_capture_on_commit_callbacks: object,
    settings: object, tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)  # type: ignore[attr-defined]
    upload(staff_client, csv_bytes([good_row(list_cast, 1)]), django_capture_on_commit_callbacks)

    response = staff_client.get(reverse("admin:lists_importbatch_export"),
                                {"department": list_cast.owner.code, "file_format": "csv"})

    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert body.splitlines()[0].startswith("subject_identifier,subject_name")
    assert good_row(list_cast, 1)["subject_identifier"] in body.splitlines()[1]
