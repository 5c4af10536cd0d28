"""`qualitas serve`: migrate, collect static files when they changed, and serve with waitress."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def static_fingerprint() -> str:
    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda item: item[0]):
            full = Path(storage.path(path))
            stat = full.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


class Command(BaseCommand):
    help = "Apply migrations, collect static files if needed and serve Qualitas with a production WSGI server."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument("--threads", type=int, default=8, help="Worker threads (default 8).")
        parser.add_argument("--demo", action="store_true", help="Load the demo organisation and print its logins.")

    def handle(self, *args, host, port, threads, demo, **options):
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, got {port}", returncode=2)
        call_command("migrate", interactive=False, verbosity=0)
        self.collect_static_if_needed()
        if demo:
            from qualitas.demo import DEMO_PASSWORD, DEMO_USERS, load_demo

            load_demo()
            self.stdout.write(self.style.SUCCESS("Demo organisation “Acme Precision Parts” is loaded."))
            self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
            for username, role in DEMO_USERS:
                self.stdout.write(f"  {username:<12} {role}")
        from waitress import serve

        from qualitas.core.audit.checkpoints import write_at_start
        from qualitas.core.jobs.scheduler import start_background_scheduler

        # The audit trail's head, signed, outside the database (`qualitas audit verify` checks it).
        if (written := write_at_start()) is not None:
            self.stdout.write(f"Audit trail: {written}")

        # Effective dates, reminders, escalations; QUALITAS_RUN_JOBS=0 leaves them to `qualitas worker`.
        start_background_scheduler()

        from qualitas.config.wsgi import application

        self.stdout.write(self.style.SUCCESS(f"Qualitas is serving on http://{host}:{port}/ (Ctrl+C to stop)"))
        self.stdout.flush()
        serve(application, host=host, port=port, threads=threads, ident="Qualitas", clear_untrusted_proxy_headers=True)

    def collect_static_if_needed(self) -> None:
        if settings.DEBUG:
            return
        stamp = Path(settings.STATIC_ROOT) / ".qualitas-fingerprint"
        fingerprint = static_fingerprint()
        if stamp.exists() and stamp.read_text() == fingerprint:
            return
        self.stdout.write("Collecting static files…")
        call_command("collectstatic", interactive=False, verbosity=0)
        stamp.write_text(fingerprint)
