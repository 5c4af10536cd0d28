"""`qualitas jobs list` and `qualitas jobs run --once [--job NAME]`.

`run --once` runs the due jobs (or the named one, due or not) and exits 0, or 1 when a job failed or
the named job is running elsewhere; 2 for an unknown job name.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "-"


class Command(BaseCommand):
    help = "List scheduled jobs, or run the due ones once (for cron or a manual run)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="Run due jobs once and exit (1 if any failed).")
        run.add_argument("--once", action="store_true", help="Run once and exit (the only mode; for clarity in cron).")
        run.add_argument("--job", default="", help="Run this job now, whether due or not.")
        sub.add_parser("list", help="Jobs with their interval, last run, status and next run.")

    def handle(self, *args, action, **options):
        from qualitas.core.jobs import selectors, services
        from qualitas.core.jobs.registry import all_jobs

        if action == "list":
            self.stdout.write(f"{'JOB':<32} {'EVERY':<8} {'LAST RUN':<20} {'STATUS':<8} NEXT RUN")
            for status in selectors.schedule():
                last = status.last_run
                next_run = "running" if status.running else (_when(status.next_run_at) if status.next_run_at else "due")
                self.stdout.write(
                    f"{status.name:<32} {status.every_label:<8} {_when(last.started_at if last else None):<20} "
                    f"{(last.status if last else '-'):<8} {next_run}"
                )
            return
        name = options["job"]
        if name:
            try:
                runs = [services.run_job(name)]
            except KeyError:
                known = ", ".join(job.name for job in all_jobs())
                raise CommandError(f"No job {name!r}. Known jobs: {known}.", returncode=2) from None
            except services.JobBusy as exc:
                self.stderr.write(str(exc))
                sys.exit(1)
        else:
            runs = services.run_due_jobs()
        for run in runs:
            line = f"{run.name}: {run.status} in {run.duration.total_seconds():.2f} s"
            if run.output:
                line += f" - {run.output.splitlines()[0][:200]}"
            self.stdout.write(line)
            if run.status != run.OK:
                self.stderr.write(f"{run.name} failed:\n{run.error}")
        if not runs:
            self.stdout.write("No job was due.")
        if any(run.status != run.OK for run in runs):
            sys.exit(1)
