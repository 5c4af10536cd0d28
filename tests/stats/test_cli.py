"""`qualitas stats`: published results through the command line, and one-line errors for bad input.

References: Montgomery, Introduction to Statistical Quality Control (6th ed.), examples 6.1
(piston rings), 7.1 (orange juice cans), 7.3 (circuit boards), 7.8 (dyed cloth) and 9.1
(tabular CUSUM); R's qcc package (pistonrings, viscosity); NIST/SEMATECH e-Handbook 6.3.2.4 (EWMA).
"""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from qualitas.stats import capability, charts, sampling
from qualitas.stats import cli as stats_cli
from qualitas.stats.cli import main

DATA = Path(__file__).parent / "data"
PISTONRINGS = str(DATA / "pistonrings_40x5.csv")
PISTONRINGS_LONG = str(DATA / "cli" / "pistonrings_long.csv")
ORANGE_JUICE = str(DATA / "orangejuice.csv")
QUALITAS = Path(sys.executable).parent / "qualitas"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert (code, err) == (0, "")
    return json.loads(out)


def parse_svg(path: Path) -> ET.Element:
    return ET.fromstring(path.read_text(encoding="utf-8"))  # noqa: S314 - our own output, not untrusted XML


def by_name(result: dict) -> dict[str, dict]:
    return {chart["name"]: chart for chart in result["charts"]}


def rule_points(chart: dict, rule: str) -> list[int]:
    return [signal["point"] for signal in chart["signals"] if rule in signal["rules"]]


# --- control charts: published numbers -------------------------------------------------------


def test_piston_rings_xbar_r_phase_one_limits_match_qcc(capsys):
    result = run_json(capsys, "chart", "xbar-r", PISTONRINGS, "--phase1", "25")
    assert result["chart"] == "xbar-r"
    assert set(result) == {"chart", "charts", "sigma"}
    xbar, r = by_name(result)["xbar"], by_name(result)["r"]
    # qcc(pistonrings[1:25], type = "xbar"): centre 74.00118, sd 0.009785, limits 73.98805 / 74.01431
    assert xbar["center"] == pytest.approx(74.00118, abs=1e-5)
    assert xbar["ucl"] == pytest.approx(74.01431, abs=1e-5)
    assert xbar["lcl"] == pytest.approx(73.98805, abs=1e-5)
    assert result["sigma"] == pytest.approx(0.009785, abs=1e-6)
    # R chart: R̄ = 0.02276, UCL = D4·R̄ = 2.114499 × 0.02276
    assert r["center"] == pytest.approx(0.02276, abs=1e-6)
    assert r["ucl"] == pytest.approx(0.048126, abs=1e-6)
    assert r["lcl"] == 0
    assert len(xbar["values"]) == len(r["values"]) == 40
    assert xbar["values"][0] == pytest.approx(74.0102, abs=1e-9)
    # Phase II: subgroups 37, 38 and 39 are beyond the upper limit (qcc, Montgomery Fig. 6.5)
    assert rule_points(xbar, "nelson-1") == [37, 38, 39]
    assert all(set(s) == {"point", "rules"} for s in xbar["signals"])


def test_wide_long_and_xlsx_files_give_identical_results(capsys, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["subgroup", "d"])
    for values in _pistonring_rows():
        for value in values["values"]:
            sheet.append([values["sample"], value])
    workbook.save(tmp_path / "rings.xlsx")
    options = ("--phase1", "25")
    wide = run_json(capsys, "chart", "xbar-r", PISTONRINGS, *options)
    long = run_json(
        capsys, "chart", "xbar-r", PISTONRINGS_LONG, "--value-col", "diameter", "--subgroup-col", "sample", *options
    )
    xlsx = run_json(
        capsys,
        "chart",
        "xbar-r",
        str(tmp_path / "rings.xlsx"),
        "--value-col",
        "d",
        "--subgroup-col",
        "subgroup",
        *options,
    )
    assert wide == long == xlsx


