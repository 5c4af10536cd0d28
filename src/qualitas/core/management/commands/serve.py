"""`qualitas serve`: migrate, collect static files when they changed, and serve with waitress."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

WILDCARDS = ("0.0.0.0", "::", "")  # noqa: S104 - names of the wildcard address, not a binding


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
        # The application after collectstatic (WhiteNoise lists the static files when it starts); the
        # port before the demo, so a port in use is said at once, not after loading it.
        from waitress import create_server

        from qualitas.config.wsgi import application

        try:
            server = create_server(
                application, host=host, port=port, threads=threads, ident="Qualitas", clear_untrusted_proxy_headers=True
            )
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}", returncode=2) from None

        logins: list[str] = []
        if demo:
            from qualitas.core.management.commands.demo import load_and_describe

            loaded, logins = load_and_describe()
            self.stdout.write(self.style.SUCCESS(loaded))
        from qualitas.core.audit.checkpoints import write_at_start
        from qualitas.core.jobs.scheduler import start_background_scheduler

        address = f"[{server.effective_host}]" if ":" in str(server.effective_host) else server.effective_host
        url = f"http://{address}:{server.effective_port}"
        if host not in WILDCARDS:  # links in emails point here unless QUALITAS_BASE_URL says otherwise
            os.environ.setdefault("QUALITAS_BASE_URL", url)

        # The audit trail's head, signed, outside the database (`qualitas audit verify` checks it).
        if (written := write_at_start()) is not None:
            self.stdout.write(f"Audit trail: {written}")

        # Effective dates, reminders, escalations; QUALITAS_RUN_JOBS=0 leaves them to `qualitas worker`.
        start_background_scheduler()

        # Last, so they are what the terminal shows: the demo logins and where to open Qualitas.
        for line in logins:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Qualitas is serving on {url}/ (Ctrl+C to stop)"))
        self.stdout.flush()
        server.run()  # until Ctrl+C

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
