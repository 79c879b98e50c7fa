from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from workflows.services import apply_move, open_deadlines, planned_moves


class Command(BaseCommand):
    help = ("List the open deadlines that the current policies and calendar would move "
            "(old → new); apply the moves unless --dry-run.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Only list what would move.")

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        moves = 0
        for move in planned_moves(open_deadlines().order_by("pk")):
            moves += 1
            flag = " (provisional)" if move.provisional else ""
            self.stdout.write(f"{move.case_number} {move.step} #{move.deadline_id}: "
                              f"{move.old_due} → {move.new_due}{flag}")
            if not dry_run:
                apply_move(move)
            if moves % 500 == 0:
                self.stderr.write(f"… {moves} deadlines moved so far")
        verb = "would move" if dry_run else "moved"
        self.stdout.write(f"{moves} open deadlines {verb}.")
