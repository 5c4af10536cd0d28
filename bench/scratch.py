"""A fresh database for one benchmark process: SQLite in a new data directory, or a PostgreSQL database
named after the process (so two benchmarks never share one), dropped when the process ends."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get("QUALITAS_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql)


def setup_django(backend: str, prefix: str = "qualitas_bench", **environ: str) -> None:
    """Point this process at a new database (`environ`: more settings), set Django up and migrate."""
    os.environ["QUALITAS_DATA_DIR"] = tempfile.mkdtemp(prefix=f"{prefix.replace('_', '-')}-")
    if backend == "postgresql":
        import atexit

        name = f"{prefix}_{os.getpid()}"
        admin(f"DROP DATABASE IF EXISTS {name}")
        admin(f"CREATE DATABASE {name}")
        os.environ["QUALITAS_DATABASE_URL"] = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

        def drop() -> None:
            from django.db import connections

            connections.close_all()
            admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

        atexit.register(drop)
    else:
        os.environ.pop("QUALITAS_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "qualitas.config.settings"
    os.environ.update(environ)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
