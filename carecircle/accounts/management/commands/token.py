"""`carecircle token create --email EMAIL [--name NAME]`: a personal API token, printed once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carecircle.accounts.models import User
from carecircle.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Manage personal API tokens. The new token is printed as the last line, so scripts can read it."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Create a token for an account and print it.")
        create.add_argument("--email", required=True, help="The email address of the account.")
        create.add_argument("--name", default="Command line", help="A name to recognise the token by.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "create":
            self._create(email=options["email"], name=options["name"])

    def _create(self, *, email: str, name: str) -> None:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"There's no account with the email address {email!r}. Check the spelling.")
        if not user.is_active:
            raise CommandError(f"The account for {user.email} is switched off, so it can't have a token.")
        token, secret = api_token_create(actor=user, name=name)
        self.stdout.write(
            f"Created the token “{token.name}” for {user.email}. Keep it secret: it won't be shown again."
        )
        self.stdout.write(secret)
