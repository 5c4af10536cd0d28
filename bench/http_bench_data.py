"""The scale data set of bench/http_bench.py, and the per-run preparation (an API token, the paths to ask for).

    python bench/http_bench_data.py build --documents 100000 --nonconformities 20000 --events 1000000
    python bench/http_bench_data.py prepare

Both run with QUALITAS_DATA_DIR (and QUALITAS_DATABASE_URL for PostgreSQL) set by http_bench.py, which
imports nothing of Django itself. `build` migrates, loads the demo organisation and adds, in bulk:

- documents with one effective Markdown revision each (300 words from the 5,000-word vocabulary of
  bench/documents_bench.py) and their search entries, as the document importer would leave them;
- nonconformities (numbered through the numbering counter, mostly closed) and CAPAs (one per ten);
- one `create` audit event per record with its content hash (so `qualitas audit verify` finds every
  record vouched for), then sign-ins and record exports up to the number of events asked for, all in
  one valid hash chain, and the chain's head.

Bulk rows are written as the system account (events with source "import"); the filler events are the
demo people's sign-ins and exports. Nothing here is a way to write records in the application: it
bypasses the services on purpose, to build a large database in a minute instead of an hour.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASET_VERSION = "1"
VOCABULARY = [f"w{n:04d}{chr(97 + n % 26)}" for n in range(5000)]  # as bench/documents_bench.py
BATCH = 5000


class Words:
    """Uniformly drawn words, cheaply: slices of one long random stream at random offsets."""

    def __init__(self, rng: random.Random, size: int = 1 << 21) -> None:
        self.rng = rng
        self.stream = rng.choices(VOCABULARY, k=size)

    def __call__(self, count: int) -> str:
        start = self.rng.randrange(len(self.stream) - count)
        return " ".join(self.stream[start:start + count])


EVENT_BATCH = 20_000
CATEGORIES = ["Dimensional", "Surface finish", "Assembly", "Labelling", "Material", "Documentation", "Packaging",
              "Supplier", "Calibration", "Cleanliness"]
PRODUCTS = ["Hydraulic valve body HV-200", "Pump housing PH-40", "Bracket B-17", "Shaft S-330", "Flange F-90"]


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qualitas.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


class Chain:
    """Appends events to the audit trail in bulk, with the hashes `record()` would compute."""

    COLUMNS = ("sequence", "occurred_at", "actor_id", "actor_name", "source", "token_id", "client_address", "action",
               "event", "record_type", "record_id", "record_version", "record_label", "changes", "reason",
               "content_hash", "previous_hash", "hash")

    def __init__(self) -> None:
        from django.db import connection

        from qualitas.core.audit import canonical
        from qualitas.core.audit.models import AuditEvent, AuditHead
        from qualitas.core.audit.services import CHAIN_FIELDS

        fields = {field.attname for field in AuditEvent._meta.concrete_fields if not field.primary_key}
        if fields != set(self.COLUMNS) or set(CHAIN_FIELDS) - fields:
            raise RuntimeError(f"audit event columns changed ({sorted(fields ^ set(self.COLUMNS))}): update Chain")
        head = AuditHead.objects.filter(pk=1).first()
        self.sequence, self.previous = (head.sequence, head.hash) if head else (0, canonical.GENESIS)
        last = AuditEvent.objects.order_by("-sequence").values_list("occurred_at", flat=True).first()
        now = dt.datetime.now(dt.UTC)
        self.clock = max(now, last) if last else now
        self.table = AuditEvent._meta.db_table
        self.vendor = connection.vendor
        self.rows: list[tuple] = []
        self.declared: set[str] = set()
        self.labels: dict[type, dict[str, str]] = {}
        self.count = 0

    def add(self, *, actor, action: str, event: str, record_type: str, record_id, record_label: str,
            record_version=None, changes: str = "", content_hash: str = "", source: str = "import",
            client_address: str = "") -> None:
        from qualitas.core.audit import events
        from qualitas.core.audit.services import chain_hash

        if event not in self.declared:
            if not events.is_declared(event):
                raise RuntimeError(f"audit event {event!r} is not declared by any module")
            self.declared.add(event)
        self.sequence += 1
        self.clock += dt.timedelta(microseconds=1)
        values = {
            "sequence": self.sequence, "occurred_at": self.clock, "actor_id": actor.pk,
            "actor_name": actor.display_name[:300], "source": source, "token_id": None,
            "client_address": client_address, "action": action, "event": event, "record_type": record_type,
            "record_id": str(record_id), "record_version": record_version, "record_label": record_label[:300],
            "changes": changes, "reason": "", "content_hash": content_hash,
        }
        digest = chain_hash(self.previous, values)
        if self.vendor == "sqlite":  # the text Django stores: naive UTC, no ".000000"
            values["occurred_at"] = str(self.clock.replace(tzinfo=None))
        values["previous_hash"], values["hash"] = self.previous, digest
        self.rows.append(tuple(values[name] for name in self.COLUMNS))
        self.previous = digest
        if len(self.rows) >= EVENT_BATCH:
            self.flush()

    def add_created(self, actor, event: str, instance) -> str:
        """The `create` event record_create() writes for `instance`; returns its content hash."""
        from qualitas.core.audit import canonical
        from qualitas.core.records import key_for
        from qualitas.core.regulated import content_hash_from_snapshot, snapshot

        labels = self.labels.get(type(instance))
        if labels is None:
            labels = self.labels[type(instance)] = {
                field.attname: str(field.verbose_name) for field in instance._meta.concrete_fields
            }
        state = snapshot(instance)  # primitives already: to_primitive() would return them unchanged
        changes = {labels.get(name, name): [None, value] for name, value in state.items()
                   if value not in (None, "", False)}
        digest = content_hash_from_snapshot(instance.version, state)
        self.add(actor=actor, action="create", event=event, record_type=key_for(instance), record_id=instance.pk,
                 record_label=str(instance), record_version=instance.version, changes=canonical.dumps(changes),
                 content_hash=digest)
        return digest

    def flush(self) -> None:
        from django.db import connection

        if not self.rows:
            return
        columns = ", ".join(self.COLUMNS)
        connection.ensure_connection()
        raw = connection.connection
        if self.vendor == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY {self.table} ({columns}) FROM STDIN") as copy:
                for row in self.rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(self.COLUMNS))
            raw.executemany(f"INSERT INTO {self.table} ({columns}) VALUES ({marks})", self.rows)  # noqa: S608
        self.count += len(self.rows)
        self.rows = []

    def close(self) -> None:
        from qualitas.core.audit.models import AuditHead

        self.flush()
        updated = AuditHead.objects.filter(pk=1).update(sequence=self.sequence, hash=self.previous)
        if not updated:
            AuditHead.objects.create(pk=1, sequence=self.sequence, hash=self.previous)


def insert(model, objs: list) -> list:
    """Insert model instances in one statement per batch (COPY on PostgreSQL), giving them ids from
    the table's sequence range: several times faster than bulk_create, with the same stored values
    (each field's own conversion, auto_now_add filled in)."""
    from django.db import connections
    from django.db.models import Max
    from django.db.models.fields import AutoFieldMixin

    connection = connections["default"]  # the object, not the thread-local proxy: a lookup per value counts

    fields = model._meta.concrete_fields
    pk = model._meta.pk
    numbered = isinstance(pk, AutoFieldMixin)
    if numbered:
        first = (model._base_manager.aggregate(last=Max("pk"))["last"] or 0) + 1
        for number, obj in enumerate(objs, first):
            setattr(obj, pk.attname, number)
    rows = []
    for obj in objs:
        rows.append(tuple(field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields))
        obj._state.adding = False
        obj._state.db = "default"
    table, columns = model._meta.db_table, ", ".join(connection.ops.quote_name(f.column) for f in fields)
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            if numbered and objs:
                cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{pk.column}'), %s)",
                               [getattr(objs[-1], pk.attname)])
    else:
        marks = ", ".join("?" * len(fields))
        connection.connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
    return objs


