"""`qualitas audit verify [--checkpoint FILE]` and `qualitas audit checkpoint --out FILE`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Verify the tamper-evident audit trail, or write a checkpoint of its head."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Recompute the hash chain and every regulated record's content hash.")
        verify.add_argument("--checkpoint", help="A checkpoint file written earlier by `audit checkpoint`.")
        checkpoint = sub.add_parser("checkpoint", help="Write the head of the chain with an HMAC, to keep elsewhere.")
        checkpoint.add_argument("--out", required=True, help="File to write (keep it outside the database server).")

    def handle(self, *args, action, **options):
        from qualitas.core.audit import context, verify

        with context.acting("cli"):
            if action == "checkpoint":
                out = Path(options["out"])
                if not out.parent.exists():
                    raise CommandError(f"directory {out.parent} does not exist", returncode=2)
                document = verify.write_checkpoint(out)
                self.stdout.write(
                    f"checkpoint: event #{document['sequence']} {document['hash'][:16]}… written to {out}"
                )
                return
            checkpoint = options.get("checkpoint")
            if checkpoint and not Path(checkpoint).is_file():
                raise CommandError(f"checkpoint file {checkpoint} not found", returncode=2)
            started = time.perf_counter()
            try:
                report = verify.verify(checkpoint)
            except ValueError as exc:
                raise CommandError(str(exc), returncode=2) from exc
            elapsed = time.perf_counter() - started
            if report.ok:
                suffix = " and the checkpoint" if checkpoint else ""
                self.stdout.write(
                    f"audit trail intact: {report.events} events, {report.records} records verified{suffix} "
                    f"in {elapsed:.2f} s"
                )
                return
            for problem in report.problems:
                self.stderr.write(f"BROKEN: {problem}")
            self.stderr.write(f"audit trail NOT intact: {len(report.problems)} problem(s) in {report.events} events")
            sys.exit(1)
