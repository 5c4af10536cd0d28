from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo organisation “Acme Precision Parts” into the current database (idempotent)."

    def handle(self, *args, **options):
        from qualitas.demo import DEMO_PASSWORD, DEMO_USERS, load_demo

        load_demo()
        self.stdout.write(self.style.SUCCESS("Demo organisation loaded."))
        self.stdout.write(f"Logins (password {DEMO_PASSWORD}): " + ", ".join(name for name, _ in DEMO_USERS))
