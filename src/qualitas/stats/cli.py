"""`qualitas stats`: control charts, capability, sampling plans and FMEA action priority from the shell.

    qualitas stats chart KIND FILE [options] [--json] [--svg OUT]
    qualitas stats capability FILE --lsl X --usl X [--target X] [--json] [--svg OUT]
    qualitas stats sampling --lot-size N --aql A [--level II] [--inspection normal] [--json]
    qualitas stats switching FILE --aql A [--level II] [--start normal|tightened|reduced] [--json]
    qualitas stats ap -s S -o O -d D [--json]

Bad input exits with status 2 and one line on stderr; success exits 0. With --json the
result is printed as JSON (the chart JSON is `ChartSet.to_dict()`), otherwise as a table.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from qualitas.stats import io
from qualitas.stats.results import ChartSet, StatsInputError

PROG = "qualitas stats"
KINDS = ("xbar-r", "xbar-s", "imr", "p", "np", "c", "u", "ewma", "cusum")
SUBGROUP_KINDS = ("xbar-r", "xbar-s")
ATTRIBUTE_KINDS = ("p", "np", "c", "u")
SIZED_KINDS = ("p", "np", "u")
RULE_SETS = ("nelson", "we", "none")
INSPECTIONS = ("normal", "tightened", "reduced")
WITHIN_METHODS = ("auto", "rbar", "sbar", "pooled", "mrbar")
EXIT_OK, EXIT_BAD_INPUT = 0, 2


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors reported on one line (exit status 2) like every other bad input."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{PROG}: error: {' '.join(message.split())}\n")


def main(argv: list[str] | None = None) -> int:
    """Run `qualitas stats` with `argv` (the arguments after "stats"); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    try:
        output = args.handler(args)
    except StatsInputError as exc:
        print(f"{PROG}: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(output)
    return EXIT_OK


# --- arguments ---------------------------------------------------------------------------


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number")
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"'{text}' is not a finite number")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number")
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' must be at least 1")
    return value


def _subgroup_list(text: str) -> tuple[int, ...]:
    numbers = tuple(_positive_int(part.strip()) for part in text.split(",") if part.strip())
    if not numbers:
        raise argparse.ArgumentTypeError(f"'{text}' lists no subgroup")
    return numbers


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Statistical quality tools.", allow_abbrev=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    _add_chart(commands)
    _add_capability(commands)
    _add_sampling(commands)
    _add_switching(commands)
    _add_ap(commands)
    return parser


def _add_input(command: argparse.ArgumentParser) -> None:
    command.add_argument("file", metavar="FILE", help="CSV or XLSX: long (one value per row) or wide (x1..xn)")
    command.add_argument("--value-col", metavar="C", help="column of measurements (or counts for p, np, c, u)")
    command.add_argument(
        "--subgroup-col",
        metavar="C",
        help="column naming the subgroup of each row: groups the rows of a long file; labels the rows of a wide "
        "(x1..xn) file, the labels then numbering the points",
    )
    command.add_argument("--sheet", metavar="NAME", help="XLSX sheet to read (default: the first)")
    command.add_argument("--json", action="store_true", help="print the result as JSON")
    command.add_argument("--svg", metavar="OUT", help="write the picture to this SVG file")