def _pistonring_rows() -> list[dict]:
    lines = (DATA / "pistonrings_40x5.csv").read_text().splitlines()[1:]
    return [
        {"sample": int(cells[0]), "values": [float(v) for v in cells[1:6]]}
        for cells in (line.split(",") for line in lines)
    ]


def test_piston_rings_xbar_s_uses_sbar_over_c4(capsys):
    result = run_json(capsys, "chart", "xbar-s", PISTONRINGS, "--phase1", "25")
    rows = np.array([row["values"] for row in _pistonring_rows()])[:25]
    s_bar = rows.std(axis=1, ddof=1).mean()
    a3, b4 = 1.427299, 2.088998  # constants_n2_25.csv, n = 5
    xbar, s = by_name(result)["xbar"], by_name(result)["s"]
    assert xbar["ucl"] == pytest.approx(rows.mean() + a3 * s_bar, abs=1e-6)
    assert s["center"] == pytest.approx(s_bar, abs=1e-9)
    assert s["ucl"] == pytest.approx(b4 * s_bar, abs=1e-6)
    assert result["sigma"] == pytest.approx(s_bar / 0.939986, rel=1e-6)


def test_orange_juice_p_chart_trial_limits_and_signals(capsys):
    result = run_json(capsys, "chart", "p", ORANGE_JUICE, "--value-col", "D", "--size-col", "size", "--phase1", "30")
    p = by_name(result)["p"]
    # Montgomery Example 7.1: p̄ = 0.2313, UCL = 0.4102, LCL = 0.0524; samples 15 and 23 out
    assert p["center"] == pytest.approx(0.2313, abs=1e-4)
    assert p["ucl"] == pytest.approx(0.4102, abs=1e-4)
    assert p["lcl"] == pytest.approx(0.0524, abs=1e-4)
    assert p["values"][14] == pytest.approx(0.44)  # D = 22 of 50
    assert rule_points(p, "nelson-1")[:2] == [15, 23]
    assert result["sigma"] is None


def test_orange_juice_revised_limits_without_samples_15_and_23(capsys):
    result = run_json(
        capsys,
        "chart",
        "p",
        ORANGE_JUICE,
        "--value-col",
        "D",
        "--size-col",
        "size",
        "--phase1",
        "30",
        "--exclude",
        "15,23",
    )
    p = by_name(result)["p"]
    # Montgomery Example 7.1, revised: p̄ = 0.2150, UCL = 0.3893, LCL = 0.0407
    assert p["center"] == pytest.approx(0.2150, abs=1e-4)
    assert p["ucl"] == pytest.approx(0.3893, abs=1e-4)
    assert p["lcl"] == pytest.approx(0.0407, abs=1e-4)


def test_orange_juice_np_chart(capsys):
    result = run_json(capsys, "chart", "np", ORANGE_JUICE, "--value-col", "D", "--size-col", "size", "--phase1", "30")
    np_chart = by_name(result)["np"]
    # n·p̄ = 50 × 0.2313 = 11.57, limits 11.57 ± 3·√(11.57 × 0.7687)
    assert np_chart["center"] == pytest.approx(11.5667, abs=1e-4)
    assert np_chart["ucl"] == pytest.approx(20.5120, abs=1e-4)
    assert np_chart["lcl"] == pytest.approx(2.6214, abs=1e-4)
    assert np_chart["values"][14] == 22


def test_circuit_boards_c_chart(capsys):
    result = run_json(capsys, "chart", "c", str(DATA / "circuit.csv"), "--value-col", "x", "--phase1", "26")
    c = by_name(result)["c"]
    # Montgomery Example 7.3: c̄ = 516/26 = 19.85, UCL = 33.22, LCL = 6.48 (from c̄ rounded to 19.85);
    # samples 6 and 20 are below the LCL
    assert c["center"] == pytest.approx(516 / 26, rel=1e-12)
    assert c["ucl"] == pytest.approx(516 / 26 + 3 * np.sqrt(516 / 26), rel=1e-12)
    assert c["ucl"] == pytest.approx(33.22, abs=0.01)
    assert c["lcl"] == pytest.approx(6.48, abs=0.01)
    assert rule_points(c, "nelson-1") == [6, 20]


