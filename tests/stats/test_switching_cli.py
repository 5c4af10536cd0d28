"""`qualitas stats switching`: the ISO 2859-1 clause 9 switching rules over lot histories written by hand.

Every expected plan is read from the MIL-STD-105E / ISO 2859-1 tables in ../shared/reference-data/sampling
(Table I for the code letter, Tables II-A/B/C resolved in z14_single_resolved_AQLSchemes.csv):

* lot 2,000, level II: code letter K. AQL 1.0: normal n 125 Ac 3 Re 4; tightened n 125 Ac 2 Re 3;
  reduced n 50 Ac 1 Re 4. One step tighter (AQL 0.65, K, normal): Ac 2, so a lot counts +3 with 0-2.
* lot 500, level II: code letter H. AQL 1.0: normal n 50 Ac 1 Re 2 (the +2 score rule); tightened
  H's arrow points to J: n 80 Ac 1 Re 2; reduced n 20 Ac 0 Re 2 (a gap: 1 is accepted, back to normal).
"""

from __future__ import annotations

import json

import openpyxl
import pytest

from qualitas.stats.cli import main

HEADER = ("lot_size", "nonconforming", "production_steady", "authority_approves", "resume")


def write_csv(tmp_path, rows, header=HEADER, name="lots.csv"):
    path = tmp_path / name
    lines = [",".join(header)] + [",".join("" if cell is None else str(cell) for cell in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def lots(tmp_path, sizes_counts, **flags):
    """Rows of (lot_size, nonconforming) with the same optional flags on every row."""
    steady = flags.get("production_steady", "")
    approves = flags.get("authority_approves", "")
    return write_csv(tmp_path, [(size, count, steady, approves, "") for size, count in sizes_counts])


def run(capsys, *argv):
    code = main(["switching", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def switching(capsys, path, *options):
    code, out, err = run(capsys, path, *options, "--json")
    assert (code, err) == (0, ""), err
    return json.loads(out)


def column(result, name):
    return [lot[name] for lot in result["lots"]]


def test_the_json_has_exactly_the_contract_keys(capsys, tmp_path):
    result = switching(capsys, lots(tmp_path, [(2000, 1)]), "--aql", "1.0")
    assert result == {
        "lots": [{"lot": 1, "inspection": "normal", "code_letter": "K", "n": 125, "ac": 3, "re": 4,
                  "nonconforming": 1, "accepted": True, "switching_score": 3, "next": "normal", "reason": ""}],
        "final": "normal",
    }


def test_normal_to_tightened_after_two_lots_not_accepted_within_five(capsys, tmp_path):
    # K, AQL 1.0 normal: Ac 3, Re 4. Lots 2 and 5 not accepted: 2 of 5 consecutive lots.
    result = switching(capsys, lots(tmp_path, [(2000, c) for c in (0, 4, 1, 2, 4, 0)]), "--aql", "1.0")
    assert column(result, "accepted") == [True, False, True, True, False, True]
    assert column(result, "inspection") == ["normal"] * 5 + ["tightened"]
    assert column(result, "next") == ["normal"] * 4 + ["tightened", "tightened"]
    assert result["lots"][4]["reason"] == "2 lots not accepted within 5 consecutive lots"
    # The lot that tightens resets the score (it was not accepted).
    assert column(result, "switching_score") == [3, 0, 3, 6, 0, 0]
    # Tightened K at AQL 1.0: n 125, Ac 2, Re 3.
    assert [result["lots"][5][key] for key in ("code_letter", "n", "ac", "re")] == ["K", 125, 2, 3]
    assert result["final"] == "tightened"


def test_two_lots_not_accepted_six_lots_apart_do_not_tighten(capsys, tmp_path):
    result = switching(capsys, lots(tmp_path, [(2000, c) for c in (4, 0, 0, 0, 0, 4)]), "--aql", "1.0")
    assert column(result, "accepted") == [False, True, True, True, True, False]
    assert set(column(result, "next")) == {"normal"}
    assert result["final"] == "normal"


def test_tightened_to_normal_after_five_consecutive_lots_accepted(capsys, tmp_path):
    # Tightened K, AQL 1.0: Ac 2, Re 3. Lot 3 (3 found) breaks the run; lots 4-8 are five in a row.
    path = lots(tmp_path, [(2000, c) for c in (2, 2, 3, 0, 1, 2, 0, 0, 3)])
    result = switching(capsys, path, "--aql", "1.0", "--start", "tightened")
    assert column(result, "accepted") == [True, True, False, True, True, True, True, True, True]
    assert column(result, "inspection") == ["tightened"] * 8 + ["normal"]
    assert result["lots"][7]["next"] == "normal"
    assert result["lots"][7]["reason"] == "5 consecutive lots accepted on tightened inspection"
    assert [result["lots"][8][key] for key in ("n", "ac", "re")] == [125, 3, 4]  # normal again: Ac 3
    assert result["final"] == "normal"


def test_switching_score_with_acceptance_number_two_or_more(capsys, tmp_path):
    # Normal K, AQL 1.0: Ac 3. +3 when the lot would pass at AQL 0.65 (Ac 2), else reset to 0,
    # including a lot accepted with 3 (accepted at 1.0, not at 0.65) and a lot not accepted.
    path = lots(tmp_path, [(2000, c) for c in (0, 2, 1, 3, 2, 2, 4, 1)])
    result = switching(capsys, path, "--aql", "1.0")
    assert column(result, "ac") == [3] * 8
    assert column(result, "accepted") == [True, True, True, True, True, True, False, True]
    assert column(result, "switching_score") == [3, 6, 9, 0, 3, 6, 0, 3]


def test_switching_score_with_acceptance_number_zero_or_one(capsys, tmp_path):
    # Normal H, AQL 1.0: n 50, Ac 1, Re 2. +2 for an accepted lot, reset when not accepted.
    path = lots(tmp_path, [(500, c) for c in (1, 0, 2, 0, 1)])
    result = switching(capsys, path, "--aql", "1.0")
    assert [result["lots"][0][key] for key in ("code_letter", "n", "ac", "re")] == ["H", 50, 1, 2]
    assert column(result, "accepted") == [True, True, False, True, True]
    assert column(result, "switching_score") == [2, 4, 0, 2, 4]


def test_normal_to_reduced_at_a_score_of_thirty_with_steady_production_and_approval(capsys, tmp_path):
    # H, AQL 1.0 (Ac 1): fifteen accepted lots bring the score to 30.
    path = lots(tmp_path, [(500, 0)] * 16, authority_approves="true")
    result = switching(capsys, path, "--aql", "1.0")
    assert column(result, "switching_score")[:15] == list(range(2, 31, 2))
    assert result["lots"][14]["next"] == "reduced"
    assert result["lots"][14]["reason"] == "switching score reached 30, production steady, authority approves"
    # Reduced H at AQL 1.0: n 20, Ac 0, Re 2.
    assert [result["lots"][15][key] for key in ("inspection", "n", "ac", "re")] == ["reduced", 20, 0, 2]


def test_no_reduced_inspection_without_the_authority_s_approval(capsys, tmp_path):
    rows = [(500, 0, "true", "false", "")] * 16 + [(500, 0, "true", "true", "")]
    result = switching(capsys, write_csv(tmp_path, rows), "--aql", "1.0")
    assert set(column(result, "next")[:16]) == {"normal"}
    assert column(result, "switching_score")[15] == 32  # the score keeps counting
    assert result["lots"][16]["next"] == "reduced"
    assert result["final"] == "reduced"


def test_no_reduced_inspection_while_production_is_not_steady(capsys, tmp_path):
    rows = [(500, 0, "true", "true", "")] * 14 + [(500, 0, "false", "true", ""), (500, 0, "yes", "yes", "")]
    result = switching(capsys, write_csv(tmp_path, rows), "--aql", "1.0")
    assert result["lots"][14]["switching_score"] == 30
    assert result["lots"][14]["next"] == "normal"
    assert result["lots"][15]["next"] == "reduced"


@pytest.mark.parametrize(
    ("count", "steady", "accepted", "following", "reason"),
    [
        (0, "true", True, "reduced", ""),
        (2, "true", False, "normal", "lot not accepted on reduced inspection"),
        (1, "true", True, "normal", "count between Ac and Re on reduced inspection"),
        (0, "false", True, "normal", "production irregular or delayed"),
    ],
)
def test_reduced_to_normal(capsys, tmp_path, count, steady, accepted, following, reason):
    # Reduced H, AQL 1.0: n 20, Ac 0, Re 2; 1 nonconforming lies between Ac and Re.
    path = write_csv(tmp_path, [(500, count, steady, "", ""), (500, 0, "", "", "")])
    result = switching(capsys, path, "--aql", "1.0", "--start", "reduced")
    first = result["lots"][0]
    assert [first[key] for key in ("inspection", "n", "ac", "re")] == ["reduced", 20, 0, 2]
    assert (first["accepted"], first["next"], first["reason"]) == (accepted, following, reason)
    assert result["lots"][1]["inspection"] == following


def test_discontinued_after_five_lots_not_accepted_on_tightened_then_resumed(capsys, tmp_path):
    # Tightened H, AQL 1.0: the arrow leads to J's plan, n 80, Ac 1, Re 2. Lots not accepted: 1, 3, 5, 7, 8
    # (never five accepted in a row, which would return to normal).
    rows = [(500, c, "", "", "") for c in (2, 0, 2, 0, 2, 0, 2, 3)]
    rows += [(500, 0, "", "", ""), (500, 5, "", "", ""), (500, 0, "", "", "true"), (500, 2, "", "", "")]
    result = switching(capsys, write_csv(tmp_path, rows), "--aql", "1.0", "--start", "tightened")
    assert [result["lots"][0][key] for key in ("code_letter", "n", "ac", "re")] == ["H", 80, 1, 2]
    assert column(result, "accepted")[:8] == [False, True, False, True, False, True, False, False]
    assert column(result, "next")[:8] == ["tightened"] * 7 + ["discontinued"]
    assert result["lots"][7]["reason"] == "5 lots not accepted on tightened inspection"
    # Lots while discontinued are not judged.
    for lot in result["lots"][8:10]:
        assert (lot["inspection"], lot["accepted"], lot["next"]) == ("discontinued", None, "discontinued")
        assert (lot["code_letter"], lot["n"], lot["ac"], lot["re"]) == (None, None, None, None)
    assert column(result, "nonconforming")[8:10] == [0, 5]
    # After the supplier's corrective action: tightened again, judged, with a fresh count of rejections.
    resumed = result["lots"][10]
    assert (resumed["inspection"], resumed["n"], resumed["accepted"], resumed["next"]) == ("tightened", 80, True,
                                                                                            "tightened")
    assert "corrective action" in resumed["reason"]
    assert (result["lots"][11]["accepted"], result["lots"][11]["next"]) == (False, "tightened")
    assert result["final"] == "tightened"
    assert column(result, "lot") == list(range(1, 13))


def test_a_history_ending_discontinued_reports_it(capsys, tmp_path):
    path = lots(tmp_path, [(500, 2)] * 5)
    result = switching(capsys, path, "--aql", "1.0", "--start", "tightened")
    assert result["final"] == "discontinued"


def test_optional_columns_may_be_left_out_and_named_in_any_case(capsys, tmp_path):
    path = write_csv(tmp_path, [(2000, 0), (2000, 4)], header=("Lot_Size", "NONCONFORMING"))
    result = switching(capsys, path, "--aql", "1", "--level", "ii")
    assert column(result, "code_letter") == ["K", "K"]
    assert column(result, "accepted") == [True, False]


def test_level_changes_the_code_letter(capsys, tmp_path):
    # Lot 500 at level I: code letter F; AQL 1.0 normal n 13, Ac 0, Re 1 (F's own cell is 0/1 at 13).
    result = switching(capsys, lots(tmp_path, [(500, 0)]), "--aql", "1.0", "--level", "I")
    assert [result["lots"][0][key] for key in ("code_letter", "n", "ac", "re")] == ["F", 13, 0, 1]


def test_xlsx_gives_the_same_result_as_csv(capsys, tmp_path):
    rows = [(2000, 0, True, False, None), (2000, 4, True, False, None), (2000, 4, "true", "false", None)]
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(tmp_path / "lots.xlsx")
    csv_path = write_csv(tmp_path, [(s, c, str(p).lower(), str(a).lower(), "") for s, c, p, a, _ in rows])
    assert switching(capsys, str(tmp_path / "lots.xlsx"), "--aql", "1.0") == switching(capsys, csv_path, "--aql",
                                                                                       "1.0")


def test_readable_table_without_json(capsys, tmp_path):
    code, out, err = run(capsys, lots(tmp_path, [(2000, 0), (2000, 4), (2000, 4)]), "--aql", "1.0")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("Switching rules (ISO 2859-1 clause 9) for ")
    assert lines[2].split()[:6] == ["lot", "inspection", "letter", "n", "Ac", "Re"]
    assert lines[5].split()[:10] == ["3", "normal", "K", "125", "3", "4", "4", "rejected", "0", "tightened"]
    assert "2 lots not accepted within 5 consecutive lots" in lines[5]
    assert lines[-1] == "Final inspection: tightened."


@pytest.mark.parametrize(
    ("rows", "header", "options", "message"),
    [
        (None, HEADER, ("--aql", "1.0"), "File not found"),
        ([(2000,)], ("lot_size",), ("--aql", "1.0"), "Column 'nonconforming' not found"),
        ([(2000, "x", "", "", "")], HEADER, ("--aql", "1.0"), "row 2, column 'nonconforming': 'x' is not"),
        ([(2000, -1, "", "", "")], HEADER, ("--aql", "1.0"), "'-1' is not a non-negative whole number"),
        ([(2000, 1.5, "", "", "")], HEADER, ("--aql", "1.0"), "'1.5' is not a non-negative whole number"),
        ([(0, 1, "", "", "")], HEADER, ("--aql", "1.0"), "'0' is not a positive whole number"),
        ([("", 1, "", "", "")], HEADER, ("--aql", "1.0"), "column 'lot_size': the cell is empty"),
        ([(2000, 1, "maybe", "", "")], HEADER, ("--aql", "1.0"), "'maybe' is not true or false"),
        ([(2000, 1, "", "", "true")], HEADER, ("--aql", "1.0"), "resume is true, but inspection is normal"),
        ([(2000, 1, "", "", "")], HEADER, ("--aql", "0.5"), "Unknown AQL '0.5'"),
        ([(2000, 1, "", "", "")], HEADER, ("--aql", "1.0", "--level", "IV"), "Unknown inspection level 'IV'"),
        ([(2000, 1, "", "", "")], HEADER, ("--aql", "1.0", "--start", "discontinued"), "invalid choice"),
        ([(2000, 1, "", "", "")], HEADER, (), "the following arguments are required: --aql"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, tmp_path, rows, header, options, message):
    path = str(tmp_path / "missing.csv") if rows is None else write_csv(tmp_path, rows, header=header)
    code, out, err = run(capsys, path, *options)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("qualitas stats: error: ")
    assert message in err