class deferred_search_index:
    """Index the search entries once, at the end, instead of row by row while they are inserted:
    SQLite rebuilds each FTS5 table over them (the insert triggers are dropped meanwhile), PostgreSQL
    builds its GIN indexes anew (dropped meanwhile). Both take half the time or less that way. The
    triggers and indexes are read from the schema and put back exactly as they were."""

    TABLE = "documents_searchentry"

    def __enter__(self):
        from django.db import connection

        self.triggers, self.tables, self.indexes = [], [], []
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
                               "AND sql LIKE '%%AFTER INSERT%%'", [self.TABLE])
                self.triggers = cursor.fetchall()
                cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE %s",
                               [f"%content='{self.TABLE}'%"])
                self.tables = [name for (name,) in cursor.fetchall()]
                for name, _ in self.triggers:
                    cursor.execute(f'DROP TRIGGER "{name}"')
            elif connection.vendor == "postgresql":
                cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                               "AND indexdef ILIKE '%% USING gin %%'", [self.TABLE])
                self.indexes = cursor.fetchall()
                for name, _ in self.indexes:
                    cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        from django.db import connection, transaction

        with transaction.atomic(), connection.cursor() as cursor:
            for name in self.tables:
                cursor.execute(f"INSERT INTO \"{name}\"(\"{name}\") VALUES ('rebuild')")  # noqa: S608
            for _, sql in self.triggers:
                cursor.execute(sql)
            if self.indexes:  # the deferred foreign-key checks first: an index is not built while they wait
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for _, sql in self.indexes:
                cursor.execute(sql)


