"""The Celery app. Embedded default (no REDIS_URL): tasks run in-process (eager)."""

import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("casework")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _refuse_development_key(**kwargs: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from config.secrets import refuse_development_key

    try:
        refuse_development_key()
    except ImproperlyConfigured as error:
        # Celery logs and swallows a receiver's Exception; SystemExit stops the process.
        raise SystemExit(f"ImproperlyConfigured: {error}") from None
