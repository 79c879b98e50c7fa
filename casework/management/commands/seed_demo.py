"""``manage.py seed_demo``: the demo city, with cases in every state of every machine.

Idempotent: a second run finds every row by its natural key and creates nothing.
The demo users' passwords are printed once, by the run that creates them.
It refuses a database that holds cases the demo did not create (real cases) unless
``--force``: the demo publishes its passwords.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from casework import demo
from workflows.guards import RuleRefused


class Command(BaseCommand):
    help = "Seed the demo city (鞍山市): departments, catalogues, users, subjects and cases."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password", default=demo.DEMO_PASSWORD,
            help="Password for the demo users created by this run (default: %(default)s).",
        )
        parser.add_argument(
            "--force", action="store_true",
            help="Seed even though the database holds cases the demo did not create.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        real = demo.other_cases()
        if real and not options["force"]:
            raise CommandError(_(
                "This database holds %(count)d cases the demo did not create (e.g. %(example)s): "
                "the demo users' passwords are public, so seed_demo refuses to run here. Nothing was "
                "written. Use a new database, or --force if you really mean it."
            ) % {"count": len(real), "example": ", ".join(real[:3])})
        started = time.monotonic()
        try:
            city = demo.seed(self.stdout, options["password"])
        except RuleRefused as refusal:
            # The seed is one transaction: a refused step leaves the database as it was.
            raise CommandError(_("The demo was not seeded (nothing was written): %(code)s: %(message)s")
                               % {"code": refusal.code, "message": refusal.message}) from None
        self.stdout.write(_("Seeded in %(seconds).1f s.") % {"seconds": time.monotonic() - started})
        rows = demo.user_table(city)
        if not rows:
            self.stdout.write(_("The demo users already exist; their passwords were printed when they "
                                "were created (see docs/demo.md)."))
            return
        self.stdout.write(self.style.SUCCESS(_("Demo users (shown once):")))
        header = (str(_("username")), str(_("role")), str(_("password")), str(_("department or subject")))
        self.stdout.write(format_table(header, rows))


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    # Widths count characters, and CJK characters print double width: the only column that
    # holds Chinese (department or subject) comes last, so the others still line up.
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in [header, *rows]]
    return "\n".join(lines)
