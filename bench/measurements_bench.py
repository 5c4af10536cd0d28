"""Uploading measurements from CSV: 100,000 values through the web upload, all-or-nothing, every value
in the audit trail, on SQLite and PostgreSQL.

    python bench/measurements_bench.py                  # 100,000 values on both databases
    python bench/measurements_bench.py --values 20000   # a quicker look
    python bench/measurements_bench.py --profile --values 20000 [--chart imr] [--backend postgresql]
                                                        # where the time goes (cProfile)

Each backend runs in its own process with a fresh database: SQLite in a temporary data directory,
PostgreSQL in a throw-away database `qualitas_measbench_<pid>` on QUALITAS_BENCH_POSTGRES_URL
(default postgres://postgres@127.0.0.1:5432/postgres), dropped at the end. The demo organisation is
loaded and the quality manager uploads, through the measurements upload page (the view, the file
reader and `measurements_record`, as in the browser), a long CSV of one value per row: for an X̄-R
characteristic (subgroups of 5, so 20,000 subgroups) and for an I-MR one (100,000 subgroups), each
value and each subgroup with its own audit event. `qualitas audit verify` must pass afterwards.
For comparison, the same values are also recorded one event at a time (`record()` per event, as
before bulk appends) on a small sample. Ceiling (issue 12): 10 s for 100,000 values. The CPU time of
the benchmark's process is printed too (and, for a PostgreSQL server on this machine, that of its
server process): on a shared machine it varies less than the elapsed time.
Exit status 1 only for a refused upload, a lost value or a failed verify.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time

import scratch  # bench/scratch.py: this directory is first on sys.path when a benchmark runs

CEILING_S = 10.0
START = dt.datetime(2020, 1, 6, 6, 0, tzinfo=dt.UTC)


def setup_django(backend: str) -> None:
    """A fresh database for this process (bench/scratch.py), with the demo organisation."""
    os.environ.pop("QUALITAS_EMAIL_HOST", None)
    scratch.setup_django(backend, "qualitas_measbench",
                         QUALITAS_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    from qualitas.demo import load_organisation

    load_organisation()


def long_csv(values: int, subgroup_size: int, seed: int = 3) -> bytes:
    """taken_at, subgroup, value: one measurement per row, subgroups of `subgroup_size` a minute apart."""
    rng = random.Random(seed)
    lines = ["taken_at,subgroup,value"]
    for index in range(values):
        number = index // subgroup_size
        taken = START + dt.timedelta(minutes=number)
        lines.append(f"{taken:%Y-%m-%d %H:%M:%S},G{number + 1:06d},{rng.gauss(74.0, 0.01):.4f}")
    return ("\n".join(lines) + "\n").encode()


def characteristic(name: str, chart_type: str, subgroup_size: int):
    from qualitas.accounts.models import Process, Site, User
    from qualitas.measurements import services

    quality = User.objects.get(username="quality")
    return services.characteristic_create(
        actor=quality, name=name, unit="mm", lsl=73.95, usl=74.05, target=74.0, chart_type=chart_type,
        subgroup_size=subgroup_size, process=Process.objects.get(code="CP-04"), site=Site.objects.get(code="SPR"),
    )


LAST_SERVER_CPU = [0.0]


def server_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL server process, if the server is on this machine
    (the test client's requests run on the benchmark's own connection); 0 on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    connection.ensure_connection()
    try:
        with open(f"/proc/{connection.connection.info.backend_pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def upload_through_the_page(target, data: bytes) -> tuple[float, float]:
    """POST the file to the upload view as the browser does: (seconds, CPU seconds of this process),
    or RuntimeError if it was refused."""
    from django.contrib.messages import get_messages
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from qualitas.accounts.models import User

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="quality"))
    upload = SimpleUploadedFile("measurements.csv", data, content_type="text/csv")
    server = server_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    response = client.post(reverse("measurements:upload", args=[target.pk]), {"file": upload})
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    LAST_SERVER_CPU[0] = server_cpu() - server
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    if response.status_code != 302 or not any("value(s) recorded" in t for t in texts):
        raise RuntimeError(f"upload refused ({response.status_code}): {texts[:3]}")
    return elapsed, cpu


def one_by_one_ms(values: int) -> float:
    """The same kind of events appended with one `record()` each (the path before bulk appends):
    milliseconds per event."""
    from django.db import transaction

    from qualitas.accounts.models import User
    from qualitas.core.audit.services import record
    from qualitas.core.regulated import content_hash_of, snapshot
    from qualitas.measurements.models import Measurement

    quality = User.objects.get(username="quality")
    sample = list(Measurement.objects.order_by("pk")[:values])
    started = time.perf_counter()
    with transaction.atomic():
        for measurement in sample:
            state = snapshot(measurement)
            record(quality, "create", "measurements.value_recorded", record_type="measurements.measurement",
                   record_id=measurement.pk, record_label=str(measurement), record_version=measurement.version,
                   content_hash=content_hash_of(measurement),
                   changes={name: [None, value] for name, value in state.items() if value not in (None, "", False)})
        transaction.set_rollback(True)
    return (time.perf_counter() - started) * 1000 / len(sample)


def run_backend(backend: str, values: int, sample: int) -> dict:
    setup_django(backend)
    from django.db import connection

    from qualitas.core.audit.models import AuditEvent
    from qualitas.core.audit.verify import verify
    from qualitas.measurements.models import Measurement, Subgroup

    result: dict = {"backend": backend, "values": values, "runs": []}
    for label, chart_type, size in (("X̄-R, n=5", "xbar-r", 5), ("I-MR", "imr", 1)):
        target = characteristic(f"Bench {chart_type}", chart_type, size)
        data = long_csv(values, size)
        before = AuditEvent.objects.count()
        seconds, cpu = upload_through_the_page(target, data)
        result["runs"].append({
            "chart": label, "seconds": seconds, "cpu": cpu, "server_cpu": LAST_SERVER_CPU[0],
            "megabytes": len(data) / 1e6,
            "values": Measurement.objects.filter(subgroup__characteristic=target).count(),
            "subgroups": Subgroup.objects.filter(characteristic=target).count(),
            "events": AuditEvent.objects.count() - before,
        })
    started = time.perf_counter()
    report = verify(use_checkpoint=False, check_files=False)
    result["verify"] = {"ok": report.ok, "seconds": time.perf_counter() - started, "events": report.events,
                        "problems": report.problems[:3]}
    result["one_by_one_ms"] = one_by_one_ms(sample) if sample else None
    result["vendor"] = connection.vendor
    return result


def profile(values: int, backend: str, chart_type: str) -> None:
    import cProfile
    import pstats

    setup_django(backend)
    size = 1 if chart_type == "imr" else 5
    target = characteristic("Bench profile", chart_type, size)
    data = long_csv(values, size)
    profiler = cProfile.Profile()
    profiler.enable()
    upload_through_the_page(target, data)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--values", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=2_000, help="values recorded one event at a time")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--chart", choices=["xbar-r", "imr"], default="xbar-r", help="the chart --profile uploads for")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile:
        profile(args.values, args.backend or "sqlite", args.chart)
        return 0
    if args.backend:
        print(json.dumps(run_backend(args.backend, args.values, args.sample)))
        return 0
    failed = False
    print(f"Uploading {args.values:,} values from one CSV through the upload page (ceiling {CEILING_S:g} s)")
    for backend in ("sqlite", "postgresql"):
        process = subprocess.run(
            [sys.executable, __file__, "--backend", backend, "--values", str(args.values), "--sample",
             str(args.sample)], capture_output=True, text=True, check=False,
        )
        if process.returncode != 0:
            tail = process.stderr.strip().splitlines()[-1] if process.stderr.strip() else "failed"
            if backend == "postgresql" and ("connect" in tail or "Connection" in tail):
                print(f"{backend}: skipped ({tail})")
                continue
            print(f"{backend}: FAILED ({tail})")
            failed = True
            continue
        row = json.loads(process.stdout.strip().splitlines()[-1])
        for run in row["runs"]:
            within = "within" if run["seconds"] < CEILING_S else "OVER"
            server = f", {run['server_cpu']:.1f} s in the database server" if run.get("server_cpu") else ""
            print(f"{backend:<10} {run['chart']:<9} {run['values']:,} values: {run['seconds']:.1f} s (ceiling "
                  f"{CEILING_S:g} s, {within}; CPU {run['cpu']:.1f} s in this process{server}); {run['subgroups']:,} "
                  f"subgroups, {run['events']:,} audit events, {run['megabytes']:.1f} MB CSV")
            failed |= run["values"] != row["values"]
        check = row["verify"]
        print(f"{backend:<10} audit verify {'OK' if check['ok'] else 'FAILED'}: {check['events']:,} events in "
              f"{check['seconds']:.1f} s{'' if check['ok'] else ' ' + '; '.join(check['problems'])}")
        failed |= not check["ok"]
        if row["one_by_one_ms"] is not None:
            first = row["runs"][0]
            bulk_ms = first["seconds"] * 1000 / max(first["events"], 1)
            print(f"{backend:<10} one record() per event: {row['one_by_one_ms']:.2f} ms per event ({args.sample:,} "
                  f"events); the {first['chart']} upload: {bulk_ms:.3f} ms per event, everything included "
                  f"({row['one_by_one_ms'] / bulk_ms:.0f}x)")
    return 1 if failed else 0  # a refused upload, a lost value or a failed verify; times only print


if __name__ == "__main__":
    sys.exit(main())
