"""The upload page's import runs here, in a Celery worker (in-process without a broker)."""

from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from lists.choices import BatchStatus
from lists.models import ImportBatch
from lists.readers import FileRefused
from lists.services import Summary, import_list

ERRORS_DIR = "imports/errors"


@shared_task(acks_late=True, ignore_result=True)
def run_import(batch_id: int) -> None:
    """Import an uploaded file; its progress is saved after every batch of rows."""
    batch = ImportBatch.objects.select_related("actor__department").get(pk=batch_id)
    if batch.status != BatchStatus.QUEUED:
        return  # a redelivered task: the import already ran or is running
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
    errors_path = Path(settings.MEDIA_ROOT) / ERRORS_DIR / f"{batch.pk}.csv"
    errors_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        summary = import_list(Path(batch.file.path), batch.actor, errors_path=errors_path,
                              batch=batch, on_progress=lambda s: save_progress(batch.pk, s))
    except FileRefused as error:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.REFUSED, message=str(error), finished_at=timezone.now()
        )
        return
    except Exception as error:
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.FAILED, message=repr(error)[:2000], finished_at=timezone.now()
        )
        raise
    save_progress(batch.pk, summary, finished=True)


def save_progress(batch_id: int, summary: Summary, *, finished: bool = False) -> None:
    fields: dict[str, object] = {
        "total_rows": summary.total, "processed_rows": summary.read,
        "imported": summary.imported, "unchanged": summary.unchanged, "updated": summary.updated,
        "rejected": summary.rejected, "rejected_by_reason": dict(summary.rejected_by_reason),
    }
    if finished:
        fields.update(status=BatchStatus.DONE, finished_at=timezone.now())
        if summary.errors_path:
            fields["errors_file"] = f"{ERRORS_DIR}/{summary.errors_path.name}"
    ImportBatch.objects.filter(pk=batch_id).update(**fields)