def pick(rng: random.Random, items: list):
    return rng.choice(items) if items else None


def _reserve_numbers(key: str, count: int) -> list[str]:
    """`count` consecutive identifiers of numbering scheme `key`, taken from its counter in one step."""
    from django.utils import timezone

    from qualitas.core.numbering.models import NumberCounter, NumberingScheme
    from qualitas.core.numbering.services import format_number, next_number

    next_number(key)  # creates the scheme and this year's counter if needed, and takes the first number
    scheme = NumberingScheme.objects.get(key=key)
    today = timezone.localdate()
    counter = NumberCounter.objects.select_for_update().get(scheme=scheme, scope=f"year={today.year}")
    first = counter.last
    counter.last += count - 1
    counter.save(update_fields=["last"])
    return [format_number(scheme.pattern, seq, today, {}) for seq in range(first, first + count)]


def _documents(chain: Chain, system, count: int, rng: random.Random) -> list[tuple[int, str, str]]:
    """Documents with one effective revision and a search entry each; (id, label, hash) of some."""
    from django.db import transaction
    from django.utils import timezone

    from qualitas.accounts.models import Department, Process, User
    from qualitas.documents.models import Document, DocumentType, Revision, SearchEntry

    owners = list(User.objects.filter(username__in=["quality", "controller", "author", "reviewer"]))
    types = list(DocumentType.objects.filter(active=True, external=False)) or list(DocumentType.objects.all())
    departments = list(Department.objects.all())
    processes = list(Process.objects.all())
    today = timezone.localdate()
    now = timezone.now()
    sample: list[tuple[int, str, str]] = []
    words = Words(rng)
    for start in range(0, count, BATCH):
        with transaction.atomic():
            documents = []
            for n in range(start, min(start + BATCH, count)):
                doc_type = types[n % len(types)]
                effective = today - dt.timedelta(days=rng.randrange(1, 700))
                department = pick(rng, departments)
                documents.append(Document(
                    number=f"{doc_type.code}-S{n:06d}", title=words(5),
                    doc_type=doc_type, owner=rng.choice(owners), department=department,
                    site=department.site if department and n % 4 == 0 else None, process=pick(rng, processes),
                    keywords=words(3),
                    next_review_date=effective + dt.timedelta(days=30 * doc_type.review_interval_months),
                ))
            documents = insert(Document, documents)
            revisions = []
            for document in documents:
                effective = document.next_review_date - dt.timedelta(days=30 * document.doc_type.review_interval_months)
                revisions.append(Revision(
                    document=document, label="1", status="effective", author=document.owner,
                    change_summary="Imported from the previous system", reason="Migration", content_kind="markdown",
                    content=words(300), imported=True, effective_date=effective,
                    approved_at=now, effective_at=now,
                ))
            revisions = insert(Revision, revisions)
            insert(SearchEntry, [
                SearchEntry(revision=r, document=r.document, number=r.document.number, title=r.document.title,
                            keywords=r.document.keywords, body=r.content) for r in revisions
            ])
            for document in documents:
                digest = chain.add_created(system, "documents.document_imported", document)
                if len(sample) < 5000:
                    sample.append((document.pk, str(document)[:300], digest))
            for revision in revisions:
                chain.add_created(system, "documents.revision_imported", revision)
            chain.flush()
    return sample