def _add_chart(commands: Any) -> None:
    chart = commands.add_parser(
        "chart",
        help="control chart",
        allow_abbrev=False,
        description="Control chart with run rules from a CSV or XLSX file.",
    )
    chart.add_argument("kind", metavar="KIND", choices=KINDS, help=", ".join(KINDS))
    _add_input(chart)
    chart.add_argument("--size-col", metavar="C", help="sample size (p, np) or inspection units (u) column")
    chart.add_argument(
        "--rules",
        choices=RULE_SETS,
        help="run rules: nelson (default), we (Western Electric) or none; EWMA defaults to none",
    )
    chart.add_argument(
        "--phase1",
        type=_positive_int,
        metavar="N",
        help="estimate the limits from the first N subgroups and apply them to the rest",
    )
    chart.add_argument(
        "--exclude",
        type=_subgroup_list,
        default=(),
        metavar="N,N,…",
        help="subgroups left out of the limit estimate, by position in the file (1-based), e.g. 15,23",
    )
    chart.add_argument("--lambda", dest="lam", type=_finite, metavar="X", help="EWMA weight (default 0.2)")
    chart.add_argument("--L", dest="L", type=_finite, metavar="X", help="EWMA limit width in sigmas (default 3)")
    chart.add_argument("--k", dest="k", type=_finite, metavar="X", help="CUSUM reference value in sigmas (default 0.5)")
    chart.add_argument("--h", dest="h", type=_finite, metavar="X", help="CUSUM decision interval in sigmas (default 4)")
    chart.add_argument(
        "--target",
        type=_finite,
        metavar="X",
        help="known centre used instead of the estimate: process mean, EWMA/CUSUM target, p̄ (p, np), c̄ (c) or ū (u)",
    )
    chart.add_argument("--sigma", type=_finite, metavar="X", help="known process standard deviation (not estimated)")
    chart.set_defaults(handler=_chart)


def _add_capability(commands: Any) -> None:
    capability = commands.add_parser(
        "capability", help="process capability (Cp, Cpk, Pp, Ppk, Cpm)", allow_abbrev=False
    )
    _add_input(capability)
    capability.add_argument("--lsl", type=_finite, metavar="X", help="lower specification limit")
    capability.add_argument("--usl", type=_finite, metavar="X", help="upper specification limit")
    capability.add_argument(
        "--target", type=_finite, metavar="X", help="target for Cpm (default: the middle of a two-sided tolerance)"
    )
    capability.add_argument(
        "--within",
        choices=WITHIN_METHODS,
        default="auto",
        help="within sigma: rbar (R̄/d2, default for subgroups), sbar, pooled, or mrbar (default for individual values)",
    )
    capability.set_defaults(handler=_capability)


def _add_sampling(commands: Any) -> None:
    sampling = commands.add_parser("sampling", help="single sampling plan (ISO 2859-1 / ANSI Z1.4)", allow_abbrev=False)
    sampling.add_argument("--lot-size", type=_positive_int, required=True, metavar="N")
    sampling.add_argument("--aql", required=True, metavar="A", help="acceptance quality limit, e.g. 0.65")
    sampling.add_argument("--level", default="II", help="inspection level (default II)")
    sampling.add_argument("--inspection", choices=INSPECTIONS, default="normal")
    sampling.add_argument("--json", action="store_true", help="print the result as JSON")
    sampling.set_defaults(handler=_sampling)


def _add_switching(commands: Any) -> None:
    switching = commands.add_parser(
        "switching",
        help="ISO 2859-1 clause 9 switching rules over a lot history",
        allow_abbrev=False,
        description="Judge a sequence of lots and apply the ISO 2859-1 switching rules (normal, tightened, "
        "reduced, discontinued). FILE (CSV or XLSX) has one row per lot, in order: lot_size, nonconforming "
        "and optionally production_steady (default true), authority_approves (default false) and resume "
        "(true on the first lot after the supplier's corrective action).",
    )
    switching.add_argument("file", metavar="FILE", help="CSV or XLSX, one row per lot in order")
    switching.add_argument("--aql", required=True, metavar="A", help="acceptance quality limit, e.g. 1.0")
    switching.add_argument("--level", default="II", help="inspection level (default II)")
    switching.add_argument("--start", choices=INSPECTIONS, default="normal", help="inspection of the first lot")
    switching.add_argument("--sheet", metavar="NAME", help="XLSX sheet to read (default: the first)")
    switching.add_argument("--json", action="store_true", help="print the result as JSON")
    switching.set_defaults(handler=_switching)


