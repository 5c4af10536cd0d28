"""The status of one person on one requirement (a cell of the training matrix), on a given day.

Definitions (the matrix, the API, the CLI and the person's training record all use these):

- **not-required**: the requirement does not apply to the person (see `reach`).
- A training record **counts** for the requirement when it reached at least the requirement's minimum
  competence level and, for a controlled document, it is for the revision people must currently be
  trained on: the effective revision, or an earlier one still in force for training — when the changes
  since it were decided to need no retraining (training impact "none"), a record for the revision
  before such a change, or for any revision since, counts (`generation.training_revisions`). A record
  without a revision (e.g. imported) counts when it was completed on or after the effective date of
  the earliest of those revisions. The latest record that counts is *L*.
- **expired**: *L* has an expiry date and the day is past the expiry date plus the grace period (the
  person is no longer trained, whether or not a renewal has been assigned).
- Otherwise, with an open assignment *A* (at most one per person and requirement):
  **in-progress** when *A* was started (an attempt, a session, a level below the minimum recorded);
  **overdue** when the day is after *A*'s due date; **due** otherwise (also when *A* has no due date,
  as for optional requirements).
- Otherwise **current** when *L* exists (completed and not expired);
- Otherwise **due**: it applies and nothing has been done yet (no assignment yet; the next
  synchronisation assigns it).

Compliance counts mandatory requirements only: the share of cells that apply and are current.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

CURRENT, DUE, OVERDUE, EXPIRED, IN_PROGRESS, NOT_REQUIRED = (
    "current", "due", "overdue", "expired", "in-progress", "not-required")
STATUSES = (CURRENT, DUE, OVERDUE, EXPIRED, IN_PROGRESS, NOT_REQUIRED)
LABELS = {CURRENT: "Current", DUE: "Due", OVERDUE: "Overdue", EXPIRED: "Expired", IN_PROGRESS: "In progress",
          NOT_REQUIRED: "Not required"}


@dataclass(frozen=True)
class Rule:
    """What of a requirement the status needs."""

    id: int
    kind: str
    min_level: int
    grace_days: int
    mandatory: bool = True
    document_id: int | None = None


@dataclass(frozen=True)
class Done:
    """What of a training record the status needs."""

    completed_on: dt.date
    expires_on: dt.date | None
    level: int
    revision_id: int | None = None


@dataclass(frozen=True)
class Open:
    """What of an open assignment the status needs."""

    due: dt.date | None
    started: bool


@dataclass(frozen=True)
class Cell:
    status: str
    due: dt.date | None = None
    completed: dt.date | None = None
    expires: dt.date | None = None


def counts(rule: Rule, done: Done, training_revision: tuple[int, dt.date | None] | None) -> bool:
    """Whether a record counts for the requirement (level reached; for documents, the right revision).
    `training_revision` is (revision id, effective date[, revision ids that count]) of the revision to be
    trained on (generation.training_revisions), or None."""
    if done.level < rule.min_level:
        return False
    if rule.kind != "document" or training_revision is None:
        return True
    revision_id, effective = training_revision[:2]
    accepted = training_revision[2] if len(training_revision) > 2 else (revision_id,)
    if done.revision_id is not None:
        return done.revision_id in accepted
    return effective is None or done.completed_on >= effective


def lapsed(rule: Rule, done: Done, today: dt.date) -> bool:
    """Past the expiry date plus the grace period."""
    return done.expires_on is not None and today > done.expires_on + dt.timedelta(days=rule.grace_days)


def latest_counting(rule: Rule, records, training_revision) -> Done | None:
    """The latest (by completion date, then order given) of `records` that counts."""
    best = None
    for done in records:
        if counts(rule, done, training_revision) and (best is None or done.completed_on >= best.completed_on):
            best = done
    return best


def cell(rule: Rule, *, applies: bool, latest: Done | None, open_assignment: Open | None, today: dt.date) -> Cell:
    if not applies:
        return Cell(NOT_REQUIRED)
    completed = latest.completed_on if latest else None
    expires = latest.expires_on if latest else None
    due = open_assignment.due if open_assignment else None
    if latest is not None and lapsed(rule, latest, today):
        return Cell(EXPIRED, due, completed, expires)
    if open_assignment is not None:
        if open_assignment.started:
            status = IN_PROGRESS
        elif due is not None and today > due:
            status = OVERDUE
        else:
            status = DUE
        return Cell(status, due, completed, expires)
    if latest is not None:
        return Cell(CURRENT, None, completed, expires)
    return Cell(DUE)
