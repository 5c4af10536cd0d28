"""Acceptance sampling by attributes: ISO 2859-1 / MIL-STD-105E single sampling plans.

The tables are MIL-STD-105E's (public domain; the same as ANSI/ASQ Z1.4 and, for normal and
tightened inspection, ISO 2859-1), shipped in `data/`:

* Table I, sample-size code letters by lot size and inspection level;
* Tables II-A/B/C, single sampling master tables for normal, tightened and reduced inspection.
  An arrow means "use the first sampling plan below (or above) the arrow in the same AQL
  column", and with it that plan's code letter and sample size. When the sample size equals or
  exceeds the lot size, every item is inspected (MIL-STD-105E 9.4, ISO 2859-1 10.1).

The reduced table is MIL-STD-105E's, which leaves a gap between Ac and Re: a lot whose count
falls in the gap is accepted, but normal inspection is reinstated (MIL-STD-105E 8.3.4).
The switching rules follow ISO 2859-1:1999 clause 9, with the switching score of 9.3.3; see
`SwitchingRules`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
from scipy import stats

from qualitas.stats.results import StatsInputError

LEVELS = ("S-1", "S-2", "S-3", "S-4", "I", "II", "III")
INSPECTIONS = ("normal", "tightened", "reduced")
NORMAL, TIGHTENED, REDUCED, DISCONTINUED = "normal", "tightened", "reduced", "discontinued"
_ARROWS = {"UP": -1, "DOWN": 1}


def _data_text(name: str) -> str:
    return resources.files("qualitas.stats").joinpath("data", name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _master() -> tuple[tuple[str, ...], dict[str, list[dict[str, str]]]]:
    """The AQL column headers as printed and, per inspection, the master-table rows A…R in order."""
    reader = csv.DictReader(io.StringIO(_data_text("z14_single_master_tables_with_arrows.csv")))
    aqls = tuple(reader.fieldnames[3:])
    rows: dict[str, list[dict[str, str]]] = {inspection: [] for inspection in INSPECTIONS}
    for row in reader:
        rows[row["inspection"]].append(row)
    if rows[TIGHTENED][-1]["code_letter"] != "S":
        rows[TIGHTENED].append(_tightened_row_s(aqls))
    return aqls, rows


def _tightened_row_s(aqls: tuple[str, ...]) -> dict[str, str]:
    """MIL-STD-105E Table II-B's last row, S: n = 3150 with one plan, Ac 1 Re 2 at AQL 0.025.

    The shipped master table stops at R, whose 0.025 arrow points down to this row.
    """
    row = {"inspection": TIGHTENED, "code_letter": "S", "n": "3150"}
    row.update({aql: "UP" for aql in aqls})
    row["0.025"] = "1/2"
    return row


@lru_cache(maxsize=1)
def _code_letter_rows() -> tuple[tuple[int, float, dict[str, str]], ...]:
    """Table I as (smallest lot, largest lot, letter per level) rows; "over 500,001" is open-ended."""
    rows = []
    for row in csv.DictReader(io.StringIO(_data_text("z14_table1_code_letters_AQLSchemes.csv"))):
        text = row["lot_size"].replace(",", "").strip()
        if text.startswith("over"):
            low, high = int(text.removeprefix("over").strip()), float("inf")
        else:
            first, _, last = text.partition("-")
            low, high = int(first), float(last)
        rows.append((low, high, {level: row[level].strip() for level in LEVELS}))
    return tuple(rows)


AQLS: tuple[str, ...] = _master()[0]


@dataclass(frozen=True)
class SamplingPlan:
    """Draw `n` items; accept with at most `ac` nonconforming, reject with `re` or more.

    `code_letter` is the sample-size code letter of Table I for the lot size and inspection level,
    the letter users look up and auditors check. `plan_code_letter` is the row of the master table
    whose plan is used: the same letter, or the one an arrow points at (lot 100, level II, AQL 1.0:
    code letter F, whose arrow leads up to plan E, n = 13). `inspect_all` is True when the table's
    sample size reaches the lot size, so `n` is the lot.
    """

    code_letter: str
    n: int
    ac: int
    re: int
    inspect_all: bool = False
    plan_code_letter: str = ""

    def __post_init__(self) -> None:
        if not self.plan_code_letter:
            object.__setattr__(self, "plan_code_letter", self.code_letter)

    @property
    def arrow_followed(self) -> bool:
        return self.plan_code_letter != self.code_letter

    def to_dict(self) -> dict[str, Any]:
        return {
            "code_letter": self.code_letter,
            "plan_code_letter": self.plan_code_letter,
            "n": self.n,
            "ac": self.ac,
            "re": self.re,
            "inspect_all": self.inspect_all,
        }


def code_letter(lot_size: int, level: str = "II") -> str:
    """The sample-size code letter of Table I for a lot size and inspection level."""
    lot_size, level = _lot_size(lot_size), _level(level)
    # The rows are contiguous and ascending, so the first row reaching the lot size is its row;
    # a lot of one item, below the first row (2-8), takes letter A and is inspected whole.
    for _low, high, letters in _code_letter_rows():
        if lot_size <= high:
            return letters[level]
    raise RuntimeError("Table I does not cover every lot size.")  # pragma: no cover - the table is open-ended


def plan(lot_size: int, aql: Any, *, level: str = "II", inspection: str = "normal") -> SamplingPlan:
    """The single sampling plan for a lot: code letter from Table I, plan from the master table.

    The result keeps Table I's letter as `code_letter` and names the row whose plan is used,
    after following an arrow, as `plan_code_letter`.
    """
    lot_size = _lot_size(lot_size)
    chosen = table_plan(code_letter(lot_size, level), aql, inspection=inspection)
    if chosen.n >= lot_size:
        return replace(chosen, n=lot_size, inspect_all=True)
    return chosen


def table_plan(letter: str, aql: Any, *, inspection: str = "normal") -> SamplingPlan:
    """The master-table plan for a code letter and AQL, following arrows to the plan they point at.

    `code_letter` of the result is `letter`; `plan_code_letter` the row the arrows lead to.
    """
    aqls, tables = _master()
    column, rows = AQLS[aql_index(aql)], tables[_inspection(inspection)]
    index = _row_index(rows, letter)
    step = _ARROWS.get(rows[index][column])
    while rows[index][column] in _ARROWS:
        index += step
    row = rows[index]
    ac, re = (int(part) for part in row[column].split("/"))
    return SamplingPlan(rows[_row_index(rows, letter)]["code_letter"], int(row["n"]), ac, re,
                        plan_code_letter=row["code_letter"])


def aql_index(aql: Any) -> int:
    """Position of an AQL in `AQLS`; "1", "1.0", 1 and 1.0 all name the printed "1.0"."""
    try:
        if isinstance(aql, bool):
            raise InvalidOperation
        value = Decimal(str(aql).strip())
    except (InvalidOperation, ValueError):
        value = None
    for index, printed in enumerate(AQLS):
        if value is not None and value == Decimal(printed):
            return index
    raise StatsInputError(f"Unknown AQL {aql!r}; the tables list {', '.join(AQLS)}.")


def oc_curve(n: int, ac: int, p: Any, *, lot_size: int | None = None) -> Any:
    """Probability of acceptance at fraction nonconforming `p` (scalar or array).

    Binomial (type B, a continuing process) by default; with `lot_size`, hypergeometric
    (type A, an isolated lot holding round(p × lot_size) nonconforming items).
    """
    n, ac = _whole(n, "sample size", minimum=1), _whole(ac, "acceptance number", minimum=0)
    fraction = np.asarray(p, dtype=float)
    if not np.all((fraction >= 0) & (fraction <= 1)):
        raise StatsInputError("The fraction nonconforming p must lie between 0 and 1.")
    if lot_size is None:
        probability = stats.binom.cdf(ac, n, fraction)
    else:
        lot_size = _lot_size(lot_size)
        if n > lot_size:
            raise StatsInputError(f"The sample size {n} exceeds the lot size {lot_size}.")
        nonconforming = np.rint(fraction * lot_size).astype(int)
        probability = stats.hypergeom.cdf(ac, lot_size, nonconforming, n)
    return float(probability) if np.ndim(probability) == 0 else probability


@dataclass(frozen=True)
class LotDecision:
    """One lot through the switching rules: the inspection used, its plan, the verdict and what follows."""

    lot: int
    inspection: str
    plan: SamplingPlan
    nonconforming: int
    accepted: bool
    switching_score: int
    next_inspection: str
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "lot": self.lot,
            "inspection": self.inspection,
            "plan": self.plan.to_dict(),
            "nonconforming": self.nonconforming,
            "accepted": self.accepted,
            "switching_score": self.switching_score,
            "next_inspection": self.next_inspection,
            "reason": self.reason,
        }


@dataclass
class SwitchingRules:
    """The ISO 2859-1:1999 clause 9 switching rules as a state machine over a sequence of lots.

    * 9.3.1 normal → tightened: 2 lots not accepted within 5 or fewer consecutive lots.
    * 9.3.2 tightened → normal: 5 consecutive lots accepted.
    * 9.3.3 normal → reduced: the switching score has reached 30, production is steady and the
      responsible authority approves. The score starts at 0 with normal inspection; for each
      lot, when Ac ≥ 2 add 3 if the lot would also have been accepted at the next tighter AQL,
      otherwise reset to 0; when Ac is 0 or 1 add 2 if the lot is accepted, otherwise reset to 0.
    * 9.3.4 reduced → normal: a lot not accepted, a count in the Ac–Re gap of the reduced plan
      (accepted, MIL-STD-105E 8.3.4) or production irregular or delayed.
    * 9.4 discontinuation: 5 lots not accepted, cumulatively, while on tightened inspection;
      `resume()` restarts on tightened inspection after the supplier's corrective action.
    """

    aql: Any
    level: str = "II"
    inspection: str = NORMAL
    switching_score: int = 0
    history: list[LotDecision] = field(default_factory=list)
    _normal_window: list[bool] = field(default_factory=list, repr=False)
    _tightened_accepted_run: int = field(default=0, repr=False)
    _tightened_not_accepted: int = field(default=0, repr=False)

    def __post_init__(self) -> None:
        aql_index(self.aql)
        _level(self.level)
        if self.inspection not in INSPECTIONS:
            choices = ", ".join(INSPECTIONS)
            raise StatsInputError(f"Inspection must start as one of {choices}, not {self.inspection!r}.")

    @property
    def states(self) -> list[str]:
        """The inspection used for each lot so far, followed by the current one."""
        return [decision.inspection for decision in self.history] + [self.inspection]

    def record(
        self, lot_size: int, nonconforming: int, *, production_steady: bool = True, authority_approves: bool = False
    ) -> LotDecision:
        """Judge one lot on the current inspection and apply the switching rules."""
        if self.inspection == DISCONTINUED:
            raise StatsInputError("Acceptance inspection is discontinued (ISO 2859-1 9.4); resume() after correction.")
        count = _whole(nonconforming, "number of nonconforming items", minimum=0)
        lot_plan = plan(lot_size, self.aql, level=self.level, inspection=self.inspection)
        accepted = count <= lot_plan.ac or (self.inspection == REDUCED and count < lot_plan.re)
        step = {NORMAL: self._after_normal, TIGHTENED: self._after_tightened, REDUCED: self._after_reduced}
        next_inspection, reason = step[self.inspection](
            lot_plan, count, accepted, production_steady, authority_approves
        )
        decision = LotDecision(
            len(self.history) + 1,
            self.inspection,
            lot_plan,
            count,
            accepted,
            self.switching_score,
            next_inspection,
            reason,
        )
        self.history.append(decision)
        self._enter(next_inspection)
        return decision

    def resume(self) -> None:
        """Restart on tightened inspection after discontinuation (ISO 2859-1 9.4)."""
        if self.inspection != DISCONTINUED:
            raise StatsInputError("Only discontinued inspection can be resumed.")
        self._enter(TIGHTENED, force=True)

    def _after_normal(self, lot_plan, count, accepted, steady, approves) -> tuple[str, str]:
        # The score is updated for every lot on normal inspection (9.3.3.2) before any switch, so the
        # lot that tightens inspection, not being accepted, reports the score it reset to 0.
        if lot_plan.ac >= 2:
            tighter = count <= _tighter_ac(lot_plan.plan_code_letter, self.aql)
            self.switching_score = self.switching_score + 3 if tighter else 0
        else:
            self.switching_score = self.switching_score + 2 if accepted else 0
        self._normal_window = [*self._normal_window, accepted][-5:]
        if not accepted and self._normal_window.count(False) >= 2:
            return TIGHTENED, "2 lots not accepted within 5 consecutive lots"
        if self.switching_score >= 30 and steady and approves:
            return REDUCED, "switching score reached 30, production steady, authority approves"
        return NORMAL, ""

    def _after_tightened(self, lot_plan, count, accepted, steady, approves) -> tuple[str, str]:
        if not accepted:
            self._tightened_accepted_run = 0
            self._tightened_not_accepted += 1
            if self._tightened_not_accepted >= 5:
                return DISCONTINUED, "5 lots not accepted on tightened inspection"
            return TIGHTENED, ""
        self._tightened_accepted_run += 1
        if self._tightened_accepted_run >= 5:
            return NORMAL, "5 consecutive lots accepted on tightened inspection"
        return TIGHTENED, ""

    def _after_reduced(self, lot_plan, count, accepted, steady, approves) -> tuple[str, str]:
        if not accepted:
            return NORMAL, "lot not accepted on reduced inspection"
        if count > lot_plan.ac:
            return NORMAL, "count between Ac and Re on reduced inspection"
        if not steady:
            return NORMAL, "production irregular or delayed"
        return REDUCED, ""

    def _enter(self, inspection: str, *, force: bool = False) -> None:
        if inspection == self.inspection and not force:
            return
        self.inspection = inspection
        self.switching_score = 0
        self._normal_window = []
        self._tightened_accepted_run = 0
        self._tightened_not_accepted = 0


def _tighter_ac(letter: str, aql: Any) -> int:
    """Ac for the same code letter at the next tighter AQL of the normal table (9.3.3)."""
    return table_plan(letter, AQLS[aql_index(aql) - 1], inspection=NORMAL).ac


def _row_index(rows: list[dict[str, str]], letter: str) -> int:
    for index, row in enumerate(rows):
        if row["code_letter"] == str(letter).strip().upper():
            return index
    letters = ", ".join(row["code_letter"] for row in rows)
    raise StatsInputError(f"Unknown sample-size code letter {letter!r}; the tables use {letters}.")


def _lot_size(value: Any) -> int:
    return _whole(value, "lot size", minimum=1)


def _whole(value: Any, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        qualifier = "a positive" if minimum == 1 else "a non-negative"
        raise StatsInputError(f"The {name} must be {qualifier} whole number, not {value!r}.")
    return int(value)


def _level(level: str) -> str:
    if level not in LEVELS:
        raise StatsInputError(f"Unknown inspection level {level!r}; use one of {', '.join(LEVELS)}.")
    return level


def _inspection(inspection: str) -> str:
    if inspection not in INSPECTIONS:
        raise StatsInputError(f"Unknown inspection {inspection!r}; use one of {', '.join(INSPECTIONS)}.")
    return inspection