def _add_ap(commands: Any) -> None:
    ap = commands.add_parser("ap", help="AIAG-VDA FMEA action priority and RPN", allow_abbrev=False)
    ap.add_argument("-s", "--severity", type=_whole, required=True, metavar="S")
    ap.add_argument("-o", "--occurrence", type=_whole, required=True, metavar="O")
    ap.add_argument("-d", "--detection", type=_whole, required=True, metavar="D")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.set_defaults(handler=_ap)


# --- commands ----------------------------------------------------------------------------


def _chart(args: argparse.Namespace) -> str:
    from qualitas.stats import charts

    data = io.read_measurements(
        args.file, value_col=args.value_col, subgroup_col=args.subgroup_col, size_col=args.size_col, sheet=args.sheet
    )
    _check_layout(args.kind, args.size_col, data)
    chartset = charts.chart(args.kind, data.values, data.sizes, **_chart_options(args))
    if args.svg:
        from qualitas.stats import svg

        title = f"{svg.KIND_TITLES.get(args.kind, args.kind)} of {Path(args.file).name}"
        _write(args.svg, svg.chart_svg(chartset, title=title, labels=data.labels))
    return _dump(chartset.to_dict()) if args.json else chart_summary(chartset, data, args.file)


def _check_layout(kind: str, size_col: str | None, data: io.Measurements) -> None:
    """Refuse data whose shape does not suit the chart, pointing at the option or row to fix."""
    if kind in SIZED_KINDS and size_col is None:
        raise StatsInputError(f"The {kind} chart needs --size-col, the sample size (or units) of each row.")
    if kind == "c" and size_col is not None:
        raise StatsInputError("The c chart takes no --size-col; use a u chart when the inspection units vary.")
    if kind in ATTRIBUTE_KINDS and data.values.ndim != 1:
        raise StatsInputError(f"The {kind} chart needs one count per row: name the count column with --value-col.")
    if kind in SUBGROUP_KINDS:
        if data.values.ndim != 2:
            raise StatsInputError(
                f"The {kind} chart needs subgroups: use columns x1..xn (one subgroup per row) or --subgroup-col."
            )
        sizes = data.subgroup_sizes
        single = np.flatnonzero(sizes < 2)
        if single.size:
            first = int(single[0])
            raise StatsInputError(
                f"Subgroup {data.labels[first]} (row {data.rows[first]} of {data.source}) has only one measurement; "
                f"the {kind} chart needs at least two per subgroup (use imr for individual values)."
            )
    if kind == "imr" and data.values.ndim != 1:
        raise StatsInputError("The imr chart needs individual values: name the column with --value-col.")


def _chart_options(args: argparse.Namespace) -> dict[str, Any]:
    kind = args.kind
    for option, value, kinds in (
        ("--lambda", args.lam, ("ewma",)),
        ("--L", args.L, ("ewma",)),
        ("--k", args.k, ("cusum",)),
        ("--h", args.h, ("cusum",)),
        ("--rules", args.rules, tuple(k for k in KINDS if k != "cusum")),
    ):
        if value is not None and kind not in kinds:
            raise StatsInputError(f"{option} does not apply to {kind} charts (only to {', '.join(kinds)}).")
    if args.sigma is not None and kind in ATTRIBUTE_KINDS:
        raise StatsInputError(f"--sigma does not apply to {kind} charts; give the known rate with --target.")
    options: dict[str, Any] = {"phase1": args.phase1, "exclude": args.exclude}
    if kind != "cusum":
        options["rules"] = args.rules or ("none" if kind == "ewma" else "nelson")
    options.update({key: getattr(args, key) for key in ("lam", "L", "k", "h") if getattr(args, key) is not None})
    if args.target is not None:
        options[_TARGET_OPTION[kind]] = args.target
    if args.sigma is not None:
        options["sigma"] = args.sigma
    return options


# The option of `charts.chart` that takes --target: the known centre of each kind of chart.
_TARGET_OPTION = {
    "xbar-r": "mu",
    "xbar-s": "mu",
    "imr": "mu",
    "p": "p_bar",
    "np": "p_bar",
    "c": "c_bar",
    "u": "u_bar",
    "ewma": "target",
    "cusum": "target",
}