def _nonconformities(chain: Chain, system, count: int, rng: random.Random) -> None:
    from django.db import transaction
    from django.utils import timezone

    from qualitas.accounts.models import Process, Site, User
    from qualitas.capa.models import Capa, Nonconformity, Severity

    people = list(User.objects.filter(username__in=["quality", "reviewer", "author", "employee", "auditor"]))
    owners = [user for user in people if user.username in ("quality", "reviewer")]
    severities = list(Severity.objects.filter(active=True))
    sites = list(Site.objects.all())
    processes = list(Process.objects.all())
    today = timezone.localdate()
    with transaction.atomic():
        numbers = _reserve_numbers("capa.nonconformity", count)
    for start in range(0, count, BATCH):
        with transaction.atomic():
            ncs = []
            for n in range(start, min(start + BATCH, count)):
                detected = today - dt.timedelta(days=rng.randrange(0, 730))
                roll = rng.random()
                status = "closed" if roll < 0.8 else "investigation" if roll < 0.9 else "open"
                evaluated = status != "open"
                stamp = dt.datetime.combine(detected, dt.time(12), tzinfo=dt.UTC)
                ncs.append(Nonconformity(
                    number=numbers[n], title=f"{rng.choice(CATEGORIES)} deviation on {rng.choice(PRODUCTS)}",
                    description=" ".join(rng.choices(VOCABULARY, k=40)), source="internal",
                    nc_type=rng.choice(["product", "process", "system"]), severity=rng.choice(severities),
                    category=rng.choice(CATEGORIES), site=pick(rng, sites), process=pick(rng, processes),
                    product=rng.choice(PRODUCTS), lot=f"L{rng.randrange(10000, 99999)}",
                    quantity_affected=Decimal(rng.randrange(1, 500)), unit="pcs", detected_by=rng.choice(people),
                    detected_on=detected, owner=rng.choice(owners), status=status,
                    containment="Parts quarantined and sorted." if evaluated else "",
                    capa_required=(rng.random() < 0.1) if evaluated else None,
                    evaluation="Isolated occurrence; correction is enough." if evaluated else "",
                    evaluated_by=owners[0] if evaluated else None,
                    evaluated_at=stamp + dt.timedelta(days=1) if evaluated else None,
                    cost_of_poor_quality=Decimal(rng.randrange(0, 500000)) / 100,
                    closed_at=stamp + dt.timedelta(days=20) if status == "closed" else None, created_by=system,
                ))
            for nc in insert(Nonconformity, ncs):
                chain.add_created(system, "capa.nonconformity_reported", nc)
            chain.flush()
    capas = count // 10
    with transaction.atomic():
        numbers = _reserve_numbers("capa.capa", capas)
        items = []
        for n in range(capas):
            opened = today - dt.timedelta(days=rng.randrange(0, 730))
            closed = n % 5 != 0
            items.append(Capa(
                number=numbers[n], title=f"Recurring {rng.choice(CATEGORIES).lower()} deviations",
                kind="corrective", source="nonconformity", problem=" ".join(rng.choices(VOCABULARY, k=40)),
                site=pick(rng, sites), process=pick(rng, processes), owner=rng.choice(owners),
                effectiveness_criterion="No recurrence in 90 days.", opened_on=opened,
                due_date=opened + dt.timedelta(days=90), status="closed" if closed else "open",
                implemented_on=opened + dt.timedelta(days=60) if closed else None,
                effectiveness_due=opened + dt.timedelta(days=150) if closed else None,
                closed_at=dt.datetime.combine(opened + dt.timedelta(days=150), dt.time(12), tzinfo=dt.UTC)
                if closed else None, created_by=system,
            ))
        for capa in insert(Capa, items):
            chain.add_created(system, "capa.capa_opened", capa)
        chain.flush()


def _filler(chain: Chain, total: int, exported: list[tuple[int, str, str]], rng: random.Random) -> None:
    """Sign-ins of the demo people and exports of documents, until the trail holds `total` events."""
    from django.db import transaction

    from qualitas.accounts.models import User
    from qualitas.core.audit.models import AuditEvent

    people = [user for user in User.objects.filter(is_active=True).order_by("pk") if not user.is_system]
    missing = total - AuditEvent.objects.count() - len(chain.rows)
    with transaction.atomic():
        for n in range(max(0, missing)):
            person = people[n % len(people)]
            address = f"10.0.{n % 200}.{n % 250 + 1}"
            if n % 2 == 0 or not exported:
                chain.add(actor=person, action="login", event="account.signed_in", record_type="accounts.user",
                          record_id=person.pk, record_label=person.username, source="web", client_address=address)
            else:
                pk, label, digest = exported[rng.randrange(len(exported))]
                chain.add(actor=person, action="export", event="record.exported", record_type="documents.document",
                          record_id=pk, record_label=label, record_version=1, content_hash=digest, source="web",
                          client_address=address)
        chain.close()


