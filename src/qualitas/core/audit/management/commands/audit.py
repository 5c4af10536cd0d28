"""`qualitas audit verify [--checkpoint FILE | --no-checkpoint] [--no-files] [--jobs N]` and
`qualitas audit checkpoint [--out FILE]`.

verify checks the trail against the newest checkpoint in QUALITAS_CHECKPOINT_DIR by default (see
qualitas.core.audit.verify and .checkpoints); exit 0 intact, 1 not intact, 2 unusable arguments."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Verify the tamper-evident audit trail, or write a checkpoint of its head."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify",
            help="Recompute the hash chain, every regulated record's and covered row's hash, the attachments' "
            "files, and compare the trail with the newest checkpoint.",
        )
        which = verify.add_mutually_exclusive_group()
        which.add_argument("--checkpoint", help="A checkpoint file to use instead of the newest in the checkpoint "
                           "directory (QUALITAS_CHECKPOINT_DIR).")
        which.add_argument("--no-checkpoint", action="store_true",
                           help="Do not compare with a checkpoint (removed newest events go unnoticed).")
        verify.add_argument("--no-files", action="store_true", help="Do not hash the attachments' files.")
        verify.add_argument("--jobs", type=int, metavar="N",
                            help="Threads to verify with (default: one per core, from 100,000 events on).")
        checkpoint = sub.add_parser("checkpoint", help="Write the head of the chain with an HMAC, to keep elsewhere.")
        checkpoint.add_argument("--out", help="File to write (keep it outside the database server); by default a "
                                "new checkpoint in the checkpoint directory (QUALITAS_CHECKPOINT_DIR).")

    def handle(self, *args, action, **options):
        from qualitas.core.audit import checkpoints, context, verify

        with context.acting("cli"):
            if action == "checkpoint" and not options.get("out"):
                try:
                    self.stdout.write(f"checkpoint: {checkpoints.write_in_directory()}")
                except checkpoints.CheckpointMismatch as exc:
                    raise CommandError(str(exc), returncode=1) from exc
                return
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
            jobs = options.get("jobs")
            if jobs is not None and jobs < 1:
                raise CommandError("--jobs takes a number of threads of at least 1", returncode=2)
            started = time.perf_counter()
            try:
                report = verify.verify(
                    checkpoint, use_checkpoint=not options.get("no_checkpoint"),
                    check_files=not options.get("no_files"), workers=jobs,
                )
            except ValueError as exc:
                raise CommandError(str(exc), returncode=2) from exc
            elapsed = time.perf_counter() - started
            for warning in report.warnings:
                self.stderr.write(f"WARNING: {warning}")
            if report.ok:
                suffix = f" and checkpoint {report.checkpoint.name}" if report.checkpoint else ""
                self.stdout.write(
                    f"audit trail intact: {report.events} events, {report.records} records, {report.rows} "
                    f"signatures/assignments/links/attachments and {report.files} files verified{suffix} "
                    f"in {elapsed:.2f} s"
                )
                return
            for problem in report.problems:
                self.stderr.write(f"BROKEN: {problem}")
            self.stderr.write(f"audit trail NOT intact: {len(report.problems)} problem(s) in {report.events} events")
            sys.exit(1)
