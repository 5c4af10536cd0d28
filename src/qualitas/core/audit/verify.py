"""`qualitas audit verify`: recompute the chain, compare every vouched-for row with the trail, and
check the trail against the newest checkpoint (P11-A, P11-E, P11-L).

What is checked:
1. The chain: every event's hash recomputed from its fields and linked to the one before it; the
   head row agrees with the last event.
2. Regulated records: each row's content hash equals the `content_hash` of its latest event that has
   one; a row with no such event was inserted outside the application; an event's record whose row is
   gone was deleted outside it.
3. Covered rows (qualitas.core.audit.covered: signatures, role assignments, links, attachments): the
   same, per table, against the row events their services append; the message names the fields that
   differ (replaying the row's recorded changes). A row whose latest event records its deletion but
   which still exists is reported too. Each attachment's file is hashed and compared with its SHA-256.
4. The newest checkpoint in settings.CHECKPOINT_DIR (or `--checkpoint FILE`): the trail must still
   contain the head it saw. Without any checkpoint, a trail cut back at its end or rewritten and
   rehashed as a whole cannot be told from an intact one; verify says so (a warning, exit 0).

Rows from before this coverage existed: the migration audit 0003_seal_covered_rows appended, for each
row of a covered table present at upgrade time, an `audit.row_sealed` event with its state and hash;
from then on every covered row must have a hashed event, so an inserted row is always reported. A
change made before the upgrade is sealed as found (it cannot be told apart any more). Regulated
records have had hashed events since they became regulated, so they need no such seal.

Speed: every part is first checked in bulk by qualitas.core.audit.verify_fast (the database builds the
hashed texts, in parallel on a large trail); only a part that is not intact, or a row the fast check
cannot vouch for, is checked again by the exact code here, which words every problem. A table whose
field types the fast check does not render is compared by the exact code alone, in one pass (one
query for the latest hashes, one streaming read of the rows).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.db import connection
from django.db.models import Max

from qualitas.core.audit import canonical, checkpoints, covered
from qualitas.core.audit import verify_fast as fast
from qualitas.core.audit.models import AuditEvent, AuditHead
from qualitas.core.regulated import RegulatedModel, audited_fields, content_hash_of

BATCH = 20_000


@dataclass
class VerifyReport:
    events: int = 0
    records: int = 0
    rows: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checkpoint: Path | None = None
    head_sequence: int = 0
    head_hash: str = canonical.GENESIS

    @property
    def ok(self) -> bool:
        return not self.problems


def _line_sql(vendor: str) -> str:
    """SQL that builds each event's canonical line (services.chain_line) inside the database."""
    return fast.line_sql(vendor)


def _chain_tasks(bounds: fast.ChainBounds, workers: int) -> list:
    if bounds.count != bounds.last or (bounds.count and bounds.first != 1):
        return []  # events missing or out of place: the exact walk says which
    parts = fast.segments(bounds, 2 * workers if workers > 1 else 1) if bounds.count else []
    return [fast.segment_task(first, last) for first, last in parts]


def _finish_chain(report: VerifyReport, bounds: fast.ChainBounds, results: list | None) -> None:
    """The chain's verdict: from the fast check when it found the chain intact, else from the exact walk."""
    if results is not None and fast.chain_intact(bounds, results):
        report.events = bounds.count
        report.head_sequence = bounds.last
        last = results[-1].last_hash if results else ""
        report.head_hash = last or fast.head_hash(bounds.last)
    elif connection.vendor == "postgresql":
        _verify_chain_in_database(report)
    else:
        _verify_chain_streaming(report)
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence, head.hash) != (report.head_sequence, report.head_hash):
        report.problems.append(
            f"the chain ends at #{report.head_sequence} but the head says #{head.sequence}: events were removed"
        )


def verify_chain(report: VerifyReport, *, workers: int | None = None) -> None:
    """Recompute every event's hash from its fields and check that each links to the one before."""
    bounds = fast.chain_bounds()
    threads = fast.workers_for(bounds.count, workers)
    tasks = _chain_tasks(bounds, threads)
    results = fast.run_all(tasks, threads) if tasks or not bounds.count else None
    _finish_chain(report, bounds, results)


