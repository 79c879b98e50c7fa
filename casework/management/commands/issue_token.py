"""``manage.py issue_token USERNAME [--name N] [--days D] [--scope S …]``: print a new API token's key.

The key is printed once and stored only as a hash: run the command again for a new key
(revoke the old one in the admin or through the API).
"""

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework.management.commands.add_department import describe_validation_error
from casework.models import User
from casework.services.accounts import issue_token


class Command(BaseCommand):
    help = "Issue a new REST API token for a user and print its key (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="manage.py issue_token", help="What the token is for.")
        parser.add_argument("--days", type=int, help="Days until it expires (default API_TOKEN_DAYS).")
        parser.add_argument("--scope", action="append", default=[], dest="scopes",
                            help="A scope of a system client's token (repeatable).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("No user is named “%(username)s”.") % {"username": options["username"]})
        if not user.is_active:
            raise CommandError(_("The user “%(username)s” is inactive.") % {"username": user.username})
        days = options["days"]
        expires_at = timezone.now() + timedelta(days=days) if days is not None else None
        try:
            issued = issue_token(None, user, name=options["name"], scopes=options["scopes"],
                                 expires_at=expires_at)
        except ValidationError as error:
            raise CommandError(describe_validation_error(error)) from None
        # Only the key on stdout, so that scripts can capture it: TOKEN=$(manage.py issue_token x)
        self.stdout.write(issued.key)
