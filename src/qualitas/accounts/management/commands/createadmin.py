"""`qualitas createadmin USERNAME [--email E]`: an administrator account for a new installation."""

from __future__ import annotations

import getpass
import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create an administrator. The password comes from the prompt or from QUALITAS_ADMIN_PASSWORD."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, email, **options):
        from qualitas.accounts import services

        password = os.environ.get("QUALITAS_ADMIN_PASSWORD")
        if not password:
            if not self.stdin_is_interactive():
                raise CommandError("No password: set QUALITAS_ADMIN_PASSWORD or run in a terminal.", returncode=2)
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match.", returncode=2)
        try:
            user = services.user_create(
                actor=services.system_actor(), username=username, password=password, email=email,
                roles=["administrator"],
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=2) from exc
        self.stdout.write(self.style.SUCCESS(f"Administrator {user.username} created."))

    @staticmethod
    def stdin_is_interactive() -> bool:
        import sys

        return sys.stdin is not None and sys.stdin.isatty()
