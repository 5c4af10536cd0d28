"""HTTP throughput and latency of `qualitas serve` for 50 concurrent signed-in users, on SQLite and PostgreSQL.

    python bench/http_bench.py                        # both databases, 50 clients, 5 s per endpoint
    python bench/http_bench.py --backend sqlite --seconds 3
    python bench/http_bench.py --servers 2            # two `qualitas serve` processes, clients split
    python bench/http_bench.py --check                # exit 1 when a target is missed
    python bench/http_bench.py --no-read-cache        # every read computed again (QUALITAS_READ_CACHE=0)

Each database gets a scratch copy of a cached data set: the demo organisation plus 100,000 documents
(one effective revision each, full-text indexed), 20,000 nonconformities, 2,000 CAPAs and 1,000,000
audit events in one valid hash chain (bench/http_bench_data.py). It is generated once, in a few
minutes, into $QUALITAS_BENCH_CACHE (default ~/.cache/qualitas-bench): a data directory for SQLite,
the database `qualitas_httpbench_cache` (and a data directory) for PostgreSQL, which each run copies
(`CREATE DATABASE qualitas_httpbench_run TEMPLATE ...`, dropped at the end). `--rebuild` makes it anew.

`qualitas serve` then runs on the copy (with `--workers N` when the command has that option; jobs
off, QUALITAS_RUN_JOBS=0, so that only requests are measured), and 50 clients, each with its own
keep-alive connection and its own session (signed in through the sign-in form as the quality
manager), request one endpoint at a time, back to back, for --seconds each: JSON API lists, details
and search with an API token (the documents list also with the session), HTML pages with the
session. A mixed phase cycles every client through all endpoints. `/api/v1/health` is measured
first and last; each endpoint's throughput is also given as a multiple of the health endpoint's
(the mean of both), which tells the cost of the endpoint apart from the speed of the machine.

Targets, at 50 clients: API lists and details >= 300 requests/s, HTML pages >= 150 requests/s, p99
< 300 ms, no errors and no time-outs (--timeout, 5 s), and every endpoint >= 0.5 x the health
endpoint's throughput. Exit 0 whatever the figures (so `make bench` goes on), 1 with --check when a
target is missed, 2 when the benchmark itself cannot run.

Time box: measuring both databases takes about 6 minutes; a phase that would end after its
database's share of --budget (500 s) is not started and shows as "not measured". After a phase
whose clients timed out, the next one waits (up to --settle, 15 s) until the server has finished
the requests they gave up on. The load generator runs on the same machine (about 0.1 ms of CPU per
request: its share of a core is printed) and takes that from the server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from http_bench_client import Client, Endpoint, Tally, run_phase, settle, sign_in_all  # noqa: E402
from http_bench_data import DATASET_VERSION  # noqa: E402

ADMIN_URL = os.environ.get("QUALITAS_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
CACHE_DB = "qualitas_httpbench_cache"
RUN_DB = "qualitas_httpbench_run"
API_RPS, HTML_RPS, P99_MS, HEALTH_RATIO = 300, 150, 300, 0.5
PASSWORD = "qualitas-demo"  # noqa: S105 - the demo people's published password (qualitas.core.demo)


# --- The cached data set -------------------------------------------------------------------------


def cache_root() -> Path:
    return Path(os.environ.get("QUALITAS_BENCH_CACHE") or Path.home() / ".cache" / "qualitas-bench")


def scale_key(args) -> str:
    return f"v{DATASET_VERSION}-{args.documents}d-{args.nonconformities}n-{args.events}e"


def cache_dir(backend: str, args) -> Path:
    return cache_root() / f"{backend}-{scale_key(args)}"


def cache_db(args) -> str:
    default = (args.documents, args.nonconformities, args.events) == (100_000, 20_000, 1_000_000)
    return CACHE_DB if default else f"{CACHE_DB}_{args.documents}_{args.nonconformities}_{args.events}"


def pg_url(database: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def pg_admin(sql: str, database: str | None = None):
    import psycopg

    url = (pg_url(database) if database else ADMIN_URL).replace("postgres://", "postgresql://", 1)
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(sql)
        return cursor.fetchall() if cursor.description else None


def pg_cache_ready(args) -> bool:
    name = cache_db(args)
    if not pg_admin(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):  # noqa: S608 - our own name
        return False
    try:
        rows = pg_admin("SELECT version, documents, nonconformities, events FROM qualitas_httpbench_dataset", name)
    except Exception:  # noqa: BLE001 - no marker table: an unfinished build
        return False
    return rows == [(DATASET_VERSION, args.documents, args.nonconformities, args.events)]


def env_for(data_dir: Path, database_url: str | None) -> dict:
    # Qualitas as configured by default (none of the caller's QUALITAS_* settings), on the data set.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("QUALITAS_") and key != "DJANGO_SETTINGS_MODULE"}
    env.update(QUALITAS_DATA_DIR=str(data_dir), QUALITAS_RUN_JOBS="0", QUALITAS_LOG_LEVEL="WARNING",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])))
    if database_url:
        env["QUALITAS_DATABASE_URL"] = database_url
    return env


def qualitas(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "qualitas", *arguments]


def data_script(*arguments: str) -> list[str]:
    return [sys.executable, str(ROOT / "bench" / "http_bench_data.py"), *arguments]


def start_build(backend: str, args) -> tuple[subprocess.Popen, Path, Path]:
    """Generate the data set in the background; (process, its work dir, its log)."""
    final = cache_dir(backend, args)
    work = final.with_name(final.name + ".building")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    database_url = None
    if backend == "postgresql":
        pg_admin(f'DROP DATABASE IF EXISTS "{cache_db(args)}" WITH (FORCE)')
        pg_admin(f'CREATE DATABASE "{cache_db(args)}"')
        database_url = pg_url(cache_db(args))
    log = work.with_name(work.name + ".log")
    scale = ["--documents", str(args.documents), "--nonconformities", str(args.nonconformities),
             "--events", str(args.events)]
    with open(log, "w") as handle:
        process = subprocess.Popen(data_script("build", *scale), env=env_for(work, database_url), stdout=handle,
                                   stderr=subprocess.STDOUT, cwd=ROOT)
    return process, work, log


def ensure_caches(backends: list[str], args) -> None:
    """Build the missing data sets (side by side: one core each), then bring each up to the current
    migrations so that a run's copy starts serving at once."""
    missing = []
    for backend in backends:
        ready = cache_dir(backend, args).is_dir()
        if backend == "postgresql":
            ready = ready and pg_cache_ready(args)
        if args.rebuild or not ready:
            missing.append(backend)
    if missing:
        print(f"Generating the scale data set for {' and '.join(missing)} (once; cached in {cache_root()}) …",
              flush=True)
        started = time.perf_counter()
        builds = [(backend, *start_build(backend, args)) for backend in missing]
        try:
            for backend, process, work, log in builds:
                if process.wait() != 0:
                    tail = "\n".join(log.read_text().strip().splitlines()[-15:])
                    raise BenchError(f"{backend}: generating the data set failed (log {log}):\n{tail}")
                summary = json.loads(log.read_text().strip().splitlines()[-1])
                final = cache_dir(backend, args)
                shutil.rmtree(final, ignore_errors=True)
                work.rename(final)
                log.rename(final.with_name(final.name + ".log"))
        finally:
            for _, process, _, _ in builds:
                if process.poll() is None:
                    process.terminate()
                    process.wait()
            parts = ", ".join(f"{name.removesuffix('_s')} {value:.0f} s" for name, value in summary.items())
            print(f"  {backend}: {parts}", flush=True)
        print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    migrations = {}
    for backend in backends:
        database_url = pg_url(cache_db(args)) if backend == "postgresql" else None
        migrations[backend] = subprocess.Popen(
            qualitas("migrate", "--no-input", "-v", "0"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env_for(cache_dir(backend, args), database_url), cwd=ROOT)
    for backend, process in migrations.items():
        _, err = process.communicate()
        if process.returncode != 0:
            raise BenchError(f"{backend}: migrating the cached data set failed: {err.strip()[-500:]}")


class BenchError(Exception):
    """The benchmark itself could not run (as opposed to a target missed)."""


# --- Servers ---------------------------------------------------------------------------------------


def serve_options(env: dict) -> str:
    result = subprocess.run(qualitas("serve", "--help"), capture_output=True, text=True, env=env, cwd=ROOT,
                            check=False)
    return result.stdout


def start_server(env: dict, port: int, workers: int | None, log: Path, supports_workers: bool) -> subprocess.Popen:
    command = qualitas("serve", "--host", "127.0.0.1", "--port", str(port))
    if supports_workers and workers:
        command += ["--workers", str(workers)]
    with open(log, "w") as handle:
        return subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT,
                                start_new_session=True)


