"""manage.py import_list FILE --as USERNAME: import a list file (CSV or XLSX) through the services."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from casework.models import User
from lists.progress import ProgressBar
from lists.readers import FileRefused
from lists.services import Summary, import_list
from lists.summary import summary_lines


class Command(BaseCommand):
    help = "Import a list file (CSV in UTF-8, UTF-8 with BOM or GBK, or XLSX) as an officer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--as", dest="username", required=True,
                            help="the officer or reviewer of the determining department")
        parser.add_argument("--errors", type=Path, default=None,
                            help="where to write the rejected rows (default: FILE.errors.csv)")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--dry-run", action="store_true",
                            help="check every row and report, write nothing")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        actor = User.objects.filter(username=options["username"]).select_related("department").first()
        if actor is None:
            raise CommandError(_("No user “%(name)s”.") % {"name": options["username"]})
        bar: ProgressBar | None = None

        def progress(summary: Summary) -> None:
            nonlocal bar
            if options["no_progress"]:
                return
            bar = bar or ProgressBar(summary.total, self.stderr._out)
            bar.update(summary.read)

        try:
            summary = import_list(path, actor, errors_path=options["errors"], on_progress=progress,
                                  batch_size=options["batch_size"], dry_run=options["dry_run"])
        except FileRefused as error:
            raise CommandError(_("File refused, nothing imported: %(reason)s")
                               % {"reason": error}) from None
        if bar:
            bar.finish()
        for line in summary_lines(summary, dry_run=options["dry_run"]):
            self.stdout.write(line)
