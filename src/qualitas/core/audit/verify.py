"""Recomputing the chain and every regulated record's content hash (`qualitas audit verify`)."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.utils import timezone

from qualitas.core.audit import canonical
from qualitas.core.audit.models import AuditEvent, AuditHead
from qualitas.core.audit.services import CHAIN_FIELDS
from qualitas.core.regulated import RegulatedModel, content_hash_of

BATCH = 20_000


@dataclass
class VerifyReport:
    events: int = 0
    records: int = 0
    problems: list[str] = field(default_factory=list)
    head_sequence: int = 0
    head_hash: str = canonical.GENESIS

    @property
    def ok(self) -> bool:
        return not self.problems


def _line_sql(vendor: str) -> str:
    """SQL that builds each event's canonical line (services.chain_line) inside the database, so
    verification only hashes strings: a million events in a few seconds."""
    if vendor == "postgresql":
        time_text = "to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        sep = "E'\\x1f'"
    else:
        # Django stores naive UTC text and drops ".000000" when the microseconds are zero.
        time_text = "CASE WHEN length(occurred_at) = 19 THEN occurred_at || '.000000' ELSE occurred_at END"
        sep = "char(31)"
    parts = []
    for name in CHAIN_FIELDS:
        if name == "occurred_at":
            parts.append(time_text)
        elif vendor == "postgresql":
            parts.append(f"COALESCE(CAST({name} AS text), '')")
        else:
            parts.append(f"COALESCE({name}, '')")
    return f" || {sep} || ".join(parts)


def verify_chain(report: VerifyReport) -> None:
    """Recompute every event's hash from its fields and check that each links to the one before."""
    if connection.vendor == "postgresql":
        _verify_chain_in_database(report)
    else:
        _verify_chain_streaming(report)
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.sequence, head.hash) != (report.head_sequence, report.head_hash):
        report.problems.append(
            f"the chain ends at #{report.head_sequence} but the head says #{head.sequence}: events were removed"
        )


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


def verify_records(report: VerifyReport) -> None:
    """Every regulated record's current state must hash to what its latest event recorded."""
    from django.db.models import Max

    for model in regulated_models():
        key = f"{model._meta.app_label}.{model._meta.model_name}"
        latest_sequences = (
            AuditEvent.objects.filter(record_type=key)
            .exclude(content_hash="")
            .values("record_id")
            .annotate(last=Max("sequence"))
            .values_list("last", flat=True)
        )
        recorded = dict(
            AuditEvent.objects.filter(sequence__in=list(latest_sequences)).values_list("record_id", "content_hash")
        )
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


def verify(checkpoint_file: str | Path | None = None) -> VerifyReport:
    report = VerifyReport()
    verify_chain(report)
    verify_records(report)
    if checkpoint_file is not None:
        verify_checkpoint(report, Path(checkpoint_file))
    return report


# --- Checkpoints ------------------------------------------------------------------------------------


def _checkpoint_mac(payload: dict) -> str:
    key = hashlib.sha256(("qualitas-audit-checkpoint:" + settings.SECRET_KEY).encode()).digest()
    return hmac.new(key, canonical.dumps(payload).encode(), hashlib.sha256).hexdigest()


def write_checkpoint(path: str | Path) -> dict:
    head = AuditHead.objects.filter(pk=1).first()
    payload = {
        "sequence": head.sequence if head else 0,
        "hash": head.hash if head else canonical.GENESIS,
        "written_at": timezone.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    document = {**payload, "hmac": _checkpoint_mac(payload)}
    Path(path).write_text(json.dumps(document, indent=2) + "\n")
    return document


def verify_checkpoint(report: VerifyReport, path: Path) -> None:
    try:
        document = json.loads(path.read_text())
        payload = {key: document[key] for key in ("sequence", "hash", "written_at")}
        mac = document["hmac"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"cannot read checkpoint {path}: {exc}") from exc
    if not hmac.compare_digest(mac, _checkpoint_mac(payload)):
        report.problems.append(f"checkpoint {path.name} is not authentic (HMAC mismatch)")
        return
    sequence = int(payload["sequence"])
    if report.head_sequence < sequence:
        report.problems.append(
            f"the trail ends at #{report.head_sequence} but checkpoint {path.name} saw #{sequence}: events were removed"
        )
        return
    stored = AuditEvent.objects.filter(sequence=sequence).values_list("hash", flat=True).first() if sequence else None
    if sequence and stored != payload["hash"]:
        report.problems.append(
            f"event #{sequence} differs from checkpoint {path.name}: "
            f"the trail was rewritten since {payload['written_at']}"
        )
