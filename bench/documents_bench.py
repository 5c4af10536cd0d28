"""Document search and list latency with 100,000 documents, on SQLite and PostgreSQL.

    python bench/documents_bench.py               # 100,000 documents on both databases
    python bench/documents_bench.py --documents 20000

The documents are bulk-inserted (the point is to measure reading, not the audited write path), with
Markdown-like text drawn from a 5,000-word vocabulary; FTS5 / the GIN index are maintained by the
database as in production. Prints median and p95 latency of ranked full-text searches (as an
employee, so permission filtering is included) and of the first page of the master list.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))


def setup(backend: str) -> None:
    from audit_bench import setup_django

    setup_django(backend)
    from qualitas.demo import load_organisation
    from qualitas.documents.setup import ensure_document_types

    load_organisation()
    ensure_document_types()


def load(count: int, seed: int = 7) -> list[str]:
    from django.db import transaction

    from qualitas.accounts.models import User
    from qualitas.documents.models import Document, DocumentType, Revision, SearchEntry

    rng = random.Random(seed)
    vocabulary = [f"w{n:04d}{chr(97 + n % 26)}" for n in range(5000)]
    owner = User.objects.get(username="quality")
    sop = DocumentType.objects.get(code="SOP")
    batch = 5000
    for start in range(0, count, batch):
        with transaction.atomic():
            documents = Document.objects.bulk_create([
                Document(number=f"B-{n:06d}", title=" ".join(rng.choices(vocabulary, k=5)), doc_type=sop, owner=owner,
                         keywords=" ".join(rng.choices(vocabulary, k=3)))
                for n in range(start, min(start + batch, count))
            ])
            revisions = Revision.objects.bulk_create([
                Revision(document=d, label="1", status="effective", author=owner, change_summary="bench",
                         content=" ".join(rng.choices(vocabulary, k=300))) for d in documents
            ])
            SearchEntry.objects.bulk_create([
                SearchEntry(revision=r, document=r.document, number=r.document.number, title=r.document.title,
                            keywords=r.document.keywords, body=r.content) for r in revisions
            ])
    return vocabulary


def timed(func, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(times: list[float]) -> dict:
    times = sorted(times)
    return {"median_ms": statistics.median(times), "p95_ms": times[int(len(times) * 0.95) - 1]}


def run_backend(backend: str, count: int, runs: int) -> dict:
    setup(backend)
    from django.db import connection
    from django.test import Client

    from qualitas.accounts.models import User
    from qualitas.documents import selectors

    started = time.perf_counter()
    vocabulary = load(count)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    load_s = time.perf_counter() - started
    employee = User.objects.get(username="employee")
    rng = random.Random(11)
    queries = [" ".join(rng.choices(vocabulary, k=rng.choice([1, 2]))) for _ in range(runs)]
    hits = []
    search_times = []
    for query in queries:
        t0 = time.perf_counter()
        hits.append(len(selectors.search(employee, query, limit=20)))
        search_times.append((time.perf_counter() - t0) * 1000)
    client = Client()
    client.force_login(employee)
    list_times = timed(lambda: client.get("/documents/"), max(10, runs // 5))
    return {"backend": backend, "documents": count, "load_s": load_s, "search": summary(search_times),
            "list": summary(list_times), "mean_hits": statistics.mean(hits)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.backend:
        print(json.dumps(run_backend(args.backend, args.documents, args.runs)))
        return 0
    print(f"{'backend':<11} {'documents':>9} {'load s':>7} {'search med':>11} {'search p95':>11} "
          f"{'list med':>9} {'list p95':>9}  (ms)")
    for backend in ("sqlite", "postgresql"):
        env = {**os.environ, "QUALITAS_DATA_DIR": tempfile.mkdtemp(prefix="qualitas-docbench-")}
        process = subprocess.run([sys.executable, __file__, "--backend", backend, "--documents", str(args.documents),
                                  "--runs", str(args.runs)], capture_output=True, text=True, env=env, check=False)
        if process.returncode != 0:
            tail = process.stderr.strip().splitlines()[-1] if process.stderr.strip() else "failed"
            print(f"{backend}: skipped ({tail})")
            continue
        row = json.loads(process.stdout.strip().splitlines()[-1])
        print(f"{row['backend']:<11} {row['documents']:>9} {row['load_s']:>7.1f} {row['search']['median_ms']:>11.1f} "
              f"{row['search']['p95_ms']:>11.1f} {row['list']['median_ms']:>9.1f} {row['list']['p95_ms']:>9.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
