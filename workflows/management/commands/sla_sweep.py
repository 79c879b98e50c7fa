from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from workflows.sweep import SweepResult, sweep


class Command(BaseCommand):
    help = "Run one SLA sweep now: fire every due warning, breach and escalation exactly once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=settings.SLA_SWEEP_BATCH_SIZE)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            from django.core.management.base import CommandError

            raise CommandError("--batch-size must be at least 1")

        def progress(total: SweepResult) -> None:
            self.stderr.write(f"\rclaimed {total.claimed} · fired {sum(total.fired.values())} · "
                              f"actions {total.actions} · failed {total.failed}", ending="")

        result = sweep(batch_size=batch_size, progress=progress)
        self.stderr.write("")
        fired = ", ".join(f"{rung} {count}" for rung, count in sorted(result.fired.items())) or "none"
        self.stdout.write(f"Swept {result.claimed} due deadlines: fired {fired}; "
                          f"{result.actions} automatic steps; {result.failed} failed; "
                          f"{result.moved} moved at rule-set boundaries.")
