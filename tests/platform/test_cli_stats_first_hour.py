"""`qualitas stats` from the shell: sampling letters as ISO 2859-1 Table 1 prints them (and the plan's letter
after an arrow), wide files with a subgroup label column, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parents[1] / "stats" / "data"


def qualitas(*argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The installed console script, as a user runs it (no Django needed for `stats`)."""
    return subprocess.run(
        [sys.executable, "-m", "qualitas", *argv], capture_output=True, text=True, timeout=120, cwd=cwd,
        env={"PATH": "/usr/bin:/bin"},
    )


def wide_with_labels(tmp_path: Path, first: int = 311) -> Path:
    lines = (DATA / "pistonrings_40x5.csv").read_text(encoding="utf-8").splitlines()
    rows = ["subgroup,x1,x2,x3,x4,x5"] + [f"{first + i}," + ",".join(line.split(",")[1:6])
                                         for i, line in enumerate(lines[1:])]
    path = tmp_path / "rings_numbered.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_sampling_lot_100_aql_1_prints_letter_f_and_the_plan_of_letter_e():
    result = qualitas("stats", "sampling", "--lot-size", "100", "--aql", "1.0", "--json")
    assert (result.returncode, result.stderr) == (0, "")
    assert json.loads(result.stdout) == {
        "code_letter": "F", "plan_code_letter": "E", "n": 13, "ac": 0, "re": 1, "inspect_all": False,
    }
    text = qualitas("stats", "sampling", "--lot-size", "100", "--aql", "1.0")
    assert text.returncode == 0
    assert text.stdout.strip() == (
        "Lot size 100, AQL 1.0, level II, normal inspection: code letter F (arrow to the plan of letter E), "
        "sample size 13, accept on 0, reject on 1."
    )


@pytest.mark.parametrize(
    ("argv", "letters"),
    [
        (("--lot-size", "2000", "--aql", "1.0"), ("K", "K")),
        (("--lot-size", "10", "--aql", "0.65"), ("B", "F")),
        (("--lot-size", "1200", "--aql", "0.015", "--level", "III", "--inspection", "tightened"), ("K", "Q")),
        (("--lot-size", "3000", "--aql", "2.5", "--level", "s-2"), ("D", "C")),
    ],
)
def test_sampling_letters(argv, letters):
    import contextlib
    import io

    from qualitas.stats.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["sampling", *argv, "--json"]) == 0
    plan = json.loads(out.getvalue())
    assert (plan["code_letter"], plan["plan_code_letter"]) == letters


def test_chart_of_a_wide_file_with_a_subgroup_column(tmp_path):
    path = wide_with_labels(tmp_path)
    picture = tmp_path / "chart.svg"
    result = qualitas("stats", "chart", "xbar-r", str(path), "--subgroup-col", "subgroup", "--phase1", "25",
                      "--svg", str(picture))
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0].endswith(": 40 subgroups of 5; limits from subgroups 311-335")
    assert "  subgroup 347 (point 37): nelson-1, nelson-5" in lines
    drawn = picture.read_text(encoding="utf-8")
    assert "<title>Subgroup 347: " in drawn and "<title>Subgroup 37: " not in drawn
    # The numbers are the same as without the labels (labels only name the points).
    plain = qualitas("stats", "chart", "xbar-r", str(DATA / "pistonrings_40x5.csv"), "--phase1", "25", "--json")
    labelled = qualitas("stats", "chart", "xbar-r", str(path), "--subgroup-col", "subgroup", "--phase1", "25",
                        "--json")
    assert json.loads(plain.stdout) == json.loads(labelled.stdout)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("stats", "sampling", "--lot-size", "100", "--aql", "0.5"), "Unknown AQL '0.5'"),
        (("stats", "sampling", "--lot-size", "0", "--aql", "1.0"), "'0' must be at least 1"),
        (("stats", "sampling", "--lot-size", "100", "--aql", "1.0", "--level", "IV"), "Unknown inspection level"),
        (("stats", "chart", "xbar-r", "{wide}", "--subgroup-col", "lot"), "Subgroup column 'lot' not found"),
        (("stats", "chart", "xbar-r", "{wide}", "--subgroup-col", "x3"), "is one of the x1..xn measurement columns"),
        (("stats", "chart", "xbar-r", "{duplicate}", "--subgroup-col", "subgroup"), "subgroup '311' is also on row 2"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, argv, message):
    wide = wide_with_labels(tmp_path)
    duplicate = tmp_path / "duplicate.csv"
    text = wide.read_text(encoding="utf-8").splitlines()
    text[2] = "311," + text[2].split(",", 1)[1]
    duplicate.write_text("\n".join(text) + "\n", encoding="utf-8")
    argv = tuple(a.format(wide=wide, duplicate=duplicate) for a in argv)
    result = qualitas(*argv)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("qualitas stats: error: ") and message in lines[0], lines