def _capability(args: argparse.Namespace) -> str:
    from qualitas.stats import capability

    if args.lsl is None and args.usl is None:
        raise StatsInputError("Give a specification limit: --lsl, --usl or both.")
    data = io.read_measurements(args.file, value_col=args.value_col, subgroup_col=args.subgroup_col, sheet=args.sheet)
    result = capability.capability(data.values, lsl=args.lsl, usl=args.usl, target=args.target, within=args.within)
    report = result.to_dict()
    if args.svg:
        from qualitas.stats import svg

        _write(
            args.svg,
            svg.histogram_svg(
                data.values,
                lsl=args.lsl,
                usl=args.usl,
                target=report["target"],
                mean=report["mean"],
                sigma=report["sigma_within"],
                title=f"Capability of {Path(args.file).name}",
            ),
        )
    return _dump(report) if args.json else capability_summary(report, args.file)


def _sampling(args: argparse.Namespace) -> str:
    from qualitas.stats import sampling

    level = args.level.strip().upper()
    plan = sampling.plan(args.lot_size, args.aql, level=level, inspection=args.inspection).to_dict()
    if args.json:
        return _dump(plan)
    head = f"Lot size {args.lot_size}, AQL {args.aql}, level {level}, {args.inspection} inspection"
    return f"{head}: {sampling_text(plan)}"


def sampling_text(plan: dict[str, Any]) -> str:
    """The plan in words: Table I's code letter, the plan's letter when an arrow was followed, n, Ac, Re."""
    letter = f"code letter {plan['code_letter']}"
    if plan["plan_code_letter"] != plan["code_letter"]:
        letter += f" (arrow to the plan of letter {plan['plan_code_letter']})"
    if plan["inspect_all"]:
        return (
            f"{letter}; inspect all {plan['n']} items (100 %), "
            f"accept on {plan['ac']}, reject on {plan['re']}."
        )
    return f"{letter}, sample size {plan['n']}, accept on {plan['ac']}, reject on {plan['re']}."


SWITCHING_COLUMNS = ("lot_size", "nonconforming", "production_steady", "authority_approves", "resume")
_TRUE, _FALSE = ("true", "yes", "y", "1"), ("false", "no", "n", "0")
NOT_JUDGED = "inspection discontinued (ISO 2859-1 9.4): not judged until the supplier's corrective action"
RESUMED = "resumed on tightened inspection after the supplier's corrective action (9.4)"


def _switching(args: argparse.Namespace) -> str:
    from qualitas.stats import sampling

    rules = sampling.SwitchingRules(args.aql, level=args.level.strip().upper(), inspection=args.start)
    lots = []
    for row, lot_size, count, steady, approves, resume in _switching_rows(io.read_table(args.file, sheet=args.sheet)):
        if rules.inspection == sampling.DISCONTINUED and not resume:
            lots.append({"lot": len(lots) + 1, "inspection": sampling.DISCONTINUED, "code_letter": None, "n": None,
                         "ac": None, "re": None, "nonconforming": count, "accepted": None,
                         "switching_score": rules.switching_score, "next": sampling.DISCONTINUED,
                         "reason": NOT_JUDGED})
            continue
        if resume:
            if rules.inspection != sampling.DISCONTINUED:
                raise StatsInputError(
                    f"{args.file}, row {row}: resume is true, but inspection is {rules.inspection}, not discontinued."
                )
            rules.resume()
        decision = rules.record(lot_size, count, production_steady=steady, authority_approves=approves)
        lots.append({
            "lot": len(lots) + 1,
            "inspection": decision.inspection,
            "code_letter": decision.plan.code_letter,
            "n": decision.plan.n,
            "ac": decision.plan.ac,
            "re": decision.plan.re,
            "nonconforming": decision.nonconforming,
            "accepted": decision.accepted,
            "switching_score": decision.switching_score,
            "next": decision.next_inspection,
            "reason": decision.reason or (RESUMED if resume else ""),
        })
    result = {"lots": lots, "final": rules.inspection}
    if args.json:
        return _dump(result)
    return switching_summary(result, args.file, args.aql, args.level.strip().upper(), args.start)


