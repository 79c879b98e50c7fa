from typing import Any

from celery import shared_task
from django.conf import settings

from workflows.sweep import sweep


@shared_task(acks_late=True, ignore_result=True)
def sla_sweep() -> dict[str, Any]:
    """Beat runs this every minute; several workers may run it at once (SKIP LOCKED)."""
    result = sweep(batch_size=settings.SLA_SWEEP_BATCH_SIZE)
    return {"claimed": result.claimed, "fired": dict(result.fired), "actions": result.actions,
            "failed": result.failed, "moved": result.moved}
