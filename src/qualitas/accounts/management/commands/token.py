"""`qualitas token create USERNAME [--name N]` prints a new API token once; `list` and `revoke` too."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Manage API tokens: create (prints the token once), list, revoke."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it (only this once).")
        create.add_argument("username")
        create.add_argument("--name", default="")
        listing = sub.add_parser("list", help="List a user's tokens (prefix, name, state).")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="Revoke a token by its prefix.")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        from qualitas.accounts import services
        from qualitas.accounts.models import ApiToken, User

        if action == "revoke":
            api_token = ApiToken.objects.filter(prefix=options["prefix"]).first()
            if api_token is None:
                raise CommandError(f"No token with prefix {options['prefix']!r}.", returncode=2)
            services.token_revoke(actor=services.system_actor(), api_token=api_token)
            self.stdout.write(f"Revoked {api_token.prefix} ({api_token.name}).")
            return
        user = User.objects.filter(username__iexact=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.", returncode=2)
        if action == "list":
            for api_token in user.api_tokens.all():
                state = "revoked" if api_token.revoked_at else "active"
                self.stdout.write(f"{api_token.prefix}  {state:<8} {api_token.created_at:%Y-%m-%d}  {api_token.name}")
            return
        try:
            _, plain = services.token_create(actor=services.system_actor(), user=user, name=options["name"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=2) from exc
        self.stdout.write(plain)
