"""The fast paths of `qualitas audit verify` (qualitas.core.audit.verify).

Each part of the trail is first checked in bulk, the database doing most of the work:

- the chain, in segments of the sequence: on SQLite the database builds each event's hashed text and
  hands over a whole chunk of events as a few strings (Python splits them, hashes every text and
  compares the chunk's hashes and links as whole strings); on PostgreSQL sha256() and the link to the
  previous event are computed in the server. The answer is only "intact" or "not": a trail that is
  not intact is then walked again by the exact code in verify.py, which names every problem, so the
  messages do not depend on the path that found them.
- regulated records and covered rows, per table: the database renders each row's canonical text
  (canonical.dumps of the state the exact code hashes) next to the content hash of the row's latest
  hashed event, and hashes it (PostgreSQL) or Python does (SQLite). Only a row whose hash does not
  match, and a record id in the trail without a row, is looked at again with the exact code.

What keeps a fast path from missing a change: each value is rendered exactly as canonical.dumps would
render it, or, where the database cannot do that for sure (a float that 15 digits do not give back, a
text that is not a datetime Django wrote, an unexpected type), as a text no canonical rendering
contains (a raw control character), so that the row's hash cannot match and the exact code decides.
A model with a field type not rendered here (JSON, and decimals on SQLite) is checked by the exact
code alone.

On a large trail, outside a transaction, the parts run in threads with a connection each (SQLite
releases the interpreter while it steps through rows, PostgreSQL works in one server process per
connection), so verification uses the machine's cores. The threads share one queue: each chain
segment and each large table splits itself into parts (ranges of sequence, id or primary key) that
idle threads take, so that they finish together rather than one of them checking the largest table
while the others wait (`run_all`, `in_parallel`). Processes would not help: the interpreter's part
(hashing SQLite's texts) is a fifth of the work, the rest runs in C without it. A thread's own
connection reads SQLite's file through mmap and runs PostgreSQL's queries without JIT compilation.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, connections

from qualitas.core.audit import canonical
from qualitas.core.audit.models import AuditEvent
from qualitas.core.audit.services import CHAIN_FIELDS

# Chain events per query (SQLite): a few MB of text per round trip.
CHUNK = 10_000
# From this many events on, verification runs in parallel by default (outside a transaction).
PARALLEL_FROM = 100_000
MAX_WORKERS = 8
# Parts per thread of a large table, and of each chain segment (two per thread): small enough for the
# threads to finish together.
SEGMENTS_PER_WORKER = 4
SUB_SEGMENTS = 2
# A table of more rows than this is compared in parts (ranges of its primary key), run by all threads.
SPLIT_ROWS = 20_000
ROWS_PER_PART = 10_000
MMAP_BYTES = 1 << 30

INTEGER_TYPES = {
    "AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField",
    "PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField",
}
TEXT_TYPES = {"CharField", "TextField", "SlugField", "EmailField", "URLField"}


def table() -> str:
    return connection.ops.quote_name(AuditEvent._meta.db_table)


# --- Running the parts ----------------------------------------------------------------------------------


def workers_for(events: int, requested: int | None = None) -> int:
    """How many threads to verify with: `requested`, or by default one per core for a large trail. Always 1
    inside a transaction (other connections would not see its rows) and for an in-memory database."""
    if connection.in_atomic_block or (connection.vendor == "sqlite" and connection.is_in_memory_db()):
        return 1
    if requested is not None:
        return max(1, requested)
    if events < PARALLEL_FROM:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def run_all(tasks: list[Callable[[], object]], workers: int) -> list:
    """The tasks' results, in order. With several workers, each thread takes the next task from a
    shared queue; a task may split itself (`in_parallel`) into parts the idle threads take, and closes
    its own database connection when none is left."""
    if workers <= 1 or len(tasks) <= 1:
        return [task() for task in tasks]
    pool = _Pool(workers)
    return pool.run(tasks)


class _Pool:
    """Threads sharing one queue of tasks (first in, first out; the parts of a split task go first)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.queue: deque = deque()
        self.changed = threading.Condition()
        self.errors: list[BaseException] = []

    def run(self, tasks: list[Callable[[], object]]) -> list:
        batch = _Batch(len(tasks))
        self.queue.extend((batch, index, task) for index, task in enumerate(tasks))
        threads = [threading.Thread(target=self._work, args=(batch,), name=f"audit-verify-{n}")
                   for n in range(min(self.workers, len(tasks)))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if self.errors:
            raise self.errors[0]
        return batch.results

    def _work(self, batch: _Batch) -> None:
        _local.pool = self
        try:
            _tune_connection()
            self._help_until(batch)
        except BaseException as exc:  # noqa: BLE001 - raised again in the calling thread
            with self.changed:
                self.errors.append(exc)
                self.changed.notify_all()
        finally:
            _local.pool = None
            connections.close_all()  # this thread's connections only

    def _help_until(self, batch: _Batch) -> None:
        """Run queued tasks (anyone's) until every task of `batch` is done."""
        while True:
            with self.changed:
                while not self.queue and not batch.done and not self.errors:
                    self.changed.wait()
                if batch.done or self.errors:
                    return
                owner, index, task = self.queue.popleft()
            result = task()
            with self.changed:
                owner.results[index] = result
                owner.left -= 1
                self.changed.notify_all()

    def split(self, tasks: list[Callable[[], object]]) -> list:
        """Called from inside a task: queue its parts first, help until they are done, their results."""
        batch = _Batch(len(tasks))
        with self.changed:
            self.queue.extendleft((batch, index, task) for index, task in reversed(list(enumerate(tasks))))
            self.changed.notify_all()
        self._help_until(batch)
        if self.errors:
            raise RuntimeError("another part of the verification failed")
        return batch.results


class _Batch:
    def __init__(self, size: int):
        self.results: list = [None] * size
        self.left = size

    @property
    def done(self) -> bool:
        return self.left == 0


_local = threading.local()


def in_parallel(tasks: list[Callable[[], object]]) -> list:
    """The tasks' results, in order: run by the threads of the verification this is part of, if any,
    else one after the other."""
    pool = getattr(_local, "pool", None)
    if pool is None or len(tasks) <= 1:
        return [task() for task in tasks]
    return pool.split(tasks)


def _tune_connection() -> None:
    """A verification thread's own connection: on SQLite, the database file read through mmap (no copy
    of each page into SQLite's cache); on PostgreSQL, no JIT compilation (the verification's queries
    are large enough to trigger it, and spend more compiling than it saves)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
        elif connection.vendor == "postgresql":
            cursor.execute("SET jit = off")


# --- The chain ------------------------------------------------------------------------------------------


@dataclass
class ChainBounds:
    count: int
    first: int
    last: int
    first_id: int = 0
    last_id: int = 0


@dataclass
class Segment:
    """What the fast check of a part of the trail found: whether it is intact in itself, and what to
    check between parts (its first and last sequence numbers, its first previous hash, its last hash)."""

    ok: bool
    count: int = 0
    first_sequence: int = 0
    last_sequence: int = 0
    first_previous: str = ""
    last_hash: str = ""


def chain_bounds() -> ChainBounds:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MIN(sequence), MAX(sequence), MIN(id), MAX(id) FROM {table()}")  # noqa: S608
        count, first, last, first_id, last_id = cursor.fetchone()
    return ChainBounds(count or 0, first or 0, last or 0, first_id or 0, last_id or 0)


def segments(bounds: ChainBounds, parts: int) -> list[tuple[int, int]]:
    """Ranges that split the trail in `parts`: of ids on SQLite (the table's own order, which is the
    sequence's in an intact trail), of sequence numbers on PostgreSQL."""
    if not bounds.count:
        return []
    if connection.vendor == "postgresql":
        first, last = bounds.first, bounds.last
    else:
        first, last = bounds.first_id, bounds.last_id
    parts = max(1, min(parts, bounds.count // CHUNK or 1))
    size = -(-(last - first + 1) // parts)
    return [(lo, min(lo + size - 1, last)) for lo in range(first, last + 1, size)]


def line_sql(vendor: str) -> str:
    """SQL that builds each event's canonical line (services.chain_line) inside the database: the fields
    in CHAIN_FIELDS order joined by US, NULL as nothing, the time as UTC with microseconds."""
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


def _sqlite_message() -> tuple[str, str]:
    """The hashed text of each event (previous hash, RS, its line) in one printf(), twice as fast as
    line_sql's `||`, and the test that no value holds a NUL, where printf() would stop. (The sequence
    and the hashes are compared as they are stored, NULs included.)"""
    time_text = "CASE WHEN length(occurred_at) = 19 THEN occurred_at || '.000000' ELSE occurred_at END"
    arguments = ", ".join(time_text if name == "occurred_at" else name for name in CHAIN_FIELDS)
    layout = "%%s\x1e" + "\x1f".join(["%%s"] * len(CHAIN_FIELDS))  # %% for the driver's parameter style
    # OR, not +: instr() of a NULL is NULL, and 1 OR NULL is still 1.
    nul = " OR ".join(f"instr({name}, char(0))" for name in CHAIN_FIELDS if name != "sequence")
    return f"printf('{layout}', previous_hash, {arguments})", nul


def sqlite_segment(first_id: int, last_id: int) -> Segment:
    """The events with ids first_id..last_id in id order, CHUNK per query: their sequence numbers,
    stored hashes and previous hashes come back as one comma-separated string each, their hashed texts
    as one NUL-separated blob; Python hashes the texts and compares whole strings. (With as many
    values as rows, COUNT() of each column, a string equal to the computed one, whose items are 64 hex
    digits, holds exactly those items: a stored hash cannot be split across its neighbours.)"""
    message, nul = _sqlite_message()
    query = f"""
        SELECT group_concat(sequence, ','), group_concat(previous_hash, ','), group_concat(hash, ','),
               CAST(group_concat(message, char(0)) AS BLOB), COUNT(*), MAX(id), MIN(sequence), MAX(sequence),
               COUNT(sequence) + COUNT(previous_hash) + COUNT(hash), MAX(nul)
        FROM (SELECT id, sequence, previous_hash, hash, {message} AS message, {nul} AS nul
              FROM {table()} WHERE id > %s AND id <= %s ORDER BY id LIMIT {CHUNK})
    """  # noqa: S608 - fixed identifiers and SQL
    sha = hashlib.sha256
    hexdigest = type(sha()).hexdigest
    segment = Segment(ok=False)
    previous, after = None, first_id - 1
    with connection.cursor() as cursor:
        while True:
            cursor.execute(query, [after, last_id])
            sequences, previous_hashes, hashes, blob, count, after, lo, hi, values, odd = cursor.fetchone()
            if not count:
                break
            expected = segment.last_sequence + 1 if segment.count else lo
            if odd or values != 3 * count or lo != expected or hi != lo + count - 1 or (
                sequences != ",".join(map(str, range(lo, hi + 1)))
            ):
                return segment
            messages = blob.split(b"\x00")
            if len(messages) != count or ",".join(map(hexdigest, map(sha, messages))) != hashes:
                return segment
            # hashes is now count items of 64 hex digits: each previous hash is the hash before it.
            if previous_hashes[64:] != ("," + hashes[:-65] if count > 1 else ""):
                return segment
            if previous is None:
                segment.first_sequence, segment.first_previous = lo, previous_hashes[:64]
            elif previous_hashes[:64] != previous:
                return segment
            previous = hashes[-64:]
            segment.count += count
            segment.last_sequence = hi
    segment.ok, segment.last_hash = True, previous or ""
    return segment


def message_sql(vendor: str) -> str:
    """The hashed text of each event: its previous hash, RS, its line."""
    if vendor == "postgresql":
        return f"previous_hash || E'\\x1e' || {line_sql(vendor)}"
    return f"previous_hash || char(30) || {line_sql(vendor)}"


def postgres_segment(first: int, last: int) -> Segment:
    """Events first..last in one pass of the server: each hash recomputed with sha256(), each event's
    previous hash and sequence compared with the event before it (the one before `first` included)."""
    message = message_sql("postgresql")
    # Each event's hash is compared below the window (OFFSET 0 keeps it there), so that the window
    # keeps only the narrow rows it links, not every event's whole row.
    query = f"""
        SELECT COUNT(*) FROM (
            SELECT sequence, altered,
                   previous_hash IS DISTINCT FROM COALESCE(LAG(hash) OVER w, %s) AS unlinked,
                   sequence - COALESCE(LAG(sequence) OVER w, %s) AS step
            FROM (SELECT sequence, previous_hash, hash,
                         encode(sha256(convert_to({message}, 'UTF8')), 'hex') IS DISTINCT FROM hash AS altered
                  FROM {table()} WHERE sequence BETWEEN %s AND %s OFFSET 0) AS events
            WINDOW w AS (ORDER BY sequence)
        ) AS checked WHERE sequence >= %s AND (altered OR unlinked OR step <> 1)
    """  # noqa: S608 - fixed identifiers and SQL
    # The first segment starts from the genesis; any other one from the event before it, which must exist.
    before, default_hash, default_sequence = (
        (first, canonical.GENESIS, 0) if first == 1 else (first - 1, "", -1)
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [default_hash, default_sequence, before, last, first])
        (bad,) = cursor.fetchone()
        cursor.execute(f"SELECT COUNT(*) FROM {table()} WHERE sequence BETWEEN %s AND %s", [first, last])  # noqa: S608
        (count,) = cursor.fetchone()
    # The links across segments are part of each segment's own check here.
    return Segment(ok=not bad and count == last - first + 1, count=count, first_sequence=first, last_sequence=last)


def segment_task(first: int, last: int) -> Callable[[], Segment]:
    """The check of one segment: in parts (`split_segment`) when threads are there to share them."""
    return lambda: split_segment(first, last)


def split_segment(first: int, last: int) -> Segment:
    """The segment first..last checked in SUB_SEGMENTS parts run by the verification's threads (the
    threads then finish together), and their results joined as one segment's."""
    check = postgres_segment if connection.vendor == "postgresql" else sqlite_segment
    pool = getattr(_local, "pool", None)
    size = -(-(last - first + 1) // SUB_SEGMENTS)
    if pool is None or last - first + 1 < 2 * CHUNK or size < 1:
        return check(first, last)
    parts = in_parallel([lambda lo=lo: check(lo, min(lo + size - 1, last)) for lo in range(first, last + 1, size)])
    return join_segments(parts)


def join_segments(parts: list[Segment]) -> Segment:
    """Consecutive segments as one: intact if each is and each non-empty one continues the one before
    (its first event follows the other's last and links to its hash; PostgreSQL's segments check that
    link in the database)."""
    if not all(part.ok for part in parts):
        return Segment(ok=False)
    used = [part for part in parts if part.count] if connection.vendor != "postgresql" else parts
    for earlier, later in zip(used, used[1:], strict=False):
        if later.first_sequence != earlier.last_sequence + 1:
            return Segment(ok=False)
        if connection.vendor != "postgresql" and later.first_previous != earlier.last_hash:
            return Segment(ok=False)
    if not used:
        return Segment(ok=True)
    return Segment(ok=True, count=sum(part.count for part in used), first_sequence=used[0].first_sequence,
                   last_sequence=used[-1].last_sequence, first_previous=used[0].first_previous,
                   last_hash=used[-1].last_hash)


def chain_intact(bounds: ChainBounds, results: list[Segment]) -> bool:
    """Whether the segments' fast checks add up to an intact chain 1..last."""
    if bounds.count != bounds.last or (bounds.count and bounds.first != 1):
        return False
    if not all(segment.ok for segment in results):
        return False
    if connection.vendor == "postgresql":
        return True
    parts = [segment for segment in results if segment.count]
    if sum(segment.count for segment in parts) != bounds.count:
        return False
    if parts and (parts[0].first_sequence != 1 or parts[0].first_previous != canonical.GENESIS):
        return False
    return all(
        later.first_sequence == earlier.last_sequence + 1 and later.first_previous == earlier.last_hash
        for earlier, later in zip(parts, parts[1:], strict=False)
    )


def head_hash(sequence: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT hash FROM {table()} WHERE sequence = %s", [sequence])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else canonical.GENESIS


# --- Rows: canonical text in SQL ---------------------------------------------------------------------------

NOT_CANONICAL = {"sqlite": "char(1)", "postgresql": "chr(1)"}

SQLITE_DATE = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
SQLITE_DATETIME = f"{SQLITE_DATE} [0-9][0-9]:[0-9][0-9]:[0-9][0-9]"
SQLITE_MICROSECONDS = ".[0-9][0-9][0-9][0-9][0-9][0-9]"


def _internal_type(model_field) -> str:
    if model_field.is_relation:
        return model_field.target_field.get_internal_type()
    return model_field.get_internal_type()


def _sqlite_value(kind: str, column: str) -> str | None:
    no = NOT_CANONICAL["sqlite"]
    if kind in INTEGER_TYPES:
        return f"CASE WHEN typeof({column}) IN ('integer', 'null') THEN json_quote({column}) ELSE {no} END"
    if kind in TEXT_TYPES:
        return f"CASE WHEN typeof({column}) IN ('text', 'null') THEN json_quote({column}) ELSE {no} END"
    if kind == "BooleanField":
        return (f"CASE WHEN {column} IS NULL THEN 'null' WHEN typeof({column}) <> 'integer' THEN {no} "
                f"WHEN {column} = 1 THEN 'true' WHEN {column} = 0 THEN 'false' ELSE {no} END")
    if kind == "DateTimeField":
        # Django writes naive UTC text, without ".ffffff" when the microseconds are 0; canonical is
        # "YYYY-MM-DDTHH:MM:SS.ffffffZ".
        # (GLOB and substr() stop at a NUL, hence instr().)
        return (f"CASE WHEN {column} IS NULL THEN 'null' WHEN typeof({column}) <> 'text' THEN {no} "
                f"WHEN instr({column}, char(0)) THEN {no} WHEN {column} GLOB '{SQLITE_DATETIME}{SQLITE_MICROSECONDS}' "
                f"THEN '\"' || substr({column}, 1, 10) || 'T' || substr({column}, 12) || 'Z\"' "
                f"WHEN {column} GLOB '{SQLITE_DATETIME}' "
                f"THEN '\"' || substr({column}, 1, 10) || 'T' || substr({column}, 12) || '.000000Z\"' ELSE {no} END")
    if kind == "DateField":
        return (f"CASE WHEN {column} IS NULL THEN 'null' WHEN typeof({column}) = 'text' AND "
                f"instr({column}, char(0)) = 0 AND {column} GLOB '{SQLITE_DATE}' "
                f"THEN '\"' || {column} || '\"' ELSE {no} END")
    return None


def _postgres_value(kind: str, column: str) -> str | None:
    no = NOT_CANONICAL["postgresql"]
    if kind in INTEGER_TYPES:
        return f"COALESCE(CAST({column} AS text), 'null')"
    if kind in TEXT_TYPES:
        # to_json escapes as json.dumps(ensure_ascii=False) does: \", \\, \b \f \n \r \t, \u00xx.
        return f"COALESCE(CAST(to_json({column}) AS text), 'null')"
    if kind == "BooleanField":
        return f"CASE WHEN {column} IS NULL THEN 'null' WHEN {column} THEN 'true' ELSE 'false' END"
    if kind == "DateTimeField":
        return (f"CASE WHEN {column} IS NULL THEN 'null' ELSE "
                f"'\"' || to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || '\"' END")
    if kind == "DateField":
        return f"CASE WHEN {column} IS NULL THEN 'null' ELSE '\"' || to_char({column}, 'YYYY-MM-DD') || '\"' END"
    if kind == "DecimalField":
        # canonical: format(value.normalize(), "f"), the digits without trailing zeros.
        return f"CASE WHEN {column} IS NULL THEN 'null' ELSE '\"' || CAST(trim_scale({column}) AS text) || '\"' END"
    if kind == "FloatField":
        # The server's shortest text that reads back as the same number (checked) is repr's digits;
        # repr adds ".0" to whole numbers and is positional within [1e-4, 1e16).
        text = f"CAST({column} AS text)"
        return (f"CASE WHEN {column} IS NULL THEN 'null' "
                f"WHEN CAST({text} AS double precision) = {column} "
                f"AND (abs({column}) >= 1e-4 OR {column} = 0) AND abs({column}) < 1e15 "
                f"THEN '\"' || CASE WHEN {column} = trunc({column}) THEN {text} || '.0' ELSE {text} END || '\"' "
                f"ELSE {no} END")
    return None


@dataclass(frozen=True)
class InPython:
    """A column the database hands over as it is stored, rendered by Python as the exact code renders
    it: through Django's converters for the field, then canonical.to_primitive and canonical.dumps."""

    column: str
    render: Callable[[object], str]


def _python_renderer(model_field) -> Callable[[object], str]:
    from django.db.models.expressions import Col

    expression = Col(model_field.model._meta.db_table, model_field)
    converters = connection.ops.get_db_converters(expression) + model_field.get_db_converters(connection)

    def render(value) -> str:
        for converter in converters:
            value = converter(value, expression, connection)
        if type(value) is float:
            return f'"{value!r}"'  # repr() never needs escaping
        return canonical.dumps(canonical.to_primitive(value))

    return render


def value_sql(model, name: str, alias: str = "r") -> str | InPython | None:
    """SQL for canonical.dumps(canonical.to_primitive(value)) of the field with attribute name `name`;
    for a type the database does not render for sure (floats on SQLite, decimals on SQLite, JSON …),
    the column for Python to render. None: no such field."""
    model_field = next((f for f in model._meta.concrete_fields if f.attname == name), None)
    if model_field is None:
        return None
    column = f"{alias}.{connection.ops.quote_name(model_field.column)}"
    render = _postgres_value if connection.vendor == "postgresql" else _sqlite_value
    return render(_internal_type(model_field), column) or InPython(column, _python_renderer(model_field))


@dataclass
class Text:
    """A row's canonical text as pieces: SQL expressions, and columns rendered in Python."""

    parts: list = field(default_factory=list)

    def add(self, piece) -> None:
        if isinstance(piece, str) and self.parts and isinstance(self.parts[-1], str):
            self.parts[-1] = f"{self.parts[-1]} || {piece}"
        else:
            self.parts.append(piece)

    @property
    def in_sql(self) -> bool:
        return all(isinstance(part, str) for part in self.parts)

    @property
    def sql(self) -> str:
        return " || ".join(self.parts)


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _state(text: Text, model, names) -> bool:
    for index, name in enumerate(sorted(names)):
        value = value_sql(model, name)
        if value is None:
            return False
        text.add(literal(("{" if index == 0 else ",") + canonical.dumps(name) + ":"))
        text.add(value)
    text.add(literal("}" if names else "{}"))
    return True


def regulated_text(model, names: list[str]) -> Text | None:
    """canonical.dumps({"version": …, "state": snapshot}), what regulated.content_hash_of hashes."""
    text = Text()
    text.add(literal('{"state":'))
    if not _state(text, model, names):
        return None
    version = value_sql(model, "version")
    if version is None:
        return None
    text.add(literal(',"version":'))
    text.add(version)
    text.add(literal("}"))
    return text


def covered_text(model, key: str, names: list[str]) -> Text | None:
    """canonical.dumps({"row": key, "state": state}), what covered.hash_of_state hashes."""
    text = Text()
    text.add(literal('{"row":' + canonical.dumps(key) + ',"state":'))
    if not _state(text, model, names):
        return None
    text.add(literal("}"))
    return text


@dataclass
class RowCheck:
    """A table compared with the trail: how many rows, the rows whose hash did not match their latest
    hashed event (pk, that event's content hash or None), and the record ids in the trail without a row
    (record id, content hash of its latest hashed event or None)."""

    rows: int = 0
    suspects: list[tuple[object, str | None]] = field(default_factory=list)
    orphans: list[tuple[str, str | None]] = field(default_factory=list)


def _latest_hash_sql(key_param: str, record_id_sql: str) -> str:
    return (
        f"(SELECT e.content_hash FROM {table()} e WHERE e.record_type = {key_param} AND "  # noqa: S608
        f"e.record_id = {record_id_sql} AND e.content_hash <> '' ORDER BY e.sequence DESC LIMIT 1)"
    )


def check_rows(model, key: str, text: Text) -> RowCheck:
    """Every row of `model` against the latest hashed event of its record id (record type `key`). A
    large table with an integer key is compared in ranges of it, run by the verification's threads."""
    ranges = _row_ranges(model)
    tasks = [lambda bounds=bounds: _check_range(model, key, text, bounds) for bounds in ranges]
    tasks.append(lambda: _orphans_of(model, key))
    *parts, orphans = in_parallel(tasks)
    check = RowCheck(orphans=orphans)
    for part in parts:  # in key order, as one pass in key order would list them
        check.rows += part.rows
        check.suspects += part.suspects
    return check


def _row_ranges(model) -> list[tuple[int | None, int | None]]:
    """Ranges of the primary key (the first open below, the last open above, so that a row is in
    exactly one whatever was written meanwhile): one, unless the table is large, its key an integer and
    threads are there to share the parts."""
    pool = getattr(_local, "pool", None)
    if pool is None or _internal_type(model._meta.pk) not in INTEGER_TYPES:
        return [(None, None)]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        pk = quote(model._meta.pk.column)
        cursor.execute(f"SELECT COUNT(*), MIN({pk}), MAX({pk}) FROM {quote(model._meta.db_table)}")  # noqa: S608
        count, low, high = cursor.fetchone()
    if not count or count <= SPLIT_ROWS:
        return [(None, None)]
    parts = max(1, min(count // ROWS_PER_PART, pool.workers * SEGMENTS_PER_WORKER))
    size = -(-(high - low + 1) // parts)
    starts = list(range(low, high + 1, size))
    return [(None if index == 0 else start, None if index == len(starts) - 1 else start + size - 1)
            for index, start in enumerate(starts)]


def _range_sql(pk: str, bounds: tuple[int | None, int | None]) -> tuple[str, list]:
    low, high = bounds
    conditions, params = [], []
    if low is not None:
        conditions.append(f"r.{pk} >= %s")
        params.append(low)
    if high is not None:
        conditions.append(f"r.{pk} <= %s")
        params.append(high)
    return (" AND ".join(conditions) or "1 = 1"), params


def _check_range(model, key: str, text: Text, bounds: tuple[int | None, int | None]) -> RowCheck:
    quote = connection.ops.quote_name
    db_table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    where, params = _range_sql(pk, bounds)
    check = RowCheck()
    record_id = f"CAST(r.{pk} AS text)"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and text.in_sql:
            # OFFSET 0 keeps the latest hash a column of the subquery: pulled up into the WHERE, it
            # would be looked up once for each of its uses.
            cursor.execute(
                f"""SELECT checked_pk, latest_hash FROM (
                        SELECT r.{pk} AS checked_pk, {_latest_hash_sql("%s", record_id)} AS latest_hash,
                               encode(sha256(convert_to({text.sql}, 'UTF8')), 'hex') AS row_hash
                        FROM {db_table} r WHERE {where} OFFSET 0) AS checked
                    WHERE latest_hash IS NULL OR row_hash <> latest_hash ORDER BY checked_pk""",  # noqa: S608
                [key, *params],
            )
            check.suspects = list(cursor.fetchall())
            cursor.execute(f"SELECT COUNT(*) FROM {db_table} r WHERE {where}", params)  # noqa: S608
            (check.rows,) = cursor.fetchone()
        else:
            _check_rows_in_python(cursor, check, text, db_table, pk, record_id, key, where, params)
    return check


def _check_rows_in_python(cursor, check: RowCheck, text: Text, db_table: str, pk: str, record_id: str, key: str,
                          where: str = "1 = 1", params: list | None = None):
    """The database renders the texts (all of it, or all but some columns); Python hashes them."""
    sha = hashlib.sha256
    hexdigest = type(sha()).hexdigest
    if text.in_sql:
        as_bytes = "convert_to({}, 'UTF8')" if connection.vendor == "postgresql" else "CAST({} AS BLOB)"
        columns = as_bytes.format(text.sql)
    else:
        columns = ", ".join(part if isinstance(part, str) else part.column for part in text.parts)
    latest = _latest_hash_sql("%s", record_id)
    cursor.execute(f"SELECT r.{pk}, {latest}, {columns} FROM {db_table} r WHERE {where} ORDER BY r.{pk}",  # noqa: S608
                   [key, *(params or [])])
    renderers = [None if isinstance(part, str) else part.render for part in text.parts]

    def message(values) -> bytes:
        pieces = (value if render is None else render(value) for render, value in zip(renderers, values, strict=True))
        return "".join(pieces).encode()

    while rows := cursor.fetchmany(CHUNK):
        check.rows += len(rows)
        messages = [bytes(row[2]) for row in rows] if text.in_sql else [message(row[2:]) for row in rows]
        digests = list(map(hexdigest, map(sha, messages)))
        recorded = [row[1] for row in rows]
        if digests != recorded:
            check.suspects += [
                (row[0], expected)
                for row, digest, expected in zip(rows, digests, recorded, strict=True)
                if expected is None or digest != expected
            ]


def rendered_texts(model, text: Text) -> dict:
    """pk -> each row's canonical text as the fast check builds it (to compare with the exact code's)."""
    quote = connection.ops.quote_name
    columns = ", ".join(part if isinstance(part, str) else part.column for part in text.parts)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT r.{quote(model._meta.pk.column)}, {columns} FROM {quote(model._meta.db_table)} r", [])  # noqa: S608
        rows = cursor.fetchall()
    parts = text.parts
    return {
        row[0]: "".join(value if isinstance(part, str) else part.render(value)
                        for part, value in zip(parts, row[1:], strict=True))
        for row in rows
    }


def _orphans_of(model, key: str) -> list[tuple[str, str | None]]:
    with connection.cursor() as cursor:
        return _orphans(cursor, model, key)


def _orphans(cursor, model, key: str) -> list[tuple[str, str | None]]:
    """Record ids of type `key` in the trail that no row of `model` has, with their latest content hash."""
    quote = connection.ops.quote_name
    db_table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    if connection.vendor == "postgresql":
        same_row = f"CAST(r.{pk} AS text) = ids.record_id"
    elif _internal_type(model._meta.pk) in INTEGER_TYPES:
        # Through the primary key's index, then the text must be the id as written ("7", not "07").
        same_row = f"r.{pk} = CAST(ids.record_id AS INTEGER) AND CAST(r.{pk} AS TEXT) = ids.record_id"
    else:
        same_row = f"r.{pk} = ids.record_id"
    latest = _latest_hash_sql("%s", "ids.record_id")
    cursor.execute(
        f"""SELECT ids.record_id, {latest} FROM (SELECT DISTINCT record_id FROM {table()} WHERE record_type = %s) ids
            WHERE NOT EXISTS (SELECT 1 FROM {db_table} r WHERE {same_row}) ORDER BY ids.record_id""",  # noqa: S608
        [key, key],
    )
    return list(cursor.fetchall())