def _verify_chain_streaming(report: VerifyReport) -> None:
    """SQLite: the database builds each hashed text as bytes; Python only hashes and compares."""
    table = AuditEvent._meta.db_table
    message_sql = f"CAST(previous_hash || char(30) || {_line_sql('sqlite')} AS BLOB)"
    sha = hashlib.sha256
    expected_previous = canonical.GENESIS
    expected_sequence = 1
    problems = report.problems
    count = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT sequence, previous_hash, hash, {message_sql} FROM {table} ORDER BY sequence")  # noqa: S608
        while rows := cursor.fetchmany(BATCH):
            for sequence, previous_hash, stored_hash, message in rows:
                if sha(message).hexdigest() != stored_hash:
                    problems.append(f"event #{sequence} was altered (its hash does not match its content)")
                if previous_hash != expected_previous:
                    problems.append(f"event #{sequence} does not chain to the event before it")
                if sequence != expected_sequence:
                    problems.append(f"events #{expected_sequence} to #{sequence - 1} are missing")
                expected_previous = stored_hash
                expected_sequence = sequence + 1
            count += len(rows)
    report.events = count
    report.head_sequence = expected_sequence - 1
    report.head_hash = expected_previous


def _verify_chain_in_database(report: VerifyReport) -> None:
    """PostgreSQL: sha256() and a window over the previous row run inside the server, in C."""
    table = AuditEvent._meta.db_table
    message = f"convert_to(previous_hash || E'\\x1e' || {_line_sql('postgresql')}, 'UTF8')"
    with connection.cursor() as cursor:
        # Identifiers and SQL fragments are fixed in this module, never user input.
        query = f"""
            SELECT sequence, altered, unlinked, gap_from FROM (
                SELECT sequence,
                       encode(sha256({message}), 'hex') <> hash AS altered,
                       previous_hash <> COALESCE(LAG(hash) OVER w, %s) AS unlinked,
                       CASE WHEN sequence <> COALESCE(LAG(sequence) OVER w, 0) + 1
                            THEN COALESCE(LAG(sequence) OVER w, 0) + 1 END AS gap_from
                FROM {table} WINDOW w AS (ORDER BY sequence)
            ) AS checked WHERE altered OR unlinked OR gap_from IS NOT NULL ORDER BY sequence
        """  # noqa: S608
        cursor.execute(query, [canonical.GENESIS])
        for sequence, altered, unlinked, gap_from in cursor.fetchall():
            if altered:
                report.problems.append(f"event #{sequence} was altered (its hash does not match its content)")
            if unlinked:
                report.problems.append(f"event #{sequence} does not chain to the event before it")
            if gap_from is not None:
                report.problems.append(f"events #{gap_from} to #{sequence - 1} are missing")
        cursor.execute(f"SELECT COUNT(*), MAX(sequence) FROM {table}")  # noqa: S608
        count, last = cursor.fetchone()
        report.events = count
        report.head_sequence = last or 0
        cursor.execute(f"SELECT hash FROM {table} WHERE sequence = %s", [report.head_sequence])  # noqa: S608
        row = cursor.fetchone()
        report.head_hash = row[0] if row else canonical.GENESIS


def regulated_models() -> list[type[RegulatedModel]]:
    return [model for model in apps.get_models() if issubclass(model, RegulatedModel)]


def latest_hashes(key: str) -> dict[str, str]:
    """record id -> content hash of its latest event that has one, for one record type (one query)."""
    latest = (
        AuditEvent.objects.filter(record_type=key)
        .exclude(content_hash="")
        .values("record_id")
        .annotate(last=Max("sequence"))
        .values("last")
    )
    return dict(AuditEvent.objects.filter(sequence__in=latest).values_list("record_id", "content_hash"))


def _verify_records_exactly(report: VerifyReport, model, key: str) -> None:
    recorded = latest_hashes(key)
    seen = set()
    for instance in model._base_manager.order_by("pk").iterator(chunk_size=2000):
        report.records += 1
        record_id = str(instance.pk)
        seen.add(record_id)
        expected = recorded.get(record_id)
        if expected is None:
            report.problems.append(
                f"{key} {record_id} ({instance}) has no audit event: created outside the application"
            )
        elif content_hash_of(instance) != expected:
            report.problems.append(
                f"{key} {record_id} ({instance}) was altered outside the application "
                "(its content does not match its last audit event)"
            )
    for record_id in sorted(set(recorded) - seen):
        report.problems.append(f"{key} {record_id} was deleted outside the application")


def _finish_records(report: VerifyReport, model, key: str, check: fast.RowCheck | None) -> None:
    """The exact code's verdict on one regulated table, looking again only at what the fast check could
    not vouch for."""
    if check is None:
        _verify_records_exactly(report, model, key)
        return
    report.records += check.rows
    instances = model._base_manager.in_bulk([pk for pk, _expected in check.suspects]) if check.suspects else {}
    for pk, expected in check.suspects:
        instance = instances.get(pk)
        if instance is None:
            continue  # deleted since
        record_id = str(instance.pk)
        if expected is None:
            report.problems.append(
                f"{key} {record_id} ({instance}) has no audit event: created outside the application"
            )
        elif content_hash_of(instance) != expected:
            report.problems.append(
                f"{key} {record_id} ({instance}) was altered outside the application "
                "(its content does not match its last audit event)"
            )
    for record_id, expected in sorted(check.orphans):
        if expected is not None:
            report.problems.append(f"{key} {record_id} was deleted outside the application")


