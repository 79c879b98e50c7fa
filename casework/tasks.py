"""Periodic housekeeping of the case engine (scheduled by Celery beat, CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from casework.services.engine import purge_idempotency_records as purge


@shared_task(acks_late=True)
def purge_idempotency_records() -> int:
    """Idempotent: deletes what is past its time, whoever runs it and however often."""
    return purge()
