"""`qualitas documents import FOLDER --metadata FILE.csv [--as USERNAME] [--dry-run]` and
`qualitas documents reindex` (rebuild the full-text index)."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Document control commands: import existing documents for migration; rebuild the search index."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        importer = sub.add_parser("import", help="Import a folder of files described by a metadata CSV.")
        importer.add_argument("folder")
        importer.add_argument(
            "--metadata",
            required=True,
            help="CSV: file, number, title, type, revision, owner, effective_date[, keywords, department, process]",
        )
        importer.add_argument(
            "--as",
            dest="username",
            default="admin",
            help="The importer recorded in the audit trail (a document administrator).",
        )
        importer.add_argument("--dry-run", action="store_true", help="Check everything, write nothing.")
        sub.add_parser("reindex", help="Rebuild the full-text index of every revision (plain text of the content).")

    def handle(self, *args, action, **options):
        if action == "reindex":
            from qualitas.documents.search import reindex_all

            self.stdout.write(f"reindexed {reindex_all()} revision(s)")
            return
        self.import_folder(**options)

    def import_folder(self, *, folder, metadata, username, dry_run, **options):
        from qualitas.accounts.models import User
        from qualitas.documents import importer

        folder_path, metadata_path = Path(folder), Path(metadata)
        if not folder_path.is_dir():
            raise CommandError(f"folder {folder} not found", returncode=2)
        if not metadata_path.is_file():
            raise CommandError(f"metadata file {metadata} not found", returncode=2)
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {username!r} to record as the importer", returncode=2)
        try:
            report = importer.run(actor=actor, folder=folder_path, metadata=metadata_path, dry_run=dry_run)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)])), returncode=2) from exc
        for problem in report.problems:
            self.stderr.write(problem)
        if report.problems:
            self.stderr.write(f"{len(report.problems)} problem(s) in {report.rows} row(s); nothing was imported")
            sys.exit(2)
        if dry_run:
            self.stdout.write(f"dry run: {report.rows} row(s) are valid; nothing was written")
        else:
            self.stdout.write(f"imported {len(report.imported)} document(s): {', '.join(report.imported)}")
