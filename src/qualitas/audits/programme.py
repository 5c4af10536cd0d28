"""The proposed audit frequency of a process (ISO 9001 9.2.2 a: "take into consideration the importance
of the processes concerned, changes affecting the organization, and the results of previous audits";
ISO 19011 5.3: risks and opportunities). Pure: numbers in, a proposal with its basis out; the
selectors gather the numbers from the records (qualitas.audits.selectors_programme).

Each factor earns 0–3 points, multiplied by its weight; the score (0–21) gives the interval:

| factor                                   | points                                  | weight |
| ---------------------------------------- | --------------------------------------- | ------ |
| importance of the process                | low 0, medium 1, high 2, critical 3     | 2      |
| risks linked to the process              | one per risk, at most 3                 | 1      |
| previous audit's nonconformity findings  | one per finding, at most 3; never audited 2 | 2  |
| open nonconformities of the process      | one per nonconformity, at most 3        | 1      |
| changes since the last audit             | one per revision made effective, at most 3 | 1   |

score ≥ 12: every 6 months · ≥ 7: every 12 · ≥ 3: every 24 · below: every 36 (the three-year cycle
in which every process and clause is audited at least once).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

INTERVALS = (6, 12, 24, 36)
CYCLE_MONTHS = 36
MAX_POINTS = 3
IMPORTANCE_POINTS = {"low": 0, "medium": 1, "high": 2, "critical": 3}
# The importance a process starts with, from its category (the manager changes it per programme).
DEFAULT_IMPORTANCE = {"core": "high", "management": "medium", "support": "low"}
NEVER_AUDITED_POINTS = 2
WEIGHTS = {"importance": 2, "risks": 1, "previous": 2, "open_ncs": 1, "changes": 1}
# (lowest score, interval in months), highest first.
THRESHOLDS = ((12, 6), (7, 12), (3, 24))
MAX_SCORE = MAX_POINTS * sum(WEIGHTS.values())


@dataclass(frozen=True)
class Inputs:
    importance: str = "medium"
    risks: int | None = 0  # None: no risk register installed
    previous_nonconformities: int | None = None  # None: never audited
    open_nonconformities: int | None = 0  # None: not known to the person asking
    changes: int | None = 0  # None: not known to the person asking
    notes: dict = field(default_factory=dict, compare=False)  # factor key -> what the value means


@dataclass(frozen=True)
class Factor:
    key: str
    label: str
    value: object
    points: int
    weight: int
    note: str = ""

    @property
    def contribution(self) -> int:
        return self.points * self.weight

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "value": self.value, "points": self.points,
                "weight": self.weight, "contribution": self.contribution, "note": self.note}


@dataclass(frozen=True)
class Proposal:
    months: int
    score: int
    factors: tuple[Factor, ...]

    @property
    def basis(self) -> list[dict]:
        return [factor.as_dict() for factor in self.factors]


def _capped(count: int | None) -> int:
    return 0 if count is None else max(0, min(int(count), MAX_POINTS))


def interval_for(score: int) -> int:
    for lowest, months in THRESHOLDS:
        if score >= lowest:
            return months
    return INTERVALS[-1]


def propose(inputs: Inputs) -> Proposal:
    """The proposed interval for one process, with each factor's value, points and weight."""
    if inputs.importance not in IMPORTANCE_POINTS:
        raise ValueError(f"Unknown importance {inputs.importance!r}.")
    notes = inputs.notes
    never = inputs.previous_nonconformities is None
    factors = (
        Factor("importance", "Importance of the process", inputs.importance,
               IMPORTANCE_POINTS[inputs.importance], WEIGHTS["importance"], notes.get("importance", "")),
        Factor("risks", "Risks linked to the process", inputs.risks or 0, _capped(inputs.risks), WEIGHTS["risks"],
               notes.get("risks", "")),
        Factor("previous", "Nonconformities found at the previous audit",
               None if never else inputs.previous_nonconformities,
               NEVER_AUDITED_POINTS if never else _capped(inputs.previous_nonconformities), WEIGHTS["previous"],
               notes.get("previous", "Never audited." if never else "")),
        Factor("open_ncs", "Open nonconformities of the process", inputs.open_nonconformities,
               _capped(inputs.open_nonconformities), WEIGHTS["open_ncs"], notes.get("open_ncs", "")),
        Factor("changes", "Changes since the last audit (revisions made effective)", inputs.changes,
               _capped(inputs.changes), WEIGHTS["changes"], notes.get("changes", "")),
    )
    score = sum(factor.contribution for factor in factors)
    return Proposal(interval_for(score), score, factors)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by `months` calendar months (the 31st becomes the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_due(last_audited: dt.date | None, months: int, today: dt.date) -> dt.date:
    """When the process is next due for audit: `months` after its last audit; never audited: now."""
    return today if last_audited is None else add_months(last_audited, months)