@dataclass
class TablePlan:
    """A table verify compares with the trail: regulated records or covered rows, its record type, and
    how the fast check builds its rows' canonical text (None: the exact code alone)."""

    kind: str
    model: type
    key: str
    text: fast.Text | None

    def task(self):
        return lambda: fast.check_rows(self.model, self.key, self.text)


def _record_plans() -> list[TablePlan]:
    plans = []
    for model in regulated_models():
        key = f"{model._meta.app_label}.{model._meta.model_name}"
        names = [model_field.attname for model_field in audited_fields(model)]
        plans.append(TablePlan("records", model, key, fast.regulated_text(model, names)))
    return plans


def _covered_plans() -> list[TablePlan]:
    plans = []
    for model in covered.covered_models():
        key = covered.key_of(model)
        plans.append(TablePlan("covered", model, key, fast.covered_text(model, key, covered.hashed_fields(model))))
    return plans


def _check_tables(plans: list[TablePlan], workers: int, extra: list | None = None) -> tuple[list, list]:
    """Runs the extra tasks and the tables' fast checks together: (extra results, one check or None per plan)."""
    extra = extra or []
    checkable = [plan for plan in plans if plan.text is not None]
    results = fast.run_all([*extra, *(plan.task() for plan in checkable)], workers)
    by_plan = dict(zip((id(plan) for plan in checkable), results[len(extra):], strict=True))
    return results[: len(extra)], [by_plan.get(id(plan)) for plan in plans]


def _finish_table(report: VerifyReport, plan: TablePlan, check: fast.RowCheck | None) -> None:
    if plan.kind == "records":
        _finish_records(report, plan.model, plan.key, check)
    else:
        _finish_covered(report, plan.model, plan.key, check)


def verify_records(report: VerifyReport, *, workers: int | None = None) -> None:
    """Every regulated record's current state must hash to what its latest event recorded."""
    plans = _record_plans()
    _none, checks = _check_tables(plans, fast.workers_for(fast.chain_bounds().count, workers))
    for plan, check in zip(plans, checks, strict=True):
        _finish_table(report, plan, check)


# --- Covered rows (signatures, role assignments, links, attachments) ---------------------------------


def _recorded_state(key: str, record_id: str) -> dict:
    """The row as its events recorded it: their changes replayed in order from an empty row."""
    state: dict = {}
    events = (
        AuditEvent.objects.filter(record_type=key, record_id=record_id)
        .exclude(content_hash="")
        .order_by("sequence")
        .values_list("changes", flat=True)
    )
    for changes in events:
        for name, values in (json.loads(changes) if changes else {}).items():
            state[name] = values[1]
    return state


def _differences(key: str, record_id: str, recorded_hash: str, state: dict) -> str:
    expected = _recorded_state(key, record_id)
    expected = {name: expected.get(name) for name in state}
    if covered.hash_of_state(key, expected) != recorded_hash:
        return "its content does not match its last audit event"
    changed = [f"{name} is {state[name]!r}, the trail says {expected[name]!r}"
               for name in state if state[name] != expected[name]]
    return "; ".join(changed)


def _verify_covered_exactly(report: VerifyReport, model, key: str) -> None:
    table, fields = model._meta.db_table, covered.hashed_fields(model)
    recorded = latest_hashes(key)
    seen = set()
    rows = model._base_manager.order_by("pk").values_list("pk", *fields)
    for values in rows.iterator(chunk_size=2000):
        report.rows += 1
        record_id = str(values[0])
        seen.add(record_id)
        state = {name: canonical.to_primitive(value) for name, value in zip(fields, values[1:], strict=True)}
        _covered_problem(report, key, table, record_id, state, recorded.get(record_id))
    for record_id in sorted(set(recorded) - seen):
        if recorded[record_id] != covered.DELETED:
            report.problems.append(
                f"{key} {record_id} (table {table}, id {record_id}) was deleted outside the application "
                "(the trail says it exists)"
            )


def _covered_problem(report: VerifyReport, key: str, table: str, record_id: str, state: dict, expected) -> None:
    where = f"{key} {record_id} (table {table}, id {record_id})"
    if expected is None:
        report.problems.append(f"{where} has no audit event: inserted outside the application")
    elif expected == covered.DELETED:
        report.problems.append(f"{where} exists although the trail records its deletion")
    elif covered.hash_of_state(key, state) != expected:
        report.problems.append(
            f"{where} was altered outside the application: {_differences(key, record_id, expected, state)}"
        )


