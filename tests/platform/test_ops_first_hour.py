"""The first hour of running Qualitas: `qualitas demo` on a fresh data directory (one whose path has a
'#' in it), `qualitas serve --demo` on another port, and a refused request in the log."""

from __future__ import annotations

import logging
import os
import queue
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from qualitas.demo import DEMO_PASSWORD, DEMO_USERS

# Generous: the full demo takes a minute or two on a busy two-core machine.
DEMO_TIMEOUT = 900
EMAIL_MARKERS = ("Subject: [Qualitas]", "Content-Transfer-Encoding", "MIME-Version")


def qualitas(*args: str, data_dir: Path, timeout: float = DEMO_TIMEOUT, **env: str) -> subprocess.CompletedProcess:
    """The `qualitas` command in a fresh process, configured only by its environment (no test settings)."""
    return subprocess.run(
        [sys.executable, "-m", "qualitas", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={"PATH": "/usr/bin:/bin", "HOME": str(data_dir), "QUALITAS_DATA_DIR": str(data_dir), **env},
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("qms#first-hour")


@pytest.fixture(scope="module")
def demo_run(demo_dir) -> subprocess.CompletedProcess:
    """`qualitas demo` on a data directory that has nothing in it yet."""
    assert not (demo_dir / "qualitas.sqlite3").exists()
    return qualitas("demo", data_dir=demo_dir)


def test_demo_on_a_fresh_data_dir_migrates_and_loads(demo_run, demo_dir):
    output = demo_run.stdout + demo_run.stderr
    assert demo_run.returncode == 0, output[-3000:]
    assert "Traceback" not in output
    with sqlite3.connect(demo_dir / "qualitas.sqlite3") as db:
        users = {row[0] for row in db.execute("SELECT username FROM accounts_user")}
        clauses = db.execute("SELECT count(*) FROM standards_clause").fetchone()[0]
    assert {username for username, _ in DEMO_USERS} <= users and clauses > 0


def test_demo_output_is_short_shows_the_logins_and_no_email(demo_run):
    output = demo_run.stdout + demo_run.stderr
    assert not any(marker in output for marker in EMAIL_MARKERS), output[:3000]
    lines = demo_run.stdout.strip().splitlines()
    assert len(lines) <= 12, demo_run.stdout
    assert "Demo organisation" in lines[0] and "no email" in lines[0]
    assert f"password for all: {DEMO_PASSWORD}" in demo_run.stdout
    for username, role in DEMO_USERS:
        assert any(line.split() == [username, *role.split()] for line in lines), (username, demo_run.stdout)
    assert len(output.splitlines()) < 60, output  # was ~3,700 lines of console email


def test_the_data_dir_is_used_as_is_for_the_sqlite_database(demo_run, demo_dir):
    assert demo_run.returncode == 0
    assert (demo_dir / "qualitas.sqlite3").stat().st_size > 0
    cut = Path(str(demo_dir).split("#", 1)[0])  # where a sqlite:/// URL would have put it
    assert not cut.exists() or cut.is_dir() and not any(cut.glob("*.sqlite3"))
    code = "from django.conf import settings; print(settings.DATABASES['default']['NAME'])"
    shown = subprocess.run(
        [sys.executable, "-c", f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='qualitas.config.settings'; "
         f"django.setup(); {code}"],
        env={"PATH": "/usr/bin:/bin", "QUALITAS_DATA_DIR": str(demo_dir)}, capture_output=True, text=True, timeout=120,
    )
    assert shown.stdout.strip() == str(demo_dir / "qualitas.sqlite3"), shown.stderr


def test_a_database_url_still_wins_over_the_data_dir(tmp_path):
    target = tmp_path / "elsewhere.sqlite3"
    code = "from django.conf import settings; d = settings.DATABASES['default']; print(d['ENGINE'], d['NAME'])"
    shown = subprocess.run(
        [sys.executable, "-c", f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='qualitas.config.settings'; "
         f"django.setup(); {code}"],
        env={"PATH": "/usr/bin:/bin", "QUALITAS_DATA_DIR": str(tmp_path / "a#b"),
             "QUALITAS_DATABASE_URL": f"sqlite:///{target}"},
        capture_output=True, text=True, timeout=120,
    )
    assert shown.stdout.split() == ["django.db.backends.sqlite3", str(target)], shown.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_demo_on_another_port_ends_with_the_logins_and_the_address(demo_run, demo_dir, tmp_path):
    assert demo_run.returncode == 0
    port = free_port()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(demo_dir), "QUALITAS_DATA_DIR": str(demo_dir), "QUALITAS_DEMO": "1"}
    log = tmp_path / "serve.log"
    with log.open("w") as stderr:
        server = subprocess.Popen(
            [sys.executable, "-m", "qualitas", "serve", "--demo", "--port", str(port)],
            stdout=subprocess.PIPE, stderr=stderr, text=True, env=env,
        )
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in server.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    printed: list[str] = []
    try:
        deadline = time.monotonic() + DEMO_TIMEOUT
        while not printed or "serving on" not in printed[-1]:  # up to the line that says it is listening
            line = lines.get(timeout=max(1.0, deadline - time.monotonic()))
            if line is None:
                break
            printed.append(line)
        assert printed and printed[-1].startswith(f"Qualitas is serving on http://127.0.0.1:{port}/"), (
            printed, log.read_text()[-3000:])
        assert printed[-10].startswith("Demo logins") and printed[-9].split()[0] == DEMO_USERS[0][0]
        assert not any(marker in "\n".join(printed) for marker in EMAIL_MARKERS)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=60) as response:  # noqa: S310
            assert response.status == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=60)
    assert not any(marker in log.read_text() for marker in EMAIL_MARKERS)  # nor did its first jobs email