def _self_check(count: int = 200) -> None:
    """A sample of bulk records must hash to their latest event, as `audit verify` requires."""
    from qualitas.capa.models import Nonconformity
    from qualitas.core.audit import verify
    from qualitas.core.regulated import content_hash_of
    from qualitas.documents.models import Document, Revision

    for model in (Document, Revision, Nonconformity):
        key = f"{model._meta.app_label}.{model._meta.model_name}"
        recorded = verify.latest_hashes(key)
        for instance in model._base_manager.order_by("-pk")[:count]:
            if recorded.get(str(instance.pk)) != content_hash_of(instance):
                raise RuntimeError(f"{key} {instance.pk}: its content hash does not match its event")


def progress(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def build(documents: int, nonconformities: int, events: int, seed: int = 7) -> dict:
    from django.core.management import call_command
    from django.db import connection

    from qualitas.accounts.services import system_actor

    timings = {}
    started = time.perf_counter()
    call_command("demo", stdout=io.StringIO())
    timings["demo_s"] = time.perf_counter() - started
    progress(f"demo loaded in {timings['demo_s']:.0f} s")
    rng = random.Random(seed)
    system = system_actor()
    chain = Chain()
    started = time.perf_counter()
    with deferred_search_index():
        exported = _documents(chain, system, documents, rng)
    timings["documents_s"] = time.perf_counter() - started
    progress(f"{documents} documents in {timings['documents_s']:.0f} s")
    started = time.perf_counter()
    _nonconformities(chain, system, nonconformities, rng)
    timings["nonconformities_s"] = time.perf_counter() - started
    progress(f"{nonconformities} nonconformities and {nonconformities // 10} CAPAs in "
             f"{timings['nonconformities_s']:.0f} s")
    started = time.perf_counter()
    _filler(chain, events, exported, rng)
    timings["events_s"] = time.perf_counter() - started
    progress(f"audit trail filled up to {events} events in {timings['events_s']:.0f} s")
    _self_check()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS qualitas_httpbench_dataset (version text, documents int, "
                "nonconformities int, events int)"
            )
            cursor.execute("DELETE FROM qualitas_httpbench_dataset")
            cursor.execute("INSERT INTO qualitas_httpbench_dataset VALUES (%s, %s, %s, %s)",
                           [DATASET_VERSION, documents, nonconformities, events])
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if connection.vendor == "postgresql":  # what autovacuum does on a live server
        connection.close()
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    timings["finish_s"] = time.perf_counter() - started
    connection.close()
    return timings


def prepare(username: str, samples: int = 50) -> dict:
    """A fresh API token for `username` (through `qualitas token create`) and the ids and words to ask for."""
    from django.core.management import call_command

    from qualitas.capa.models import Capa, Nonconformity
    from qualitas.documents.models import Document

    out = io.StringIO()
    call_command("token", "create", username, "--name", "http-bench", stdout=out)

    def spread(model) -> list[int]:
        ids = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
        step = max(1, len(ids) // samples)
        return ids[::step][:samples]

    rng = random.Random(3)
    return {
        "token": out.getvalue().strip().splitlines()[-1],
        "documents": spread(Document),
        "nonconformities": spread(Nonconformity),
        "capas": spread(Capa),
        "words": [" ".join(rng.choices(VOCABULARY, k=rng.choice([1, 2]))) for _ in range(samples)],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="action", required=True)
    making = sub.add_parser("build")
    making.add_argument("--documents", type=int, default=100_000)
    making.add_argument("--nonconformities", type=int, default=20_000)
    making.add_argument("--events", type=int, default=1_000_000)
    preparing = sub.add_parser("prepare")
    preparing.add_argument("--user", default="quality")
    args = parser.parse_args()
    setup_django()
    if args.action == "build":
        result = build(args.documents, args.nonconformities, args.events)
    else:
        result = prepare(args.user)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
