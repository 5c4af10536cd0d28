"""`qualitas training matrix [--site CODE] [--format csv|json]` prints the training matrix (the same
as GET /api/v1/training/matrix); `qualitas training import FILE [--as USERNAME] [--dry-run]` imports
historical training records from CSV or XLSX (checked first, all or nothing)."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

CSV_HEADER = ["person_id", "person", "positions", "requirement_id", "requirement", "title", "kind", "status", "due",
              "completed", "expires"]


class Command(BaseCommand):
    help = "Training: print the training matrix; import historical training records."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        matrix = sub.add_parser("matrix", help="Print the training matrix (people × requirements).")
        matrix.add_argument("--site", help="Only the people of this site (its code).")
        matrix.add_argument("--format", choices=("json", "csv"), default="json")
        importer = sub.add_parser("import", help="Import historical training records from a CSV or XLSX file.")
        importer.add_argument("file")
        importer.add_argument("--as", dest="username", default="admin",
                              help="The importer recorded in the audit trail (a training administrator).")
        importer.add_argument("--dry-run", action="store_true", help="Check everything, write nothing.")

    def handle(self, *args, action, **options):
        if action == "matrix":
            self.matrix(site_code=options.get("site"), output=options["format"])
        else:
            self.import_file(path=options["file"], username=options["username"], dry_run=options["dry_run"])

    def matrix(self, *, site_code, output):
        from qualitas.accounts.models import Site
        from qualitas.accounts.services import system_actor
        from qualitas.training import selectors

        site = None
        if site_code:
            site = Site.objects.filter(code__iexact=site_code).first()
            if site is None:
                raise CommandError(f"no site {site_code!r}", returncode=2)
        data = selectors.training_matrix(system_actor(), site=site).as_data()
        if output == "json":
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        people = {p["id"]: p for p in data["people"]}
        requirements = {r["id"]: r for r in data["requirements"]}
        writer = csv.writer(self.stdout, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        for cell in data["cells"]:
            person, requirement = people[cell["person"]], requirements[cell["requirement"]]
            writer.writerow([
                person["id"], person["name"], "; ".join(p["name"] for p in person["positions"]), requirement["id"],
                requirement["code"], requirement["title"], requirement["kind"], cell["status"], cell["due"] or "",
                cell["completed"] or "", cell["expires"] or "",
            ])

    def import_file(self, *, path, username, dry_run):
        from qualitas.accounts.models import User
        from qualitas.training import importer

        file_path = Path(path)
        if not file_path.is_file():
            raise CommandError(f"file {path} not found", returncode=2)
        actor = User.objects.filter(username=username, is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {username!r} to record as the importer", returncode=2)
        try:
            report = importer.run(actor=actor, path=file_path, dry_run=dry_run)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError(" ".join(getattr(exc, "messages", [str(exc)])), returncode=2) from exc
        if report.problems:  # one line: what is wrong, where
            self.stderr.write(f"{len(report.problems)} problem(s) in {report.rows} row(s), nothing was imported: "
                              + "; ".join(report.problems))
            sys.exit(2)
        if dry_run:
            self.stdout.write(f"dry run: {report.rows} row(s) are valid; nothing was written")
        else:
            self.stdout.write(f"imported {report.imported} training record(s)")