def test_dyed_cloth_u_chart_gives_the_published_per_point_limits(capsys):
    path = DATA / "dyedcloth_u_variable_n.csv"
    result = run_json(capsys, "chart", "u", str(path), "--value-col", "x", "--size-col", "units")
    u = by_name(result)["u"]
    published = np.genfromtxt(path, delimiter=",", names=True)
    assert u["center"] == pytest.approx(153 / 107.5, rel=1e-12)  # ū = Σc / Σn
    np.testing.assert_allclose(u["values"], published["u"], rtol=1e-12)
    np.testing.assert_allclose(u["ucl"], published["UCL"], rtol=1e-9)
    np.testing.assert_allclose(u["lcl"], published["LCL"], rtol=1e-9)
    assert u["signals"] == []


def test_viscosity_individuals_and_moving_range(capsys):
    result = run_json(capsys, "chart", "imr", str(DATA / "viscosity.csv"), "--value-col", "viscosity", "--phase1", "20")
    i, mr = by_name(result)["i"], by_name(result)["mr"]
    # qcc(viscosity[trial], type = "xbar.one"): centre 34.088, sd = MR̄/d2 = 0.57263/1.128379
    assert i["center"] == pytest.approx(34.088, abs=1e-9)
    assert result["sigma"] == pytest.approx(0.507481, abs=1e-6)
    assert i["ucl"] == pytest.approx(35.61044, abs=1e-5)
    assert i["lcl"] == pytest.approx(32.56556, abs=1e-5)
    assert mr["center"] == pytest.approx(0.572632, abs=1e-6)
    assert mr["values"][0] is None  # no moving range for the first value


def test_montgomery_tabular_cusum(capsys):
    result = run_json(
        capsys,
        "chart",
        "cusum",
        str(DATA / "montgomery_table9_1.csv"),
        "--target",
        "10",
        "--sigma",
        "1",
        "--k",
        "0.5",
        "--h",
        "5",
    )
    cusum = by_name(result)["cusum"]
    # Montgomery Table 9.2: C⁺ first exceeds H = 5 at period 29 (C⁺29 = 5.28)
    assert cusum["ucl"] == 5
    assert cusum["values"][28] == pytest.approx(5.28, abs=5e-3)
    assert cusum["values"][29] == pytest.approx(5.30, abs=5e-3)
    assert len(cusum["lower"]) == 30 and min(cusum["lower"]) >= 0
    assert cusum["lower"][1] == pytest.approx(1.56, abs=5e-3)
    assert [(s["point"], s["rules"]) for s in cusum["signals"]] == [(29, ["cusum-upper"]), (30, ["cusum-upper"])]


def test_nist_ewma(capsys):
    result = run_json(
        capsys,
        "chart",
        "ewma",
        str(DATA / "nist_ewma_pmc324.csv"),
        "--lambda",
        "0.3",
        "--target",
        "50",
        "--sigma",
        "2.0539",
    )
    ewma = by_name(result)["ewma"]
    # NIST/SEMATECH 6.3.2.4: EWMA 50.60, 49.52, 50.56, …; steady limits 50 ± 3·0.4201·2.0539
    np.testing.assert_allclose(ewma["values"][:4], [50.60, 49.52, 50.564, 50.1848], atol=1e-4)
    assert ewma["ucl_steady"] == pytest.approx(52.5884, abs=1e-4)
    assert ewma["lcl_steady"] == pytest.approx(47.4115, abs=1e-4)
    assert ewma["ucl"][0] == pytest.approx(50 + 3 * 2.0539 * 0.3, abs=1e-9)  # exact limit at the first point
    assert ewma["ucl"][-1] == pytest.approx(52.5884, abs=1e-4)
    assert ewma["signals"] == []


