"""``manage.py audit_digest [--dir DIR]``: write the signed digest of every audit chain's head.

Run it daily (cron or Celery beat) and keep the files where the database's users cannot
change them; ``verify_audit --digest FILE`` checks the database against one.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from casework.audit_digest import write_digest


class Command(BaseCommand):
    help = "Write a signed digest of every audit chain's head (keep it outside the database)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", default=settings.AUDIT_DIGEST_DIR,
                            help="Directory of the digests (default AUDIT_DIGEST_DIR).")

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(str(write_digest(Path(options["dir"]))))