def test_make_run_passes_the_port():
    makefile = Path(__file__).resolve().parents[2] / "Makefile"
    dry = subprocess.run(
        ["make", "-n", "-f", str(makefile), "-C", str(makefile.parent), "run", "PORT=8080"],
        capture_output=True, text=True, timeout=120, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    assert "qualitas serve --demo --port 8080" in dry.stdout, dry.stdout + dry.stderr
    default = subprocess.run(
        ["make", "-n", "-f", str(makefile), "-C", str(makefile.parent), "run"],
        capture_output=True, text=True, timeout=120, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    assert "qualitas serve --demo --port 8000" in default.stdout, default.stdout + default.stderr


# --- Refusals in the log ------------------------------------------------------------------------------


def request_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name in ("django.request", "django.security.csrf")]


@pytest.mark.django_db
def test_a_refused_page_is_one_warning_line_without_a_traceback(client, employee, caplog):
    client.force_login(employee)
    with caplog.at_level(logging.INFO):
        response = client.get("/records/audit-trail/?record=x%0Ay")
    assert response.status_code == 403
    records = request_records(caplog)
    assert len(records) == 1, [r.getMessage() for r in records]
    record = records[0]
    assert record.levelno == logging.WARNING and record.exc_info is None and record.exc_text is None
    message = record.getMessage()
    assert message.startswith("Forbidden: GET /records/audit-trail/ user=emp1 reason=")
    assert "You do not have permission to view in Audit trail" in message and "\n" not in message
    assert "Traceback" not in caplog.text


@pytest.mark.django_db
def test_a_refused_api_call_is_one_line_naming_the_token_user(api_client, employee, caplog):
    with caplog.at_level(logging.INFO):
        response = api_client.as_user(employee).get("/audit/events")
    assert response.status_code == 403
    records = request_records(caplog)
    assert len(records) == 1 and records[0].levelno == logging.WARNING and records[0].exc_info is None
    assert records[0].getMessage().startswith("Forbidden: GET /api/v1/audit/events user=emp1 reason=")


def test_a_server_error_keeps_its_traceback(caplog, rf):
    request = rf.get("/boom/")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        with caplog.at_level(logging.INFO):
            logging.getLogger("django.request").error(
                "Internal Server Error: %s", request.path, exc_info=True, extra={"status_code": 500, "request": request}
            )
    (record,) = request_records(caplog)
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "Traceback" in caplog.text and "RuntimeError: boom" in caplog.text


def test_a_forbidden_path_cannot_forge_log_lines(caplog, rf):
    request = rf.get("/x/")
    request.path = "/x/\nFAKE 2026 INFO admin signed in"
    with caplog.at_level(logging.INFO):
        logging.getLogger("django.request").warning(
            "Forbidden (Permission denied): %s", request.path, exc_info=PermissionError("no\nway"),
            extra={"status_code": 403, "request": request},
        )
    (record,) = request_records(caplog)
    assert "\n" not in record.getMessage() and record.exc_info is None
    assert record.getMessage() == "Forbidden: GET /x/\\nFAKE 2026 INFO admin signed in user=anonymous reason=no\\nway"
