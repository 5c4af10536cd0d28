from __future__ import annotations

import csv
from pathlib import Path

import pytest

from qualitas.standards.models import Clause, Edition, HarmonizedClause
from qualitas.standards.services import DATA_DIR, load_catalogues

pytestmark = pytest.mark.django_db


def test_catalogues_are_loaded_with_every_clause_of_the_data_files():
    for edition in Edition.objects.all():
        manifest = {
            row["standard"] + ":" + row["edition"]: row["file"]
            for row in csv.DictReader((DATA_DIR / "catalogues.csv").open())
        }
        rows = list(csv.DictReader(Path(DATA_DIR / manifest[str(edition)]).open()))
        assert edition.clauses.count() == len(rows)


def test_clause_tree_has_parents_and_numeric_order():
    clause = Clause.objects.get(edition__standard__code="ISO 9001", number="7.5.3")
    assert clause.parent.number == "7.5" and clause.parent.parent.number == "7"
    numbers = list(Clause.objects.filter(edition=clause.edition, depth=1).values_list("number", flat=True))
    assert numbers == ["4", "5", "6", "7", "8", "9", "10"]


def test_annex_sl_links_the_same_topic_across_the_three_standards():
    topic = HarmonizedClause.objects.get(number="10.2")
    assert sorted(str(c.edition) for c in topic.clauses.all()) == ["ISO 14001:2015", "ISO 45001:2018", "ISO 9001:2015"]
    assert not Clause.objects.get(edition__standard__code="ISO 9001", number="8.7").harmonized


def test_loading_again_changes_nothing():
    before = Clause.objects.count()
    load_catalogues()
    assert Clause.objects.count() == before


def test_a_new_edition_is_added_as_data(tmp_path):
    for name in ("harmonized_structure.csv", "iso14001_2015.csv"):
        (tmp_path / name).write_text((DATA_DIR / name).read_text())
    (tmp_path / "iso14001_2026.csv").write_text("clause,title\n4,Context of the organization\n6.1.2,Aspects\n")
    (tmp_path / "catalogues.csv").write_text(
        "standard,standard_title,discipline,edition,file,current,harmonized_structure\n"
        "ISO 14001,EMS,environment,2015,iso14001_2015.csv,false,true\n"
        "ISO 14001,EMS,environment,2026,iso14001_2026.csv,true,true\n"
    )
    load_catalogues(tmp_path)
    edition = Edition.objects.get(standard__code="ISO 14001", year="2026")
    assert edition.clauses.count() == 2
    assert Edition.objects.get(standard__code="ISO 14001", year="2015").clauses.count() > 2
