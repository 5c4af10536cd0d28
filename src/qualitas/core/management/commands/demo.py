"""`qualitas demo`: migrate the database if needed and load the demo organisation."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand


def load_and_describe() -> tuple[str, list[str]]:
    """Load the demo (idempotent); what was loaded in one line, and the demo logins."""
    from qualitas.core.jobs.services import run_due_jobs
    from qualitas.core.notifications.services import emails_held_back
    from qualitas.demo import DEMO_PASSWORD, DEMO_USERS, load_demo

    held = load_demo()
    # The jobs the demo data makes due (periodic reviews, reminders) run now, for the same fictitious
    # people: otherwise the server's first job run would print their emails after the address.
    with emails_held_back() as by_jobs:
        run_due_jobs()
    held += by_jobs.emails
    loaded = "Demo organisation “Acme Precision Parts” is loaded"
    if held:
        loaded += f" ({held} notification{'s' if held != 1 else ''} in the app; demo data sends no email)"
    logins = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    logins += [f"  {username:<12} {role}" for username, role in DEMO_USERS]
    return loaded + ".", logins


class Command(BaseCommand):
    help = (
        "Load the demo organisation “Acme Precision Parts” into the current database (idempotent; "
        "applies migrations first)."
    )

    def handle(self, *args, **options):
        # A fresh data directory has no tables yet: migrate first, as `qualitas serve` does.
        call_command("migrate", interactive=False, verbosity=0)
        loaded, logins = load_and_describe()
        self.stdout.write(self.style.SUCCESS(loaded))
        for line in logins:
            self.stdout.write(line)