def _switching_rows(table: io.Table):
    """(row, lot_size, nonconforming, production_steady, authority_approves, resume) per data row."""
    folded = [column.strip().casefold() for column in table.columns]
    index = {}
    for name in SWITCHING_COLUMNS:
        if folded.count(name) > 1:
            raise StatsInputError(f"{table.source} has more than one column named '{name}'.")
        if name in folded:
            index[name] = folded.index(name)
    for name in SWITCHING_COLUMNS[:2]:
        if name not in index:
            listed = ", ".join(c for c in table.columns if c) or "none"
            raise StatsInputError(f"Column '{name}' not found in {table.source} (columns: {listed}).")
    for row, cells in table.rows:
        cell = {name: cells[index[name]] if name in index else None for name in SWITCHING_COLUMNS}
        yield (
            row,
            _whole_cell(table, row, "lot_size", cell["lot_size"], minimum=1),
            _whole_cell(table, row, "nonconforming", cell["nonconforming"], minimum=0),
            _flag_cell(table, row, "production_steady", cell["production_steady"], default=True),
            _flag_cell(table, row, "authority_approves", cell["authority_approves"], default=False),
            _flag_cell(table, row, "resume", cell["resume"], default=False),
        )


def _whole_cell(table: io.Table, row: int, column: str, cell: io.Cell, *, minimum: int) -> int:
    where = f"{table.source}, row {row}, column '{column}'"
    if cell is None:
        raise StatsInputError(f"{where}: the cell is empty.")
    text = _label_text(cell)
    if not text.isdigit() or int(text) < minimum:
        kind = "a positive" if minimum == 1 else "a non-negative"
        raise StatsInputError(f"{where}: '{text}' is not {kind} whole number.")
    return int(text)


def _flag_cell(table: io.Table, row: int, column: str, cell: io.Cell, *, default: bool) -> bool:
    if cell is None:
        return default
    text = _label_text(cell).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise StatsInputError(f"{table.source}, row {row}, column '{column}': '{text}' is not true or false.")


def _label_text(cell: io.Cell) -> str:
    """A cell as text; spreadsheet numbers 3.0 read as "3" (so 2.5 stays "2.5" and is refused)."""
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() and math.isfinite(cell) else repr(cell)
    return str(cell).strip()


def switching_summary(result: dict[str, Any], source: str, aql: str, level: str, start: str) -> str:
    """The readable switching report printed without --json: one table row per lot, then the final state."""
    lines = [f"Switching rules (ISO 2859-1 clause 9) for {source}: AQL {aql}, level {level}, starting {start}", ""]
    rows = []
    for lot in result["lots"]:
        verdict = {True: "accepted", False: "rejected", None: "not judged"}[lot["accepted"]]
        plan = [str(lot[key]) if lot[key] is not None else "-" for key in ("code_letter", "n", "ac", "re")]
        rows.append((str(lot["lot"]), lot["inspection"], *plan, str(lot["nonconforming"]), verdict,
                     str(lot["switching_score"]), lot["next"], lot["reason"]))
    lines += _table(("lot", "inspection", "letter", "n", "Ac", "Re", "found", "verdict", "score", "next", "reason"),
                    rows)
    lines += ["", f"Final inspection: {result['final']}."]
    return "\n".join(lines)


def _ap(args: argparse.Namespace) -> str:
    from qualitas.stats import fmea

    s, o, d = args.severity, args.occurrence, args.detection
    result = {"ap": fmea.action_priority(s, o, d), "rpn": fmea.rpn(s, o, d)}
    if args.json:
        return _dump(result)
    return f"S={s} O={o} D={d}: action priority {result['ap']}, RPN {result['rpn']}."


