from typing import Any

from django.core.management.base import BaseCommand

from notifications.delivery import deliver_pending
from notifications.tasks import summary


class Command(BaseCommand):
    help = "Send every due pending delivery once (what beat's notifications-pending does)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Pending deliveries: {summary(deliver_pending()) or 'none'}")
