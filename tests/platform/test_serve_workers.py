"""`qualitas serve --workers N` as an operator runs it: a real process on a free port and a scratch data dir.

The master (gunicorn's arbiter, the `serve` process itself) has N HTTP workers and one scheduled-jobs
process as children; requests are answered by more than one worker; every job run is recorded by the one
job process (JobRun.pid), once per due time; HUP replaces the workers; a killed job process is started
again; SIGTERM stops all of them. The process tree and the connections' owners come from /proc (Linux).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.platform.serving import (
    QUALITAS,
    START_TIMEOUT,
    Process,
    alive,
    clean_env,
    free_port,
    healthy,
    run,
    serve_tree,
    serving_pids,
    wait_until,
)

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree from /proc")

@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A data dir migrated, with its static files collected, once for the module (copied for each test)."""
    template = tmp_path_factory.mktemp("serve-template")
    env = clean_env(template)
    run("migrate", "-v0", env=env, timeout=START_TIMEOUT)
    collect = "from qualitas.core.management.commands.serve import Command; Command().collect_static_if_needed()"
    run("shell", "-c", collect, env=env, timeout=START_TIMEOUT)
    return template


@pytest.fixture(scope="module")
def job_names(migrated) -> list[str]:
    """The jobs the installed modules register, as `qualitas jobs list` shows them."""
    listing = run("jobs", "list", env=clean_env(migrated)).stdout.splitlines()
    assert listing[0].startswith("JOB")
    return sorted(line.split()[0] for line in listing[1:] if line.strip())