# --- output ------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    """Plain JSON values: numpy scalars and arrays unwrapped, NaN and infinities as null."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _dump(result: dict[str, Any]) -> str:
    return json.dumps(_jsonable(result), indent=2, allow_nan=False)


def _write(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise StatsInputError(f"Cannot write {path}: {exc.strerror or exc}.")


def _number(value: Any) -> str:
    if value is None:
        return "n/a"
    array = np.asarray(value, dtype=float)
    if array.ndim == 0:
        return f"{float(array):.7g}" if math.isfinite(array) else "n/a"
    finite = array[np.isfinite(array)]
    if not finite.size:
        return "n/a"
    low, high = float(finite.min()), float(finite.max())
    return f"{low:.7g}" if low == high else f"{low:.5g}..{high:.5g}"


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def _describe_data(data: io.Measurements) -> str:
    if data.values.ndim == 1:
        noun = "samples" if data.sizes is not None else "values"
        return f"{data.values.shape[0]} {noun}"
    sizes = data.subgroup_sizes
    n = f"{sizes.min()}" if sizes.min() == sizes.max() else f"{sizes.min()} to {sizes.max()}"
    return f"{len(sizes)} subgroups of {n}"


def chart_summary(chartset: ChartSet, data: io.Measurements, source: str) -> str:
    """The readable report printed without --json: one table row per chart, then the signals."""
    from qualitas.stats.svg import KIND_TITLES

    phase1 = chartset.parameters.get("phase1")
    labelled = data.labels != tuple(str(i) for i in range(1, len(data.labels) + 1))
    first, last = (1, phase1)
    if labelled and phase1:
        first, last = data.labels[0], data.labels[min(phase1, len(data.labels)) - 1]
    limits_from = f"; limits from subgroups {first}-{last}" if phase1 else ""
    lines = [f"{KIND_TITLES.get(chartset.kind, chartset.kind)} of {source}: {_describe_data(data)}{limits_from}", ""]
    rows = [
        (c.name, _number(c.center), _number(c.lcl), _number(c.ucl), str(len(c.values)), str(len(c.signals)))
        for c in chartset.charts
    ]
    lines += _table(("chart", "centre", "LCL", "UCL", "points", "signals"), rows)
    if chartset.sigma is not None:
        estimator = chartset.parameters.get("estimator")
        lines += ["", f"sigma (within) = {_number(chartset.sigma)}" + (f" ({estimator})" if estimator else "")]
    for chart in chartset.charts:
        if chart.signals:
            lines += ["", f"Signals on the {chart.name} chart:"]
            lines += [f"  {_signal_place(s.point, data.labels if labelled else None)}: {', '.join(s.rules)}"
                      for s in chart.signals]
    if not any(chart.signals for chart in chartset.charts):
        lines += ["", "No out-of-control signals."]
    return "\n".join(lines)


def _signal_place(point: int, labels: tuple[str, ...] | None) -> str:
    if labels is None or point > len(labels):
        return f"point {point}"
    return f"subgroup {labels[point - 1]} (point {point})"


def capability_summary(report: dict[str, Any], source: str) -> str:
    """The readable capability report printed without --json."""
    lines = [
        f"Capability of {source}: n = {report['n']}, mean = {_number(report['mean'])}, "
        f"sigma within = {_number(report['sigma_within'])}, sigma overall = {_number(report['sigma_overall'])}",
        "",
    ]
    intervals = report.get("ci") or {}
    rows = []
    for name in ("cp", "cpk", "cpl", "cpu", "pp", "ppk", "cpm"):
        interval = intervals.get(name)
        ci = f"{_number(interval[0])} .. {_number(interval[1])}" if interval else ""
        rows.append((name.capitalize() if name != "cpm" else "Cpm", _number(report.get(name)), ci))
    lines += _table(("index", "value", "confidence interval"), rows)
    lines += [f"warning: {w}" for w in report.get("warnings") or ()]
    return "\n".join(lines)
