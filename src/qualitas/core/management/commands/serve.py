"""`qualitas serve`: migrate, collect static files when they changed, and serve.

On Linux and macOS, gunicorn (`qualitas.core.server`): `--workers` processes (default: the cores this
process may use) of `--threads` threads each, plus one process for the scheduled jobs. Where gunicorn cannot
run (Windows) or with `--server waitress`: one waitress process with `--threads` threads and the jobs in a
thread of it.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from qualitas.config.env import env_bool

WILDCARDS = ("0.0.0.0", "::", "")  # noqa: S104 - names of the wildcard address, not a binding
SERVERS = ("auto", "gunicorn", "waitress")


def static_fingerprint() -> str:
    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in sorted(finder.list([]), key=lambda item: item[0]):
            full = Path(storage.path(path))
            stat = full.stat()
            digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def default_workers() -> int:
    """The cores this process may run on (its CPU affinity, e.g. a container's share), at least 1."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13
        count = os.process_cpu_count()
    elif hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:
        count = os.cpu_count()
    return max(1, count or 1)


def choose_server(requested: str, workers: int | None) -> str:
    can_fork = hasattr(os, "fork")  # gunicorn's workers are forks of its master: POSIX only
    if requested == "gunicorn" and not can_fork:
        raise CommandError("--server gunicorn needs Linux or macOS; use --server waitress here", returncode=2)
    server = requested if requested != "auto" else ("gunicorn" if can_fork else "waitress")
    if server == "waitress" and workers not in (None, 1):
        raise CommandError(f"waitress serves from one process: --workers must be 1, got {workers}", returncode=2)
    return server


class Command(BaseCommand):
    help = "Apply migrations, collect static files if needed and serve Qualitas with a production WSGI server."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on (default 8000).")
        parser.add_argument("--workers", type=int, default=None,
                            help="Server processes (default: the number of cores; gunicorn only).")
        parser.add_argument("--threads", type=int, default=8, help="Threads per server process (default 8).")
        parser.add_argument("--server", choices=SERVERS, default="auto",
                            help="gunicorn (Linux, macOS; the default there) or waitress (one process; the default "
                                 "on Windows).")
        parser.add_argument("--demo", action="store_true", help="Load the demo organisation and print its logins.")

    def handle(self, *args, host, port, workers, threads, server, demo, **options):
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, got {port}", returncode=2)
        if threads < 1:
            raise CommandError(f"--threads must be at least 1, got {threads}", returncode=2)
        if workers is not None and workers < 1:
            raise CommandError(f"--workers must be at least 1, got {workers}", returncode=2)
        server = choose_server(server, workers)
        workers = (workers or default_workers()) if server == "gunicorn" else 1
        call_command("migrate", interactive=False, verbosity=0)
        self.collect_static_if_needed()
        # The port before the demo, so a port in use is said at once, not after loading it; the waitress
        # application after collectstatic (WhiteNoise lists the static files when it starts).
        try:
            if server == "gunicorn":
                from qualitas.core.server import listen_socket

                listener = listen_socket(host, port)
                bound_host, bound_port = listener.getsockname()[:2]
            else:
                from waitress import create_server

                from qualitas.config.wsgi import application

                waitress = create_server(
                    application, host=host, port=port, threads=threads, ident="Qualitas",
                    clear_untrusted_proxy_headers=True,
                )
                bound_host, bound_port = waitress.effective_host, waitress.effective_port
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}", returncode=2) from None

        logins: list[str] = []
        if demo:
            from qualitas.core.management.commands.demo import load_and_describe

            loaded, logins = load_and_describe()
            self.stdout.write(self.style.SUCCESS(loaded))
        from qualitas.core.audit.checkpoints import write_at_start

        address = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
        url = f"http://{address}:{bound_port}"
        if host not in WILDCARDS:  # links in emails point here unless QUALITAS_BASE_URL says otherwise
            os.environ.setdefault("QUALITAS_BASE_URL", url)

        # The audit trail's head, signed, outside the database (`qualitas audit verify` checks it).
        if (written := write_at_start()) is not None:
            self.stdout.write(f"Audit trail: {written}")

        if server == "gunicorn":
            self.serve_with_gunicorn(listener, url, logins, workers=workers, threads=threads)
        else:
            self.serve_with_waitress(waitress, url, logins)

    def serve_with_gunicorn(self, listener, url: str, logins: list[str], *, workers: int, threads: int) -> None:
        from django.db import connections

        from qualitas.core.server import QualitasApplication

        # Effective dates, reminders, escalations: in one process of their own, never in the HTTP workers;
        # QUALITAS_RUN_JOBS=0 leaves them to `qualitas worker` (e.g. one per server sharing PostgreSQL).
        run_jobs = env_bool("QUALITAS_RUN_JOBS", True)
        # gunicorn takes the socket over (it closes this descriptor once it holds its own).
        application = QualitasApplication(listener.detach(), workers=workers, threads=threads, run_jobs=run_jobs)
        arbiter = application.arbiter()  # loads the application: a broken start-up shows before "serving on"
        jobs = "scheduled jobs in their own process" if run_jobs else "scheduled jobs left to `qualitas worker`"
        processes = f"{workers} processes" if workers > 1 else "1 process"
        self.say_serving(url, logins, f"{processes} × {threads} threads, {jobs}")
        connections.close_all()  # no database connection open when the workers are forked
        master = os.getpid()
        try:
            arbiter.run()  # until SIGTERM (graceful) or Ctrl+C
        except SystemExit as leaving:
            if os.getpid() == master:
                raise
            # A worker leaving: gunicorn has finished its requests and cleaned up. Like multiprocessing's forked
            # children, it ends with os._exit: tearing the interpreter down in a fork of the master costs about
            # a second of CPU (copying the shared pages it touches) for nothing.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(leaving.code if isinstance(leaving.code, int) else int(leaving.code is not None))

    def serve_with_waitress(self, waitress, url: str, logins: list[str]) -> None:
        from qualitas.core.jobs.scheduler import start_background_scheduler

        # Effective dates, reminders, escalations; QUALITAS_RUN_JOBS=0 leaves them to `qualitas worker`.
        start_background_scheduler()
        self.say_serving(url, logins, "one process")
        waitress.run()  # until Ctrl+C

    def say_serving(self, url: str, logins: list[str], how: str) -> None:
        # Last, so they are what the terminal shows: the demo logins and where to open Qualitas.
        for line in logins:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Qualitas is serving on {url}/ ({how}; Ctrl+C to stop)"))
        self.stdout.flush()

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
