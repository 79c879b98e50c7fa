"""Enter a year's working-day arrangement from a short text file (format: docs/calendar.md)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework import hooks
from workflows import calendar


class Command(BaseCommand):
    help = "Enter a year's holiday arrangement from FILE (format: docs/calendar.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--jurisdiction", default="", help="Local jurisdiction code; blank = national.")
        parser.add_argument("--source", default="", help="Where the arrangement comes from (beats the file).")
        parser.add_argument("--dry-run", action="store_true", help="Validate, show changes, write nothing.")

    def handle(
        self, *args: Any, file: Path, jurisdiction: str, source: str, dry_run: bool, **options: Any
    ) -> None:
        try:
            arrangement = calendar.parse_arrangement(file.read_text(encoding="utf-8"))
            source = calendar.resolve_source(arrangement, source)
            if dry_run:
                change = calendar.plan_year(arrangement, jurisdiction.strip())
            else:
                change = calendar.enter_year(arrangement, jurisdiction.strip(), source)
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"{file}: {error}") from error
        except calendar.ArrangementError as error:
            raise CommandError(f"{file}: nothing written\n{error}") from error
        self.report(change, source, dry_run)

    def report(self, change: calendar.YearChange, source: str, dry_run: bool) -> None:
        where = change.jurisdiction or "national"
        self.stdout.write(
            f"{change.year} {where}: {len(change.added)} added, {len(change.removed)} removed, "
            f"{len(change.changed)} changed (source: {source})"
        )
        for day, (kind, name) in sorted(change.added.items()):
            self.stdout.write(f"  + {day} {kind} {name}")
        for day, (kind, name) in sorted(change.removed.items()):
            self.stdout.write(f"  - {day} {kind} {name}")
        for day, ((old_kind, old_name), (kind, name)) in sorted(change.changed.items()):
            self.stdout.write(f"  ~ {day} {kind} {name} (was {old_kind} {old_name})")
        if dry_run:
            self.stdout.write("Dry run: nothing written.")
            return
        status = "replaced" if change.was_known else "recorded as known"
        receivers = len(hooks.YEAR_ENTERED.receivers())
        self.stdout.write(self.style.SUCCESS(
            f"{change.year} {where} {status}; {receivers} recompute receiver(s) notified."
        ))