def test_western_electric_rules_are_named_we(capsys):
    result = run_json(capsys, "chart", "xbar-r", PISTONRINGS, "--phase1", "25", "--rules", "we")
    rules = {rule for s in by_name(result)["xbar"]["signals"] for rule in s["rules"]}
    assert rules and all(rule.startswith("we-") for rule in rules)
    assert rule_points(by_name(result)["xbar"], "we-1") == [37, 38, 39]


def test_rules_none_gives_no_signals(capsys):
    result = run_json(capsys, "chart", "xbar-r", PISTONRINGS, "--phase1", "25", "--rules", "none")
    assert all(chart["signals"] == [] for chart in result["charts"])


def test_known_mean_and_sigma_are_used_as_given(capsys):
    result = run_json(capsys, "chart", "xbar-r", PISTONRINGS, "--target", "74", "--sigma", "0.01")
    xbar = by_name(result)["xbar"]
    assert xbar["center"] == 74
    assert xbar["ucl"] == pytest.approx(74 + 3 * 0.01 / np.sqrt(5), abs=1e-12)
    assert result["sigma"] == 0.01


# --- human output and SVG files --------------------------------------------------------------


def test_readable_summary_without_json(capsys):
    code, out, err = run(capsys, "chart", "xbar-r", PISTONRINGS, "--phase1", "25")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"X̄-R chart of {PISTONRINGS}: 40 subgroups of 5; limits from subgroups 1-25"
    header = next(line for line in lines if line.startswith("chart"))
    assert header.split() == ["chart", "centre", "LCL", "UCL", "points", "signals"]
    xbar_row = next(line for line in lines if line.startswith("xbar"))
    assert xbar_row.split()[:5] == ["xbar", "74.00118", "73.98805", "74.0143", "40"]
    assert header.index("UCL") == xbar_row.index("74.0143")  # aligned columns
    assert "  point 37: nelson-1, nelson-5" in lines
    assert "sigma (within) = 0.009785338 (rbar/d2)" in lines


