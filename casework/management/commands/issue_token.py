"""``manage.py issue_token USERNAME``: print the user's API token, creating it on first use."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.models import Token

from casework.models import User


class Command(BaseCommand):
    help = "Print a REST API token for a user (the existing one if it has one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(_("No user is named “%(username)s”.") % {"username": options["username"]})
        if not user.is_active:
            raise CommandError(_("The user “%(username)s” is inactive.") % {"username": user.username})
        with transaction.atomic():
            token, _created = Token.objects.get_or_create(user=user)
        # Only the key on stdout, so that scripts can capture it: TOKEN=$(manage.py issue_token x)
        self.stdout.write(token.key)
