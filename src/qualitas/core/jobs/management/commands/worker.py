"""`qualitas worker [--interval SECONDS]`: run scheduled jobs until SIGTERM or SIGINT.

Run one per app server when several servers share a PostgreSQL database (the job leases make sure each
job runs on one of them at a time); set QUALITAS_RUN_JOBS=0 for `qualitas serve` then. `qualitas serve`
itself starts one as `qualitas worker --verbosity 0 --parent-pid PID` unless QUALITAS_RUN_JOBS=0.
"""

from __future__ import annotations

import os
import signal
import threading

from django.core.management.base import BaseCommand, CommandError

PARENT_CHECK_SECONDS = 1.0


def stop_when_parent_ends(parent_pid: int, stop: threading.Event) -> threading.Thread:
    """Set `stop` once this process's parent is no longer `parent_pid` (it ended, even if killed)."""

    def watch() -> None:
        while not stop.wait(PARENT_CHECK_SECONDS):
            if os.getppid() != parent_pid:
                stop.set()

    thread = threading.Thread(target=watch, name="qualitas-parent-watch", daemon=True)
    thread.start()
    return thread


class Command(BaseCommand):
    help = "Run scheduled jobs (reminders, escalations, digests) until stopped with SIGTERM or Ctrl+C."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=None,
                            help="Seconds between checks for due jobs (default QUALITAS_JOB_INTERVAL or 60).")
        parser.add_argument("--parent-pid", type=int, default=None,
                            help="Stop (after the current job) when process PID, this one's parent, ends.")

    def handle(self, *args, interval, parent_pid, verbosity, **options):
        from qualitas.core.jobs import scheduler

        interval = interval if interval is not None else scheduler.interval_from_env()
        if interval <= 0:
            raise CommandError("--interval must be positive", returncode=2)
        if parent_pid is not None and parent_pid != os.getppid():
            raise CommandError(f"--parent-pid {parent_pid} is not this process's parent", returncode=2)
        say = self.stdout.write if verbosity else (lambda *args, **kwargs: None)
        stop = threading.Event()

        def on_signal(signum, frame):
            say(f"Received {signal.Signals(signum).name}: stopping after the current job.")
            stop.set()

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        from qualitas.core.audit.checkpoints import write_at_start

        # The audit trail's head, signed, outside the database (`qualitas audit verify` checks it).
        if (written := write_at_start()) is not None:
            say(f"Audit trail: {written}")
        say(self.style.SUCCESS(f"Qualitas worker running scheduled jobs every {interval:g} s"))
        self.stdout.flush()
        if parent_pid is not None:
            stop_when_parent_ends(parent_pid, stop)
        try:
            scheduler.run_loop(stop, interval)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        say("Worker stopped.")