def _finish_covered(report: VerifyReport, model, key: str, check: fast.RowCheck | None) -> None:
    """The exact code's verdict on one covered table, looking again only at what the fast check could
    not vouch for."""
    if check is None:
        _verify_covered_exactly(report, model, key)
        return
    table, fields = model._meta.db_table, covered.hashed_fields(model)
    report.rows += check.rows
    expected_of = dict(check.suspects)
    rows = model._base_manager.filter(pk__in=list(expected_of)).order_by("pk").values_list("pk", *fields)
    for values in rows.iterator(chunk_size=2000) if expected_of else ():
        state = {name: canonical.to_primitive(value) for name, value in zip(fields, values[1:], strict=True)}
        _covered_problem(report, key, table, str(values[0]), state, expected_of[values[0]])
    for record_id, expected in sorted(check.orphans):
        if expected is not None and expected != covered.DELETED:
            report.problems.append(
                f"{key} {record_id} (table {table}, id {record_id}) was deleted outside the application "
                "(the trail says it exists)"
            )


def verify_covered_rows(report: VerifyReport, *, workers: int | None = None) -> None:
    """Every covered row must hash to its latest row event; see the module docstring."""
    plans = _covered_plans()
    _none, checks = _check_tables(plans, fast.workers_for(fast.chain_bounds().count, workers))
    for plan, check in zip(plans, checks, strict=True):
        _finish_table(report, plan, check)


def verify_attachment_files(report: VerifyReport) -> None:
    """Each attachment's stored bytes must hash to the SHA-256 its row (vouched for above) holds."""
    from django.core.files.storage import default_storage

    try:
        model = apps.get_model("files", "Attachment")
    except LookupError:
        return
    table = model._meta.db_table
    for pk, stored_name, sha256 in model._base_manager.order_by("pk").values_list("pk", "stored_name", "sha256"):
        report.files += 1
        digest = hashlib.sha256()
        try:
            with default_storage.open(stored_name, "rb") as handle:
                for chunk in iter(lambda handle=handle: handle.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError:
            report.problems.append(f"files.attachment {pk} (table {table}, id {pk}): its file {stored_name} is missing")
            continue
        if digest.hexdigest() != sha256:
            report.problems.append(
                f"files.attachment {pk} (table {table}, id {pk}): its file {stored_name} was altered "
                f"(sha256 {digest.hexdigest()[:16]}…, the record says {sha256[:16]}…)"
            )


# --- Checkpoints ------------------------------------------------------------------------------------


def write_checkpoint(path: str | Path) -> dict:
    return checkpoints.write(path)


def verify_checkpoint(report: VerifyReport, path: Path) -> None:
    """The trail must still contain the head the checkpoint saw. ValueError if it cannot be read."""
    report.checkpoint = path
    try:
        payload = checkpoints.read(path)
    except PermissionError as exc:
        report.problems.append(str(exc))
        return
    reason = checkpoints.problem(payload, path.name, report.head_sequence)
    if reason:
        report.problems.append(reason)


def verify(
    checkpoint_file: str | Path | None = None,
    *,
    use_checkpoint: bool = True,
    check_files: bool = True,
    workers: int | None = None,
) -> VerifyReport:
    """Everything in the module docstring. Without `checkpoint_file`, the newest checkpoint in
    settings.CHECKPOINT_DIR is used unless `use_checkpoint` is False. `workers`: threads for the fast
    checks (default: one per core on a large trail; always one inside a transaction)."""
    report = VerifyReport()
    bounds = fast.chain_bounds()
    threads = fast.workers_for(bounds.count, workers)
    chain_tasks = _chain_tasks(bounds, threads)
    plans = _record_plans() + _covered_plans()
    segments, checks = _check_tables(plans, threads, chain_tasks)
    _finish_chain(report, bounds, segments if chain_tasks or not bounds.count else None)
    for plan, check in zip(plans, checks, strict=True):
        _finish_table(report, plan, check)
    if check_files:
        verify_attachment_files(report)
    if checkpoint_file is None and use_checkpoint:
        checkpoint_file = checkpoints.newest()
        if checkpoint_file is None:
            report.warnings.append(
                f"no checkpoint in {checkpoints.directory()}: events removed from the end of the trail, or a "
                "trail rewritten and rehashed as a whole, cannot be detected (run `qualitas serve` or "
                "`qualitas worker`, or `qualitas audit checkpoint`, to write one)"
            )
    if checkpoint_file is not None:
        verify_checkpoint(report, Path(checkpoint_file))
    return report
