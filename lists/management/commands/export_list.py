"""manage.py export_list OUTFILE [--department CODE]: the listed cases in the import's columns."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from lists.exports import cases_to_export, chunks


class Command(BaseCommand):
    help = "Export listed cases (a department's, or a filter) as CSV or XLSX, streamed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("outfile", type=Path, help="*.csv or *.xlsx")
        parser.add_argument("--department", default="", help="department code")
        parser.add_argument("--list-type", default="", choices=["", "serious", "focus"])
        parser.add_argument("--origin", default="", choices=["", "opened_here", "imported", "external"])

    def handle(self, *args: Any, **options: Any) -> None:
        outfile: Path = options["outfile"]
        file_format = "xlsx" if outfile.suffix.lower() == ".xlsx" else "csv"
        cases = cases_to_export(options["department"], options["list_type"], options["origin"])
        count = cases.count()
        with outfile.open("wb") as target:
            for chunk in chunks(cases, file_format, purpose="command:export_list"):
                target.write(chunk)
        self.stdout.write(_("Exported %(count)s cases to %(path)s")
                          % {"count": count, "path": outfile})
