"""The embedded default: one process serving ASGI with the SLA sweep and the outbox on a timer.

No Redis: Celery runs tasks in-process at commit (eager) and the in-memory channel
layer carries live pushes inside this one server process. What a broker and beat do
in production, a background thread does here every SLA_SWEEP_INTERVAL_SECONDS: run the
SLA sweep and send the pending deliveries (retries, and anything a crash left behind).
"""

import logging
import os
import threading
from typing import Any, cast

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from notifications.delivery import deliver_pending
from notifications.tasks import summary
from workflows.sweep import sweep

logger = logging.getLogger(__name__)


def periodic(interval: int, stop: threading.Event) -> None:
    while not stop.wait(interval):
        close_old_connections()
        try:
            swept = sweep(batch_size=settings.SLA_SWEEP_BATCH_SIZE)
            sent = summary(deliver_pending())
            if swept.claimed or sent:
                logger.info("embedded timer: swept %s deadlines, deliveries %s", swept.claimed, sent)
        except Exception:  # a bad minute must not stop the timer
            logger.exception("embedded timer failed; trying again in %s s", interval)
        finally:
            close_old_connections()


def start_periodic(interval: int) -> threading.Event:
    stop = threading.Event()
    threading.Thread(target=periodic, args=(interval, stop), name="embedded-timer", daemon=True).start()
    return stop


class Command(BaseCommand):
    help = "Serve the app (daphne ASGI) with the SLA sweep and notification delivery in-process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--noreload", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        interval = settings.CELERY_BEAT_SCHEDULE["sla-sweep"]["schedule"]
        # With the autoreloader the server runs in a child process (RUN_MAIN): the timer lives there.
        in_child = os.environ.get("RUN_MAIN") == "true"
        if options["noreload"] or in_child:
            start_periodic(int(cast(float, interval)))
        if not in_child:
            self.stdout.write(self.style.SUCCESS(
                f"Embedded mode: ASGI server (daphne) with live WebSocket notifications (in-memory "
                f"channel layer), Celery tasks in-process at commit, and a timer running the SLA "
                f"sweep and pending deliveries every {interval} s. Production: REDIS_URL + make "
                f"worker + make beat."))
        call_command("runserver", options["addrport"], use_reloader=not options["noreload"])
