"""Audit-trail benchmark: audited writes per second (1 and 8 writers) and `audit verify` speed.

    python bench/audit_bench.py                 # SQLite and PostgreSQL (if reachable), prints a table
    python bench/audit_bench.py --events 200000 # a smaller trail for a quick look

Each backend runs in its own process with a fresh database: SQLite in a temporary data directory,
PostgreSQL in a throw-away database `qualitas_bench_<pid>` on QUALITAS_BENCH_POSTGRES_URL
(default postgres://postgres@127.0.0.1:5432/postgres), dropped at the end. Target: the whole
`audit verify` (chain, regulated records, covered rows) under 2 s per million events.

Besides the elapsed time, the CPU time of verify is printed: this process's and, on a local
PostgreSQL server, that of the server processes of its connections, and the CPU time of the busiest
thread or server process (what bounds the elapsed time on an idle machine with enough cores). On a
shared machine compare these, not the elapsed time.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time

import scratch  # bench/scratch.py: this directory is first on sys.path when a benchmark runs


def setup_django(backend: str) -> None:
    scratch.setup_django(backend, "qualitas_bench")


def audited_writes(writers: int, seconds: float) -> float:
    """Writers each update their own site through the service (row lock, diff, chained event)."""
    from django.db import connection

    from qualitas.accounts import services
    from qualitas.accounts.models import Site

    system = services.system_actor()
    sites = [services.site_create(actor=system, code=f"B{writers}-{i}", name="bench") for i in range(writers)]
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

        return record_update(system, site, event="bench.site_updated", changes={"name": f"bench {n}"})

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


def build_trail(events: int, records: int) -> None:
    """Append `events` chained events in bulk (bypassing the per-event lock: this measures verify), on
    `records` regulated records (sites, bulk-inserted) so that verify also compares each record with
    its latest event, as in a real trail where every event belongs to a record: each record's last
    event carries its real content hash, earlier ones the hash of an earlier state."""
    import datetime as dt

    from django.db import transaction

    from qualitas.accounts.models import Site
    from qualitas.core.audit import canonical
    from qualitas.core.audit.models import AuditEvent, AuditHead
    from qualitas.core.audit.services import chain_hash
    from qualitas.core.regulated import content_hash_of

    records = max(1, min(records, events))
    with transaction.atomic():
        Site.objects.bulk_create(
            [Site(code=f"BT-{i:07d}", name=f"Bench site {i}") for i in range(records)], batch_size=5000
        )
    sites = list(Site.objects.filter(code__startswith="BT-").order_by("code"))
    hashes = [content_hash_of(site) for site in sites]
    head = AuditHead.objects.get(pk=1)
    sequence, previous = head.sequence, head.hash
    now = dt.datetime.now(dt.UTC)
    last_round = events - records  # from here on, each site's last event
    batch = []
    with transaction.atomic():
        for n in range(events):
            sequence += 1
            index = n % records
            site = sites[index]
            values = {
                "sequence": sequence,
                "occurred_at": now + dt.timedelta(microseconds=n),
                "actor_id": None,
                "actor_name": "Bench",
                "source": "system",
                "token_id": None,
                "client_address": "",
                "action": "update" if n >= records else "create",
                "event": "organisation.site_updated" if n >= records else "organisation.site_created",
                "record_type": "accounts.site",
                "record_id": str(site.pk),
                "record_version": 1,
                "record_label": str(site),
                "changes": canonical.dumps({"name": [f"old {n}", site.name]}),
                "reason": "",
                "content_hash": hashes[index] if n >= last_round else canonical.sha256(f"earlier {n}"),
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


class CpuMeter:
    """CPU seconds of this process, of the busiest thread of a verify (its threads close their database
    connections when done, which is when they are read) and, on a local PostgreSQL server, of each
    connection's server process (read from /proc when the connection closes)."""

    def __init__(self):
        import os

        from django.db import connection, connections
        from django.db.backends.signals import connection_created

        self.tick = os.sysconf("SC_CLK_TCK")
        self.threads: list[float] = []
        self.servers: list[float] = []
        self.started: dict[int, float] = {}
        meter, handler = self, type(connections)
        original_close_all = handler.close_all

        def close_all(handler_self):
            if threading.current_thread() is not threading.main_thread():
                meter.threads.append(time.thread_time())
            return original_close_all(handler_self)

        handler.close_all = close_all
        if connection.vendor == "postgresql":
            wrapper = type(connections["default"])
            original_close = wrapper._close

            def _close(wrapper_self):
                if wrapper_self.connection is not None:
                    pid = wrapper_self.connection.info.backend_pid
                    if pid in meter.started:
                        meter.servers.append(meter.server_cpu(pid) - meter.started.pop(pid))
                return original_close(wrapper_self)

            wrapper._close = _close
            connection_created.connect(self._created, weak=False)
            connection.close()  # from here on, every connection is measured

    def _created(self, sender, connection, **kwargs):
        pid = connection.connection.info.backend_pid
        self.started[pid] = self.server_cpu(pid)

    def server_cpu(self, pid: int) -> float:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # not a local server
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick

    def measure(self, run) -> dict:
        from django.db import connection

        self.threads, self.servers = [], []
        cpu, main = time.process_time(), time.thread_time()
        started = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - started
        cpu, main = time.process_time() - cpu, time.thread_time() - main
        if connection.vendor == "postgresql":
            connection.close()
        busiest = max([*self.threads, *self.servers], default=0.0)
        return {"result": result, "seconds": seconds, "cpu": cpu, "server_cpu": sum(self.servers),
                "critical_cpu": main + (busiest if self.threads else cpu - main)}


