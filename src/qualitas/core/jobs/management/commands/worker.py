"""`qualitas worker [--interval SECONDS]`: run scheduled jobs until SIGTERM or SIGINT.

Run one per app server when several servers share a PostgreSQL database (the job leases make sure each
job runs on one of them at a time); set QUALITAS_RUN_JOBS=0 for `qualitas serve` then.
"""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run scheduled jobs (reminders, escalations, digests) until stopped with SIGTERM or Ctrl+C."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=None,
                            help="Seconds between checks for due jobs (default QUALITAS_JOB_INTERVAL or 60).")

    def handle(self, *args, interval, **options):
        from qualitas.core.jobs import scheduler

        interval = interval if interval is not None else scheduler.interval_from_env()
        if interval <= 0:
            raise CommandError("--interval must be positive", returncode=2)
        stop = threading.Event()

        def on_signal(signum, frame):
            self.stdout.write(f"Received {signal.Signals(signum).name}: stopping after the current job.")
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        from qualitas.core.audit.checkpoints import write_at_start

        # The audit trail's head, signed, outside the database (`qualitas audit verify` checks it).
        if (written := write_at_start()) is not None:
            self.stdout.write(f"Audit trail: {written}")
        self.stdout.write(self.style.SUCCESS(f"Qualitas worker running scheduled jobs every {interval:g} s"))
        self.stdout.flush()
        try:
            scheduler.run_loop(stop, interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("Worker stopped.")
