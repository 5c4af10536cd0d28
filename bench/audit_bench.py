"""Audit-trail benchmark: audited writes per second (1 and 8 writers) and `audit verify` speed.

    python bench/audit_bench.py                 # SQLite and PostgreSQL (if reachable), prints a table
    python bench/audit_bench.py --events 200000 # a smaller trail for a quick look

Each backend runs in its own process with a fresh database: SQLite in a temporary data directory,
PostgreSQL in a throw-away database `qualitas_bench` on QUALITAS_BENCH_POSTGRES_URL
(default postgres://postgres@127.0.0.1:5432/postgres). Target: verify under 5 s per million events.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get("QUALITAS_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def setup_django(backend: str) -> None:
    os.environ["QUALITAS_DATA_DIR"] = tempfile.mkdtemp(prefix="qualitas-bench-")
    if backend == "postgresql":
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS qualitas_bench")
            conn.execute("CREATE DATABASE qualitas_bench")
        os.environ["QUALITAS_DATABASE_URL"] = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/qualitas_bench"
    else:
        os.environ.pop("QUALITAS_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "qualitas.config.settings"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def audited_writes(writers: int, seconds: float) -> float:
    """Writers each update their own site through the service (row lock, diff, chained event)."""
    from django.db import connection

    from qualitas.accounts import services
    from qualitas.accounts.models import Site

    sites = [services.site_create(actor=None, code=f"B{writers}-{i}", name="bench") for i in range(writers)]
    counts = [0] * writers
    stop = time.perf_counter() + seconds
    errors: list[str] = []

    def work(index: int) -> None:
        from django.db import connection as thread_connection

        site = Site.objects.get(pk=sites[index].pk)
        try:
            while time.perf_counter() < stop:
                site = _update(site, counts[index])
                counts[index] += 1
        except Exception as exc:  # noqa: BLE001 - reported in the output
            errors.append(repr(exc))
        finally:
            thread_connection.close()

    def _update(site, n):
        from qualitas.core.regulated import record_update

        return record_update(None, site, event="bench.site_updated", changes={"name": f"bench {n}"})

    threads = [threading.Thread(target=work, args=(i,)) for i in range(writers)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    connection.close()
    if errors:
        raise RuntimeError(f"{len(errors)} writer errors, first: {errors[0]}")
    return sum(counts) / elapsed


def build_trail(events: int) -> None:
    """Append `events` chained events in bulk (bypassing the per-event lock: this measures verify)."""
    import datetime as dt

    from django.db import transaction

    from qualitas.core.audit import canonical
    from qualitas.core.audit.models import AuditEvent, AuditHead
    from qualitas.core.audit.services import chain_hash

    head = AuditHead.objects.get(pk=1)
    sequence, previous = head.sequence, head.hash
    now = dt.datetime.now(dt.UTC)
    batch = []
    with transaction.atomic():
        for n in range(events):
            sequence += 1
            values = {
                "sequence": sequence,
                "occurred_at": now + dt.timedelta(microseconds=n),
                "actor_id": None,
                "actor_name": "Bench",
                "source": "system",
                "token_id": None,
                "client_address": "",
                "action": "update",
                "event": "bench.event",
                "record_type": "bench.thing",
                "record_id": str(n % 5000),
                "record_version": n % 50,
                "record_label": f"Thing {n % 5000}",
                "changes": canonical.dumps({"name": [f"old {n}", f"new {n}"]}),
                "reason": "",
                "content_hash": "",
            }
            digest = chain_hash(previous, values)
            batch.append(AuditEvent(previous_hash=previous, hash=digest, **values))
            previous = digest
            if len(batch) == 20_000:
                AuditEvent.objects.bulk_create(batch)
                batch = []
        if batch:
            AuditEvent.objects.bulk_create(batch)
        AuditHead.objects.filter(pk=1).update(sequence=sequence, hash=previous)


def run_backend(backend: str, events: int, seconds: float) -> dict:
    setup_django(backend)
    from qualitas.core.audit import verify

    result = {"backend": backend}
    for writers in (1, 8):
        result[f"writes_per_s_{writers}"] = audited_writes(writers, seconds)
    started = time.perf_counter()
    build_trail(events)
    result["build_s"] = time.perf_counter() - started
    started = time.perf_counter()
    report = verify.verify()
    result["verify_s"] = time.perf_counter() - started
    result["events"] = report.events
    result["ok"] = report.ok
    result["problems"] = report.problems[:3]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=5.0, help="Duration of each write test.")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend:
        print(json.dumps(run_backend(args.backend, args.events, args.seconds)))
        return 0
    rows = []
    for backend in ("sqlite", "postgresql"):
        process = subprocess.run(
            [
                sys.executable,
                __file__,
                "--backend",
                backend,
                "--events",
                str(args.events),
                "--seconds",
                str(args.seconds),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if process.returncode != 0:
            print(f"{backend}: skipped ({process.stderr.strip().splitlines()[-1] if process.stderr else 'failed'})")
            continue
        rows.append(json.loads(process.stdout.strip().splitlines()[-1]))
    header = ("backend", "writes/s 1", "writes/s 8", "events", "verify s", "s/million")
    print(f"{header[0]:<11} {header[1]:>11} {header[2]:>11} {header[3]:>10} {header[4]:>9} {header[5]:>10}  target")
    status = 0
    for row in rows:
        per_million = row["verify_s"] / max(row["events"], 1) * 1_000_000
        verdict = "ok" if per_million < 5 and row["ok"] else "MISSED"
        status |= verdict != "ok"
        print(
            f"{row['backend']:<11} {row['writes_per_s_1']:>11.0f} {row['writes_per_s_8']:>11.0f} {row['events']:>10} "
            f"{row['verify_s']:>9.2f} {per_million:>10.2f}  {verdict} (< 5 s per million, chain intact)"
        )
        for problem in row["problems"]:
            print(f"  problem: {problem}")
    return status


if __name__ == "__main__":
    sys.exit(main())