def test_summary_of_variable_limits_shows_their_range(capsys):
    code, out, _ = run(
        capsys, "chart", "u", str(DATA / "dyedcloth_u_variable_n.csv"), "--value-col", "x", "--size-col", "units"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[lines.index(next(line for line in lines if line.startswith("chart "))) + 1].split() == [
        "u",
        "1.423256",
        "0.15789..0.43062",
        "2.4159..2.6886",
        "10",
        "0",
    ]
    assert "No out-of-control signals." in out


@pytest.mark.parametrize("as_json", [True, False])
def test_svg_file_is_written_with_or_without_json(capsys, tmp_path, as_json):
    out_file = tmp_path / "chart.svg"
    argv = ["chart", "xbar-r", PISTONRINGS, "--phase1", "25", "--svg", str(out_file)]
    code, out, err = run(capsys, *argv, *(["--json"] if as_json else []))
    assert (code, err) == (0, "")
    root = parse_svg(out_file)
    assert root.get("role") == "img"
    titles = [t.text for t in root.iter("{http://www.w3.org/2000/svg}title")]
    assert "Subgroup 37: 74.0166 — nelson-1, nelson-5" in titles
    if as_json:
        assert json.loads(out)["chart"] == "xbar-r"
    else:
        assert out.startswith("X̄-R chart")


def test_capability_matches_qcc(capsys, tmp_path):
    histogram = tmp_path / "hist.svg"
    report = run_json(
        capsys,
        "capability",
        str(DATA / "cli" / "pistonrings_trial25.csv"),
        "--lsl",
        "73.95",
        "--usl",
        "74.05",
        "--target",
        "74",
        "--svg",
        str(histogram),
    )
    assert {"cp", "cpk", "cpl", "cpu", "pp", "ppk", "cpm", "sigma_within", "sigma_overall", "mean", "n", "ci"} <= set(
        report
    )
    # qcc process.capability(qcc(pistonrings[1:25]), spec.limits = c(73.95, 74.05)):
    # Cp 1.70, Cp_l 1.74, Cp_u 1.66, Cp_k 1.66 with sigma R̄/d2 = 0.009785
    assert report["n"] == 125
    assert report["mean"] == pytest.approx(74.00118, abs=1e-5)
    assert report["sigma_within"] == pytest.approx(0.009785, abs=1e-6)
    assert report["cp"] == pytest.approx(1.7032, abs=1e-4)
    assert report["cpl"] == pytest.approx(1.7433, abs=1e-4)
    assert report["cpu"] == pytest.approx(1.6632, abs=1e-4)
    assert report["cpk"] == pytest.approx(1.6632, abs=1e-4)
    low, high = report["ci"]["cp"]
    assert low < report["cp"] < high
    assert parse_svg(histogram).get("role") == "img"


def test_capability_summary(capsys):
    code, out, err = run(
        capsys, "capability", str(DATA / "cli" / "pistonrings_trial25.csv"), "--lsl", "73.95", "--usl", "74.05"
    )
    assert (code, err) == (0, "")
    assert out.startswith("Capability of ")
    assert next(line for line in out.splitlines() if line.startswith("Cpk")).split()[1] == "1.663169"


# --- sampling and FMEA -----------------------------------------------------------------------


def test_sampling_plan_lot_2000_aql_065(capsys):
    plan = run_json(capsys, "sampling", "--lot-size", "2000", "--aql", "0.65")
    assert plan == {"code_letter": "K", "plan_code_letter": "K", "n": 125, "ac": 2, "re": 3, "inspect_all": False}
    code, out, _ = run(capsys, "sampling", "--lot-size", "2000", "--aql", "0.65", "--level", "II")
    assert out.strip() == (
        "Lot size 2000, AQL 0.65, level II, normal inspection: "
        "code letter K, sample size 125, accept on 2, reject on 3."
    )


def test_sampling_tightened(capsys):
    # ANSI/ASQ Z1.4 Table II-B: code letter K, AQL 0.65 tightened → n = 125, Ac 1, Re 2
    plan = run_json(capsys, "sampling", "--lot-size", "2000", "--aql", "0.65", "--inspection", "tightened")
    assert (plan["n"], plan["ac"], plan["re"]) == (125, 1, 2)


@pytest.mark.parametrize(("s", "o", "d", "ap", "rpn"), [("10", "10", "10", "H", 1000), ("1", "1", "1", "L", 1)])
def test_action_priority(capsys, s, o, d, ap, rpn):
    assert run_json(capsys, "ap", "-s", s, "-o", o, "-d", d) == {"ap": ap, "rpn": rpn}


def test_action_priority_summary(capsys):
    assert run(capsys, "ap", "-s", "10", "-o", "10", "-d", "10") == (
        0,
        "S=10 O=10 D=10: action priority H, RPN 1000.\n",
        "",
    )


# --- bad input: exit 2, one line on stderr, nothing on stdout --------------------------------

BAD_INPUT = {
    "missing file": (["chart", "imr", "no-such-file.csv"], "File not found: no-such-file.csv."),
    "missing column": (
        ["chart", "p", ORANGE_JUICE, "--value-col", "defects", "--size-col", "size"],
        "Value column 'defects' not found",
    ),
    "non-numeric value": (
        [
            "chart",
            "xbar-r",
            str(DATA / "cli" / "nonnumeric.csv"),
            "--value-col",
            "diameter",
            "--subgroup-col",
            "sample",
        ],
        "row 5, column 'diameter': '7x.992' is not a number",
    ),
    "subgroup of one on xbar-r": (
        ["chart", "xbar-r", str(DATA / "cli" / "single_member_subgroup.csv"), "--subgroup-col", "lot"],
        "Subgroup B (row 5 of ",
    ),
    "empty file": (["chart", "imr", str(DATA / "cli" / "empty.csv")], "empty.csv is empty."),
    "aql not in table": (["sampling", "--lot-size", "2000", "--aql", "0.7"], "Unknown AQL '0.7'"),
    "rating 11": (["ap", "-s", "11", "-o", "5", "-d", "5"], "The severity rating must be a whole number from 1 to 10"),
    "unknown kind": (["chart", "pareto", PISTONRINGS], "argument KIND: invalid choice: 'pareto'"),
    "p without sizes": (["chart", "p", ORANGE_JUICE, "--value-col", "D"], "The p chart needs --size-col"),
    "individuals on xbar-r": (
        ["chart", "xbar-r", str(DATA / "viscosity.csv"), "--value-col", "viscosity"],
        "The xbar-r chart needs subgroups",
    ),
    "subgroups on imr": (["chart", "imr", PISTONRINGS], "The imr chart needs individual values"),
    "option of another chart": (
        ["chart", "xbar-r", PISTONRINGS, "--lambda", "0.2"],
        "--lambda does not apply to xbar-r charts",
    ),
    "phase1 too long": (["chart", "xbar-r", PISTONRINGS, "--phase1", "41"], "phase1"),
    "no command": ([], "the following arguments are required: COMMAND"),
    "unknown option": (["chart", "imr", PISTONRINGS, "--colour", "red"], "unrecognized arguments: --colour red"),
    "not a number": (["capability", PISTONRINGS, "--lsl", "low"], "argument --lsl: 'low' is not a number"),
    "no specification": (["capability", PISTONRINGS], "Give a specification limit"),
    "reversed specification": (["capability", PISTONRINGS, "--lsl", "74.05", "--usl", "73.95"], "must be below"),
    "bad level": (["sampling", "--lot-size", "10", "--aql", "1.0", "--level", "IV"], "Unknown inspection level"),
    "unwritable svg": (["chart", "xbar-r", PISTONRINGS, "--svg", "/no/such/dir/c.svg"], "Cannot write /no/such/dir"),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_exits_2_with_one_line(capsys, case):
    argv, expected = BAD_INPUT[case]
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1
    assert err.startswith("qualitas stats: error: ")
    assert expected in err


def test_help_exits_0(capsys):
    code, out, _ = run(capsys, "chart", "--help")
    assert code == 0
    assert "--phase1 N" in out and "xbar-r" in out


def test_cli_choices_follow_the_library():
    assert stats_cli.KINDS == charts.KINDS
    assert stats_cli.INSPECTIONS == sampling.INSPECTIONS
    assert stats_cli.WITHIN_METHODS == capability.WITHIN_METHODS


# --- the installed console script --------------------------------------------------------------


def test_console_script_runs_a_chart_and_reports_bad_input():
    ok = subprocess.run(
        [
            str(QUALITAS),
            "stats",
            "chart",
            "p",
            ORANGE_JUICE,
            "--value-col",
            "D",
            "--size-col",
            "size",
            "--phase1",
            "30",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (ok.returncode, ok.stderr) == (0, "")
    assert json.loads(ok.stdout)["charts"][0]["ucl"] == pytest.approx(0.4102, abs=1e-4)
    bad = subprocess.run(
        [str(QUALITAS), "stats", "ap", "-s", "11", "-o", "1", "-d", "1"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_top_level_command_dispatches_stats_without_django(capsys):
    from qualitas.cli import main as qualitas_main

    assert qualitas_main(["qualitas", "stats", "ap", "-s", "5", "-o", "5", "-d", "5", "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"ap", "rpn"}
