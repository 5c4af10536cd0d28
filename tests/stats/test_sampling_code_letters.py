"""ISO 2859-1 Table 1 code letters: `code_letter` is the letter of Table 1 for the lot size and inspection
level (what users look up and auditors check); `plan_code_letter` names the row whose plan is used after
following an arrow. Checked against the reference tables shipped with the statistics kernel (copies of
MIL-STD-105E Table I and the resolved single-sampling cells, the same as ISO 2859-1 for normal and
tightened inspection)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from qualitas.stats import sampling

DATA = Path(__file__).parents[2] / "src" / "qualitas" / "stats" / "data"


def _table_one() -> list[tuple[int, float, dict[str, str]]]:
    rows = []
    with (DATA / "z14_table1_code_letters_AQLSchemes.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            text = row.pop("lot_size").replace(",", "")
            if text.startswith("over"):
                rows.append((int(text[4:]) + 1, float("inf"), row))
            else:
                first, last = text.split("-")
                rows.append((int(first), float(last), row))
    return rows


def _resolved() -> dict[tuple[str, str, str], tuple[int, int, int]]:
    with (DATA / "z14_single_resolved_AQLSchemes.csv").open(encoding="utf-8") as handle:
        return {(r["inspection"], r["code_letter"], r["aql"]): (int(r["n"]), int(r["Ac"]), int(r["Re"]))
                for r in csv.DictReader(handle)}


def _sample_sizes(inspection: str) -> dict[int, str]:
    """Sample size → code letter of the master table (unique in the normal and tightened tables)."""
    with (DATA / "z14_single_master_tables_with_arrows.csv").open(encoding="utf-8") as handle:
        sizes = {int(r["n"]): r["code_letter"] for r in csv.DictReader(handle) if r["inspection"] == inspection}
    if inspection == "tightened":
        sizes[3150] = "S"  # MIL-STD-105E Table II-B's last row, which R's 0.025 arrow points to
    return sizes


TABLE_ONE, RESOLVED = _table_one(), _resolved()


def table_one_letter(lot_size: int, level: str) -> str:
    return next(letters[level] for first, last, letters in TABLE_ONE if first <= lot_size <= last)


def test_lot_100_at_aql_1_level_ii_is_letter_f_with_the_plan_of_letter_e():
    # Table 1: 91–150 items at level II → F (n = 20). At AQL 1.0 F's cell is an arrow up to E: n = 13, Ac 0, Re 1.
    plan = sampling.plan(100, "1.0", level="II")
    assert plan.to_dict() == {
        "code_letter": "F", "plan_code_letter": "E", "n": 13, "ac": 0, "re": 1, "inspect_all": False,
    }
    assert table_one_letter(100, "II") == "F"
    assert RESOLVED[("normal", "F", "1.0")] == (13, 0, 1)


@pytest.mark.parametrize(
    ("lot_size", "level", "aql", "inspection"),
    [
        (100, "II", "1.0", "normal"),
        (100, "II", "0.65", "normal"),
        (100, "II", "1.0", "tightened"),
        (50, "II", "0.10", "normal"),
        (500, "I", "0.40", "normal"),
        (1200, "II", "1.5", "normal"),
        (1200, "III", "0.015", "tightened"),
        (3000, "S-2", "2.5", "normal"),
        (3000, "S-4", "0.25", "normal"),
        (35_000, "II", "0.065", "tightened"),
        (600_000, "III", "0.010", "normal"),
        (8, "S-1", "6.5", "normal"),
    ],
)
def test_code_letter_is_table_one_and_plan_letter_is_the_row_used(lot_size, level, aql, inspection):
    letter = table_one_letter(lot_size, level)
    n, ac, re = RESOLVED[(inspection, letter, aql)]
    plan = sampling.plan(lot_size, aql, level=level, inspection=inspection)
    assert plan.code_letter == letter
    assert plan.plan_code_letter == _sample_sizes(inspection)[n]
    assert (plan.ac, plan.re) == (ac, re)
    assert plan.n == min(n, lot_size) and plan.inspect_all == (n >= lot_size)
    assert plan.arrow_followed == (plan.plan_code_letter != letter)


def test_every_lot_size_row_level_and_aql_of_normal_and_tightened_inspection():
    for first, last, letters in TABLE_ONE:
        lot_size = first if last == float("inf") else int(last)
        for level in sampling.LEVELS:
            for inspection in ("normal", "tightened"):
                sizes = _sample_sizes(inspection)
                for aql in sampling.AQLS:
                    n, _, _ = RESOLVED[(inspection, letters[level], aql)]
                    plan = sampling.plan(lot_size, aql, level=level, inspection=inspection)
                    assert (plan.code_letter, plan.plan_code_letter) == (letters[level], sizes[n]), (
                        lot_size, level, inspection, aql)


def test_reduced_inspection_keeps_table_one_letter():
    # Reduced, lot 2,000 level II → K; at AQL 1.0 the reduced table has a plan at K (n = 50).
    plan = sampling.plan(2000, "1.0", inspection="reduced")
    assert (plan.code_letter, plan.plan_code_letter, plan.n) == ("K", "K", 50)
    # Reduced, lot 100 level II → F; AQL 0.25 points down to the plan of letter H of the reduced table.
    plan = sampling.plan(100, "0.25", inspection="reduced")
    assert plan.code_letter == "F" and plan.plan_code_letter != "F"