def timed_phases() -> dict:
    """Each part of verify on its own, to see where the time goes."""
    from qualitas.core.audit import verify

    report = verify.VerifyReport()
    phases = {}
    for name, step in (("chain", verify.verify_chain), ("records", verify.verify_records),
                       ("covered", verify.verify_covered_rows)):
        started = time.perf_counter()
        step(report)
        phases[name] = time.perf_counter() - started
    return phases


def run_backend(backend: str, events: int, records: int, seconds: float) -> dict:
    setup_django(backend)
    from django.db import connection

    from qualitas.core.audit import verify

    result = {"backend": backend}
    for writers in (1, 8):
        result[f"writes_per_s_{writers}"] = audited_writes(writers, seconds) if seconds > 0 else 0.0
    started = time.perf_counter()
    build_trail(events, records)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    result["build_s"] = time.perf_counter() - started
    result["phases"] = timed_phases()
    meter = CpuMeter()
    measured = meter.measure(lambda: verify.verify(use_checkpoint=False))  # what `audit verify` runs, all of it
    report = measured["result"]
    result["verify_s"] = measured["seconds"]
    result["verify_cpu_s"] = measured["cpu"]
    result["verify_server_cpu_s"] = measured["server_cpu"]
    result["verify_critical_cpu_s"] = measured["critical_cpu"]
    result["events"] = report.events
    result["records"] = report.records
    result["ok"] = report.ok
    result["problems"] = report.problems[:3]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, help="Regulated records the events belong to (default: events / 5, "
                        "the shape of the HTTP benchmark's data set).")
    parser.add_argument("--seconds", type=float, default=5.0, help="Duration of each write test (0: skip them).")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    records = args.records if args.records is not None else max(1, args.events // 5)
    if args.backend:
        print(json.dumps(run_backend(args.backend, args.events, records, args.seconds)))
        return 0
    rows = []
    for backend in ("sqlite", "postgresql"):
        command = [sys.executable, __file__, "--backend", backend, "--events", str(args.events),
                   "--records", str(records), "--seconds", str(args.seconds)]
        process = subprocess.run(command, capture_output=True, text=True, check=False)
        if process.returncode != 0:
            print(f"{backend}: skipped ({process.stderr.strip().splitlines()[-1] if process.stderr else 'failed'})")
            continue
        rows.append(json.loads(process.stdout.strip().splitlines()[-1]))
    header = ("backend", "writes/s 1", "writes/s 8", "events", "records", "chain s", "records s", "verify s")
    print(f"{header[0]:<11} {header[1]:>11} {header[2]:>11} {header[3]:>9} {header[4]:>8} {header[5]:>8} "
          f"{header[6]:>10} {header[7]:>9}")
    status = 0
    for row in rows:
        phases = row["phases"]
        print(
            f"{row['backend']:<11} {row['writes_per_s_1']:>11.0f} {row['writes_per_s_8']:>11.0f} {row['events']:>9} "
            f"{row['records']:>8} {phases['chain']:>8.2f} {phases['records'] + phases['covered']:>10.2f} "
            f"{row['verify_s']:>9.2f}"
        )
    for row in rows:
        million = 1_000_000 / max(row["events"], 1)
        per_million = row["verify_s"] * million
        verdict = "ok" if per_million < 2 and row["ok"] else "MISSED"
        status |= verdict != "ok"
        intact = "chain intact" if row["ok"] else "NOT intact"
        print(f"{row['backend']} verify: {per_million:.2f} s per million events (target 2 s): {verdict}, {intact}; "
              f"CPU per million: {row['verify_cpu_s'] * million:.2f} s in this process, "
              f"{row['verify_server_cpu_s'] * million:.2f} s in the database server, "
              f"{row['verify_critical_cpu_s'] * million:.2f} s in the busiest thread or server process")
        for problem in row["problems"]:
            print(f"  problem: {problem}")
    return status


if __name__ == "__main__":
    sys.exit(main())