def wait_healthy(process: subprocess.Popen, port: int, log: Path, limit: float = 300) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"qualitas serve exited ({process.returncode}):\n{log.read_text()[-2000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        time.sleep(0.25)
    raise BenchError(f"qualitas serve did not answer on port {port} within {limit:.0f} s")


def stop_server(process: subprocess.Popen) -> None:
    """Ctrl+C as a person would (gunicorn and waitress both stop on it), then harder if need be."""
    if process.poll() is not None:
        return
    for sig, wait in ((signal.SIGINT, 20), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


# --- One database ----------------------------------------------------------------------------------


def endpoints(prepared: dict) -> list[Endpoint]:
    docs, ncs, capas = prepared["documents"], prepared["nonconformities"], prepared["capas"]
    queries = [quote_plus(words) for words in prepared["words"]]
    return [
        Endpoint("GET /api/v1/documents", "api", "token", ["/api/v1/documents"]),
        Endpoint("GET /api/v1/documents (session)", "api", "session", ["/api/v1/documents"]),
        Endpoint("GET /api/v1/documents/{id}", "api", "token", [f"/api/v1/documents/{pk}" for pk in docs]),
        Endpoint("GET /api/v1/documents/search?q=", "api", "token",
                 [f"/api/v1/documents/search?q={q}" for q in queries]),
        Endpoint("GET /api/v1/nonconformities", "api", "token", ["/api/v1/nonconformities"]),
        Endpoint("GET /api/v1/nonconformities/{id}", "api", "token", [f"/api/v1/nonconformities/{pk}" for pk in ncs]),
        Endpoint("GET /api/v1/capas", "api", "token", ["/api/v1/capas"]),
        Endpoint("GET /api/v1/capas/{id}", "api", "token", [f"/api/v1/capas/{pk}" for pk in capas]),
        Endpoint("GET /api/v1/tasks", "api", "token", ["/api/v1/tasks"]),
        Endpoint("GET / (home)", "html", "session", ["/"]),
        Endpoint("GET /documents/", "html", "session", ["/documents/"]),
        Endpoint("GET /documents/{id}/", "html", "session", [f"/documents/{pk}/" for pk in docs]),
        Endpoint("GET /quality/ (improvement)", "html", "session", ["/quality/"]),
        Endpoint("GET /quality/nonconformities/", "html", "session", ["/quality/nonconformities/"]),
        Endpoint("GET /quality/nonconformities/{id}/", "html", "session",
                 [f"/quality/nonconformities/{pk}/" for pk in ncs]),
        Endpoint("GET /quality/capas/", "html", "session", ["/quality/capas/"]),
        Endpoint("GET /search/?q=", "html", "session", [f"/search/?q={q}" for q in queries]),
        Endpoint("GET /records/audit-trail/", "html", "session", ["/records/audit-trail/"]),
    ]


HEALTH = Endpoint("GET /api/v1/health", "health", "none", ["/api/v1/health"])


async def drive(ports: list[int], prepared: dict, args, deadline: float) -> list[dict]:
    """Sign the clients in, then measure phase after phase; a phase that would end after `deadline`
    (the time box) is not started but reported as not measured."""
    clients = [Client(i, "127.0.0.1", ports[i % len(ports)], prepared["token"]) for i in range(args.clients)]
    await sign_in_all(clients, args.user, PASSWORD)
    rows = []

    async def settled() -> None:
        await settle("127.0.0.1", ports, limit=args.settle)

    async def phase(name: str, kind: str, auth: str, measured: list[Endpoint], seconds: float,
                    last: bool = False) -> None:
        # The health endpoint, at the end, always runs: its time is kept free before the deadline.
        reserved = args.warmup + args.seconds
        if not last and time.perf_counter() + args.warmup + seconds + reserved > deadline:
            rows.append({"name": name, "kind": kind, "auth": auth, "skipped": True, **Tally().summary()})
            return
        tallies = await run_phase(clients, measured, seconds, warmup=args.warmup, timeout=args.timeout,
                                  settled=settled)
        total = Tally(seconds=next(iter(tallies.values())).seconds)
        for tally in tallies.values():
            total.merge(tally)
        # Requests whose clients timed out are still worked on by the server: the next phase starts
        # once it is idle again, so that each phase measures its own endpoint.
        busy = await settle("127.0.0.1", ports, limit=args.settle)
        rows.append({"name": name, "kind": kind, "auth": auth, "busy_after_s": busy, **total.summary()})
        if args.verbose:
            print(f"    {name}: {rows[-1]['rps']:.0f}/s, p99 {rows[-1]['p99_ms']:.0f} ms, "
                  f"{rows[-1]['errors']} errors, {rows[-1]['timeouts']} time-outs, busy {busy:.1f} s after",
                  flush=True)

    await phase(HEALTH.name, "health", "none", [HEALTH], args.seconds)
    for endpoint in endpoints(prepared):
        await phase(endpoint.name, endpoint.kind, endpoint.auth, [endpoint], args.seconds)
    mixed = endpoints(prepared)
    await phase("mixed: every endpoint above, in turn", "mixed", "both", mixed, 2 * args.seconds)
    await phase(HEALTH.name + " (again, at the end)", "health", "none", [HEALTH], args.seconds, last=True)
    for client in clients:
        client.connection.close()
    return rows


def refresh_static(source: Path, cache: Path) -> None:
    """Keep the static files `qualitas serve` collected into the run's copy, so the next run's copy
    starts serving without collecting them again."""
    stamp = ".qualitas-fingerprint"
    fresh, kept = source / "static", cache / "static"
    if (fresh / stamp).is_file() and (not (kept / stamp).is_file()
                                      or (fresh / stamp).read_text() != (kept / stamp).read_text()):
        shutil.rmtree(kept, ignore_errors=True)
        shutil.copytree(fresh, kept)


def server_mode(log: Path, supports_workers: bool, workers: int | None) -> str:
    """How serve says it serves ("2 processes × 8 threads, …"), else what was asked of it."""
    for line in log.read_text(errors="replace").splitlines():
        if "serving on" in line and "(" in line:
            return line[line.index("(") + 1:].split(",")[0].split(";")[0].rstrip(")").strip()
    if supports_workers:
        return f"--workers {workers}" if workers else "--workers (its default)"
    return "one process (this serve has no --workers)"


def run_backend(backend: str, args, port: int, deadline: float, supports_workers: bool) -> dict:
    started = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix=f"qualitas-httpbench-{backend}-"))
    data_dir = scratch / "data"
    shutil.copytree(cache_dir(backend, args), data_dir, ignore=shutil.ignore_patterns("checkpoints"))
    database_url = None
    if backend == "postgresql":
        pg_admin(f'DROP DATABASE IF EXISTS "{RUN_DB}" WITH (FORCE)')
        pg_admin(f'CREATE DATABASE "{RUN_DB}" TEMPLATE "{cache_db(args)}" STRATEGY FILE_COPY')
        database_url = pg_url(RUN_DB)
    if args.verbose:
        print(f"    copied the data set in {time.perf_counter() - started:.1f} s", flush=True)
    env = env_for(data_dir, database_url)
    if args.no_read_cache:
        env["QUALITAS_READ_CACHE"] = "0"
    servers: list[subprocess.Popen] = []
    try:
        ports = [port + n for n in range(args.servers)]
        logs = [scratch / f"serve-{n}.log" for n in range(args.servers)]
        for server_port, log in zip(ports, logs, strict=True):
            servers.append(start_server(env, server_port, args.workers, log, supports_workers))
        # The API token and the ids to ask for, while the servers start.
        preparing = subprocess.Popen(data_script("prepare", "--user", args.user), stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        out, err = preparing.communicate()
        if preparing.returncode != 0:
            raise BenchError(f"{backend}: preparing the run failed: {err.strip()[-800:]}")
        prepared = json.loads(out.strip().splitlines()[-1])
        for server, server_port, log in zip(servers, ports, logs, strict=True):
            wait_healthy(server, server_port, log)
        ready_s = time.perf_counter() - started
        if args.verbose:
            print(f"    serving after {ready_s:.1f} s", flush=True)
        refresh_static(data_dir, cache_dir(backend, args))
        cpu, wall = time.process_time(), time.perf_counter()
        rows = asyncio.run(drive(ports, prepared, args, deadline))
        client_cpu = (time.process_time() - cpu) / (time.perf_counter() - wall)
        return {"backend": backend, "rows": rows, "mode": server_mode(logs[0], supports_workers, args.workers),
                "ready_s": ready_s, "client_cpu": client_cpu, "elapsed_s": time.perf_counter() - started}
    finally:
        for server in servers:
            stop_server(server)
        if backend == "postgresql":
            with contextlib.suppress(Exception):
                pg_admin(f'DROP DATABASE IF EXISTS "{RUN_DB}" WITH (FORCE)')
        if args.keep:
            print(f"  kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


# --- Judging and printing --------------------------------------------------------------------------


def judge(row: dict, health_rps: float) -> list[str]:
    """The targets this row misses, in words."""
    if row.get("skipped"):
        return ["not measured (time box)"]
    missed = []
    if row["kind"] == "api" and row["rps"] < API_RPS:
        missed.append(f"< {API_RPS}/s")
    if row["kind"] == "html" and row["rps"] < HTML_RPS:
        missed.append(f"< {HTML_RPS}/s")
    if row["p99_ms"] >= P99_MS:
        missed.append(f"p99 >= {P99_MS} ms")
    if row["errors"] or row["timeouts"]:
        missed.append("errors")
    if row["kind"] in ("api", "html") and health_rps and row["rps"] < HEALTH_RATIO * health_rps:
        missed.append(f"< {HEALTH_RATIO} x health")
    return missed


def health_of(rows: list[dict]) -> float:
    values = [row["rps"] for row in rows if row["kind"] == "health" and not row.get("skipped")]
    return sum(values) / len(values) if values else 0.0


def print_table(result: dict, args) -> None:
    rows, health = result["rows"], health_of(result["rows"])
    servers = f"{args.servers} servers" if args.servers > 1 else "1 server"
    print(f"\n{result['backend']}: {args.clients} clients, {args.seconds:g} s per endpoint; qualitas serve: "
          f"{result['mode']}, {servers}; {args.documents:,} documents, {args.nonconformities:,} NCs, "
          f"{args.events:,} audit events")
    print(f"{'endpoint':<52} {'auth':<7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
          f"{'errors':>6} {'t/o':>4} {'×health':>7}  targets")
    for row in rows:
        missed = judge(row, health)
        ratio = f"{row['rps'] / health:.2f}" if health and row["kind"] != "health" else ""
        verdict = "PASS" if not missed else "FAIL " + ", ".join(missed)
        kinds = ", ".join(f"{kind}: {count}" for kind, count in row["error_kinds"].items())
        kinds = f" ({kinds})" if kinds else ""
        print(f"{row['name']:<52} {row['auth']:<7} {row['rps']:>7.0f} {row['p50_ms']:>7.0f} {row['p95_ms']:>7.0f} "
              f"{row['p99_ms']:>7.0f} {row['errors']:>6} {row['timeouts']:>4} {ratio:>7}  {verdict}{kinds}")
    busy = [f"{row['name']} {row['busy_after_s']:.0f} s" for row in rows if row.get("busy_after_s", 0) >= 1]
    if busy:
        print("Still busy after the phase with requests whose clients had timed out: " + "; ".join(busy))
    print(f"(ready to serve in {result['ready_s']:.0f} s, measured in {result['elapsed_s'] - result['ready_s']:.0f} s; "
          f"the load generator used {result['client_cpu']:.0%} of one core)")


MEASURED = ("api", "html", "health", "mixed")
TARGETS = [  # label, which rows it is about, whether a row meets it (given the health endpoint's req/s)
    (f"API lists and details >= {API_RPS} req/s", ("api",), lambda row, h: row["rps"] >= API_RPS),
    (f"HTML pages >= {HTML_RPS} req/s", ("html",), lambda row, h: row["rps"] >= HTML_RPS),
    (f"p99 < {P99_MS} ms", MEASURED, lambda row, h: row["p99_ms"] < P99_MS),
    ("0 errors and 0 time-outs", MEASURED, lambda row, h: not row["errors"] and not row["timeouts"]),
    (f"every endpoint >= {HEALTH_RATIO} x /api/v1/health", ("api", "html"),
     lambda row, h: not h or row["rps"] >= HEALTH_RATIO * h),
    ("every endpoint measured in the time box", MEASURED, lambda row, h: True),
]


def print_summary(results: list[dict]) -> bool:
    """One line per target: PASS, or how many of the rows it is about missed it, per database (the
    tables name them); True when every target holds. A row not measured misses every target."""
    print(f"\nTargets at {results[0]['clients']} concurrent clients:")
    everything = True
    for label, kinds, holds in TARGETS:
        verdicts = []
        for result in results:
            health = health_of(result["rows"])
            about = [row for row in result["rows"] if row["kind"] in kinds]
            missed = [row for row in about if row.get("skipped") or not holds(row, health)]
            everything &= not missed
            verdict = f"FAIL ({len(missed)} of {len(about)})" if missed else "PASS"
            verdicts.append(f"{result['backend']} {verdict:<16}")
        print(f"  {label:<40} " + "  ".join(verdicts).rstrip())
    return everything


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=5.0, help="Measured time per endpoint (default 5).")
    parser.add_argument("--warmup", type=float, default=1.0, help="Unmeasured time before each (default 1).")
    parser.add_argument("--clients", type=int, default=50, help="Concurrent clients (default 50).")
    parser.add_argument("--workers", type=int, help="Passed to `qualitas serve --workers` when it has the option.")
    parser.add_argument("--servers", type=int, default=1, help="`qualitas serve` processes; clients are split.")
    parser.add_argument("--timeout", type=float, default=5.0, help="Seconds before a request counts as timed out.")
    parser.add_argument("--settle", type=float, default=15.0,
                        help="Longest wait after a phase for the server to finish requests given up on (15 s).")
    parser.add_argument("--budget", type=float, default=500.0,
                        help="Time box in seconds for measuring, shared equally by the databases (default 500); "
                             "phases that would end later are reported as not measured. Generating the data "
                             "set is extra.")
    parser.add_argument("--user", default="quality", help="Demo user the clients sign in as (default quality).")
    parser.add_argument("--port", type=int, default=8760, help="First port to serve on (default 8760).")
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--nonconformities", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--no-read-cache", action="store_true",
                        help="Serve with QUALITAS_READ_CACHE=0: every read computed again (the cold comparison).")
    parser.add_argument("--rebuild", action="store_true", help="Generate the cached data set again.")
    parser.add_argument("--keep", action="store_true", help="Keep each run's scratch directory and server logs.")
    parser.add_argument("--check", action="store_true", help="Exit 1 when a target is missed.")
    parser.add_argument("--verbose", action="store_true", help="Print each endpoint's figure as it is measured.")
    args = parser.parse_args()
    if args.clients < 1 or args.servers < 1 or args.seconds <= 0:
        parser.error("--clients, --servers and --seconds must be positive")
    started = time.perf_counter()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends:
        try:
            pg_admin("SELECT 1")
        except Exception as exc:  # noqa: BLE001 - reported, and the other database still runs
            print(f"postgresql: skipped (cannot connect to {ADMIN_URL}: {str(exc).strip().splitlines()[0]})")
            backends.remove("postgresql")
    if not backends:
        return 0
    try:
        with tempfile.TemporaryDirectory(prefix="qualitas-httpbench-") as scratch:
            supports_workers = "--workers" in serve_options(env_for(Path(scratch), None))
        ensure_caches(backends, args)
        generated = time.perf_counter() - started
        results = []
        for backend in backends:  # each database its own share of the time box, whatever the other took
            print(f"{backend}: measuring …", flush=True)
            share = time.perf_counter() + args.budget / len(backends)
            result = run_backend(backend, args, args.port, share, supports_workers)
            result["clients"] = args.clients
            results.append(result)
            print_table(result, args)
    except BenchError as exc:
        print(f"http_bench could not run: {exc}", file=sys.stderr)
        return 2
    everything = print_summary(results)
    elapsed = time.perf_counter() - started
    made = f" (generating and updating the cached data set: {generated:.0f} s)" if generated >= 30 else ""
    print(f"\nElapsed {elapsed // 60:.0f} min {elapsed % 60:.0f} s{made}. Client and server share this machine's "
          f"{os.cpu_count()} cores; figures from a busy machine are low.")
    return 1 if args.check and not everything else 0


if __name__ == "__main__":
    sys.exit(main())