@pytest.fixture
def data_dir(migrated, tmp_path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(migrated, target)
    return target


@pytest.fixture
def started(tmp_path):
    """Start `qualitas serve …` processes; whatever is left of them is killed at the end."""
    processes: list[Process] = []

    def start(*args: str, env: dict[str, str]) -> Process:
        process = Process("serve", *args, env=env, log=tmp_path / f"serve-{len(processes)}.log")
        processes.append(process)
        return process

    yield start
    for process in processes:
        process.kill_all()


def tree_when(master: int, condition) -> tuple[list[int], list[int]] | None:
    """The master's (HTTP workers, job processes) if condition(workers, job processes) holds, else None."""
    http, jobs = serve_tree(master)
    return (http, jobs) if condition(http, jobs) else None


def job_runs(data_dir: Path) -> list[tuple[str, str, int]]:
    with sqlite3.connect(data_dir / "qualitas.sqlite3", timeout=30) as database:
        return database.execute("SELECT name, status, pid FROM jobs_jobrun ORDER BY id").fetchall()


def every_job_ran(data_dir: Path, names: list[str], times: int) -> bool:
    finished = Counter(name for name, status, _ in job_runs(data_dir) if status != "running")
    return all(finished[name] >= times for name in names)


def make_every_job_due(data_dir: Path) -> None:
    """A new due time for every job (as if its interval had passed): the schedule's own column, not a run."""
    with sqlite3.connect(data_dir / "qualitas.sqlite3", timeout=30) as database:
        database.execute("UPDATE jobs_joblease SET next_run_at = NULL")


def test_two_workers_one_job_process_hup_and_a_graceful_stop(data_dir, started, job_names):
    port = free_port()
    server = started("--workers", "2", "--port", str(port), env=clean_env(data_dir, QUALITAS_JOB_INTERVAL="1"))
    serving = server.wait_for_line("Qualitas is serving on")
    assert serving.startswith(f"Qualitas is serving on http://127.0.0.1:{port}/ (2 processes × 8 threads")
    wait_until(lambda: healthy(port), 120, "the health endpoint answers")
    workers, jobs = wait_until(lambda: tree_when(server.pid, lambda http, jobs: len(http) == 2 and jobs), 120,
                               lambda: f"2 workers and a job process under {server.pid}: {serve_tree(server.pid)}")
    assert len(jobs) == 1, jobs
    [job_process] = jobs

    # Requests are answered by both workers: rounds of keep-alive connections until each has held one.
    seen: set[int] = set()
    wait_until(lambda: seen.update(serving_pids(port, workers)) or seen == set(workers), 120,
               lambda: f"both workers {workers} answered; seen {seen}", poll=0.2)

    # The jobs run in the job process only, each once per due time.
    wait_until(lambda: every_job_ran(data_dir, job_names, 1), 180, lambda: f"the first runs: {job_runs(data_dir)}")
    first = job_runs(data_dir)
    assert sorted(name for name, _, _ in first) == job_names, first  # each once
    assert {pid for _, _, pid in first} == {job_process}, (first, workers, server.pid)
    make_every_job_due(data_dir)
    wait_until(lambda: every_job_ran(data_dir, job_names, 2), 180, lambda: f"the second runs: {job_runs(data_dir)}")
    runs = job_runs(data_dir)
    assert sorted(name for name, _, _ in runs) == sorted(job_names * 2), runs  # once more each, not twice
    assert {pid for _, _, pid in runs} == {job_process}

    # HUP: new workers, the old ones leave; the job process is the same one.
    server.signal(signal.SIGHUP)
    def all_new(http, _):
        return len(http) == 2 and not set(http) & set(workers)

    renewed, _ = wait_until(lambda: tree_when(server.pid, all_new), 120,
                            lambda: f"two new workers instead of {workers}: {serve_tree(server.pid)}")
    wait_until(lambda: not any(alive(pid) for pid in workers), 60, f"the old workers {workers} have ended")
    assert healthy(port)
    assert serve_tree(server.pid)[1] == [job_process]

    # A job process that dies is started again (once).
    os.kill(job_process, signal.SIGKILL)
    _, [restarted] = wait_until(lambda: tree_when(server.pid, lambda _, jobs: jobs and job_process not in jobs), 120,
                                lambda: f"a new job process instead of {job_process}: {serve_tree(server.pid)}")
    assert serve_tree(server.pid) == (renewed, [restarted])

    # SIGTERM: everything stops, nothing is left behind.
    server.signal(signal.SIGTERM)
    assert server.wait() == 0, server.stderr()[-3000:]
    everyone = [*workers, *renewed, job_process, restarted]
    wait_until(lambda: not any(alive(pid) for pid in everyone), 30, lambda: [p for p in everyone if alive(p)])
    assert server.rest_of_stdout()[-1] == serving  # and it is what the terminal shows last
    assert "Traceback" not in server.stderr(), server.stderr()[-3000:]


def test_jobs_left_to_qualitas_worker_start_no_job_process(data_dir, started):
    port = free_port()
    server = started("--workers", "1", "--port", str(port), env=clean_env(data_dir, QUALITAS_RUN_JOBS="0"))
    assert "scheduled jobs left to `qualitas worker`" in server.wait_for_line("Qualitas is serving on")
    wait_until(lambda: healthy(port), 120, "the health endpoint answers")
    workers, jobs = wait_until(lambda: tree_when(server.pid, lambda http, _: http), 60, "a worker")
    assert len(workers) == 1 and jobs == []
    server.signal(signal.SIGTERM)
    assert server.wait() == 0
    assert not alive(workers[0])


def test_waitress_serves_from_one_process_with_the_jobs_in_it(data_dir, started, job_names):
    port = free_port()
    server = started("--server", "waitress", "--port", str(port), env=clean_env(data_dir, QUALITAS_JOB_INTERVAL="1"))
    assert "(one process;" in server.wait_for_line("Qualitas is serving on")
    wait_until(lambda: healthy(port), 120, "the health endpoint answers")
    wait_until(lambda: every_job_ran(data_dir, job_names, 1), 180, lambda: f"the first runs: {job_runs(data_dir)}")
    assert {pid for _, _, pid in job_runs(data_dir)} == {server.pid}
    assert serve_tree(server.pid) == ([], [])


def test_a_port_in_use_is_one_line_and_exit_code_2(data_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([*QUALITAS, "serve", "--workers", "2", "--port", str(port)], env=clean_env(data_dir),
                                capture_output=True, text=True, timeout=START_TIMEOUT)
    assert result.returncode == 2, result.stderr[-3000:]
    said = f"CommandError: Cannot listen on 127.0.0.1:{port}: Address already in use"
    assert result.stderr.strip().splitlines()[-1] == said
    assert "serving on" not in result.stdout


@pytest.mark.parametrize(("args", "says"), [
    (["--workers", "0"], "--workers must be at least 1, got 0"),
    (["--threads", "0"], "--threads must be at least 1, got 0"),
    (["--server", "waitress", "--workers", "2"], "waitress serves from one process: --workers must be 1, got 2"),
])
def test_bad_options_are_refused_before_anything_happens(tmp_path, args, says):
    result = subprocess.run([*QUALITAS, "serve", *args], env=clean_env(tmp_path), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"CommandError: {says}"]
    assert not (tmp_path / "qualitas.sqlite3").exists()  # not even migrated
