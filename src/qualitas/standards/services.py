"""Loading clause catalogues from the data files shipped with the package (idempotent)."""

from __future__ import annotations

import csv
from pathlib import Path

from django.db import transaction

from qualitas.standards.models import Clause, Edition, HarmonizedClause, Standard, sort_key

DATA_DIR = Path(__file__).resolve().parent / "data"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@transaction.atomic
def load_catalogues(data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Create or update standards, editions, clauses and the harmonized structure from CSV."""
    topics = {}
    for row in _rows(data_dir / "harmonized_structure.csv"):
        topic, _ = HarmonizedClause.objects.update_or_create(
            number=row["number"], defaults={"topic": row["topic"], "sort_key": sort_key(row["number"])}
        )
        topics[row["number"]] = topic

    counts: dict[str, int] = {}
    for entry in _rows(data_dir / "catalogues.csv"):
        standard, _ = Standard.objects.update_or_create(
            code=entry["standard"], defaults={"title": entry["standard_title"], "discipline": entry["discipline"]}
        )
        edition, _ = Edition.objects.update_or_create(
            standard=standard,
            year=entry["edition"],
            defaults={
                "current": entry["current"].lower() == "true",
                "harmonized_structure": entry["harmonized_structure"].lower() == "true",
            },
        )
        overrides_file = data_dir / f"{entry['file']}.hs.csv"
        overrides = {}
        if overrides_file.exists():
            overrides = {row["number"]: row["harmonized"] for row in _rows(overrides_file)}
        clauses: dict[str, Clause] = {}
        for row in sorted(_rows(data_dir / entry["file"]), key=lambda r: sort_key(r["clause"])):
            number = row["clause"].strip()
            parent_number = number.rsplit(".", 1)[0] if "." in number else None
            harmonized_number = overrides.get(number, number if edition.harmonized_structure else None)
            clause, _ = Clause.objects.update_or_create(
                edition=edition,
                number=number,
                defaults={
                    "title": row["title"].strip(),
                    "parent": clauses.get(parent_number) if parent_number else None,
                    "depth": number.count(".") + 1,
                    "sort_key": sort_key(number),
                    "harmonized": topics.get(harmonized_number) if harmonized_number else None,
                },
            )
            clauses[number] = clause
        counts[str(edition)] = len(clauses)
    return counts


def load_catalogues_after_migrate(sender, using="default", **kwargs) -> None:
    from django.db import connections

    if "standards_clause" in connections[using].introspection.table_names() and not Clause.objects.exists():
        load_catalogues()
