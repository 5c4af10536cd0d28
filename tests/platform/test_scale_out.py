"""Scale-out on PostgreSQL: two `qualitas serve --workers 1` and two `qualitas worker --interval 1` processes
on one scratch database, as two app servers behind a proxy would run them.

Each process has a data directory of its own, like a machine of its own; what the servers share is what a
deployment shares: the database (QUALITAS_DATABASE_URL), the secret key (QUALITAS_SECRET_KEY: sessions,
password-reset links and the checkpoints' HMAC), the attachments (DATA_DIR/files on shared storage: here a
symbolic link to one directory, as an NFS mount would be) and the checkpoint directory
(QUALITAS_CHECKPOINT_DIR). The servers run no jobs (QUALITAS_RUN_JOBS=0): the two workers do.

"Each job ran once" means: every due time of a job (its lease's next_run_at reached, or set empty) gives
exactly one JobRun, whichever worker claimed it, and two runs of one job never overlap.

Skipped unless QUALITAS_DATABASE_URL names a PostgreSQL server (`make test-postgres`).
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import sys
import threading
import uuid
from collections import Counter
from itertools import pairwise
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.platform.serving import (
    Process,
    clean_env,
    free_port,
    get_json,
    healthy,
    run,
    serve_tree,
    wait_until,
)

DATABASE_URL = os.environ.get("QUALITAS_DATABASE_URL", "")
pytestmark = [
    pytest.mark.skipif(not DATABASE_URL.startswith(("postgres://", "postgresql://")),
                       reason="needs QUALITAS_DATABASE_URL pointing at PostgreSQL (make test-postgres)"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads the process tree from /proc"),
]

PASSWORD = "scale-out-admin-password-7"  # noqa: S105 - a scratch database's only account
WRITERS = 8  # concurrent PATCHes per round, half through each server
ROUNDS = 5
JOB_ROUNDS = 3


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(DATABASE_URL)._replace(path=f"/{name}"))


def connect(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)


@pytest.fixture
def scratch_database():
    """A database of this test's own on the server QUALITAS_DATABASE_URL names; dropped at the end."""
    name = f"qualitas_scaleout_{secrets.token_hex(4)}"
    maintenance = database_url("postgres")
    try:
        connect(maintenance).close()
    except Exception:
        maintenance = DATABASE_URL  # a server without the postgres database: the configured one
    with connect(maintenance) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield database_url(name)
    finally:
        with connect(maintenance) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def deployment(scratch_database, tmp_path):
    """Environments for machine a and machine b, sharing what a deployment shares."""
    root = tmp_path / "machines"
    shared = root / "shared"
    (shared / "files").mkdir(parents=True)
    common = {
        "QUALITAS_DATABASE_URL": scratch_database,
        "QUALITAS_SECRET_KEY": secrets.token_urlsafe(50),
        "QUALITAS_CHECKPOINT_DIR": str(shared / "checkpoints"),
        "QUALITAS_JOB_INTERVAL": "1",
    }
    envs = {}
    for machine in ("a", "b"):
        data_dir = root / machine
        data_dir.mkdir()
        (data_dir / "files").symlink_to(shared / "files", target_is_directory=True)
        envs[machine] = clean_env(data_dir, **common)
    return envs


@pytest.fixture
def cluster(deployment, tmp_path):
    """The database migrated and an administrator with a token; then two servers and two workers running."""
    logs = tmp_path
    run("migrate", "-v0", env=deployment["a"], timeout=600)
    run("createadmin", "scaleadmin", env={**deployment["a"], "QUALITAS_ADMIN_PASSWORD": PASSWORD})
    token = run("token", "create", "scaleadmin", "--name", "scale-out", env=deployment["a"]).stdout.strip()
    jobs = run("jobs", "list", env=deployment["a"]).stdout.splitlines()
    names = sorted(line.split()[0] for line in jobs[1:] if line.strip())
    ports = {"a": free_port(), "b": free_port()}
    processes: dict[str, Process] = {}
    try:
        for machine in ("a", "b"):
            processes[f"server-{machine}"] = Process(
                "serve", "--workers", "1", "--port", str(ports[machine]),
                env={**deployment[machine], "QUALITAS_RUN_JOBS": "0"}, log=logs / f"server-{machine}.log")
            processes[f"worker-{machine}"] = Process(
                "worker", "--interval", "1", env=deployment[machine], log=logs / f"worker-{machine}.log")
        for machine in ("a", "b"):
            processes[f"server-{machine}"].wait_for_line("Qualitas is serving on")
            processes[f"worker-{machine}"].wait_for_line("running scheduled jobs every 1 s")
            wait_until(lambda port=ports[machine]: healthy(port), 120, f"server {machine} answers")
        yield {"ports": ports, "token": token, "processes": processes, "job_names": names}
    finally:
        for process in processes.values():
            process.kill_all()


def request(port: int, method: str, path: str, *, token: str | None = None, body: dict | None = None,
            headers: dict | None = None, raw: bytes | None = None) -> tuple[int, dict, http.client.HTTPResponse]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        content = response.read()
        try:
            parsed = json.loads(content) if content else None
        except ValueError:
            parsed = {"raw": content}
        return response.status, parsed, response
    finally:
        connection.close()


def sql(url: str, query: str, params=()) -> list[tuple]:
    with connect(url) as database:
        return database.execute(query, params).fetchall()


def test_two_servers_and_two_workers_on_one_postgresql_database(cluster, deployment, scratch_database):
    """One test, not several: the four processes and their database are started once (under xdist, tests of a
    module may run in different processes, each of which would start its own)."""
    for machine in ("a", "b"):  # the servers run no jobs: the workers do
        workers, jobs = serve_tree(cluster["processes"][f"server-{machine}"].pid)
        assert len(workers) == 1 and jobs == [], (machine, workers, jobs)
    concurrent_edits_through_both_servers_lose_no_update(cluster, scratch_database)
    a_session_from_one_server_is_valid_on_the_other(cluster)
    an_attachment_stored_through_one_server_is_served_by_the_other(cluster)
    each_job_runs_once_per_due_time_on_one_of_the_workers(cluster, scratch_database)
    verified = run("audit", "verify", env=deployment["b"])  # the trail written through both servers, intact
    assert "and checkpoint audit-checkpoint-" in verified.stdout, verified.stdout


def create_site(cluster, code: str) -> dict:
    status, site, _ = request(cluster["ports"]["a"], "POST", "/api/v1/sites", token=cluster["token"],
                              body={"code": code, "name": f"Plant {code}"})
    assert status == 201, site
    return site


def concurrent_edits_through_both_servers_lose_no_update(cluster, scratch_database):
    ports, token = cluster["ports"], cluster["token"]
    site = create_site(cluster, "SCALE")
    path = f"/api/v1/sites/{site['id']}"
    winners = []
    for round_ in range(ROUNDS):
        # Reads through both servers agree.
        seen = {machine: get_json(ports[machine], path, token) for machine in ("a", "b")}
        assert seen["a"] == seen["b"] and seen["a"][0] == 200, seen
        version = seen["a"][1]["version"]
        assert version == 1 + round_
        barrier = threading.Barrier(WRITERS)
        answers: list[tuple[int, dict, str]] = []

        def edit(writer: int, version: int = version, round_: int = round_, barrier=barrier, answers=answers):
            name = f"Round {round_} writer {writer}"
            barrier.wait(timeout=60)
            status, body, _ = request(ports["ab"[writer % 2]], "PATCH", path, token=token,
                                      body={"version": version, "name": name})
            answers.append((status, body, name))

        threads = [threading.Thread(target=edit, args=(writer,)) for writer in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        assert Counter(status for status, _, _ in answers) == {200: 1, 409: WRITERS - 1}, answers
        [(_, won, name)] = [answer for answer in answers if answer[0] == 200]
        assert won["version"] == version + 1 and won["name"] == name
        assert all("changed by someone else" in body["message"] for status, body, _ in answers if status == 409)
        winners.append(name)

    final = {machine: get_json(ports[machine], path, token)[1] for machine in ("a", "b")}
    assert final["a"] == final["b"]
    assert final["a"]["version"] == 1 + len(winners) == 1 + ROUNDS  # no lost update
    assert final["a"]["name"] == winners[-1]
    events = sql(scratch_database, "SELECT count(*) FROM audit_auditevent WHERE event = %s AND record_id = %s",
                 ("organisation.site_updated", str(site["id"])))
    assert events == [(ROUNDS,)]  # one audit event per accepted edit, none for a refused one


def a_session_from_one_server_is_valid_on_the_other(cluster):
    ports = cluster["ports"]
    status, page, response = request(ports["a"], "GET", "/accounts/login/")
    assert status == 200
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    form_token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page["raw"]).group(1).decode()
    form = f"csrfmiddlewaretoken={form_token}&username=scaleadmin&password={PASSWORD}".encode()
    status, _, response = request(ports["a"], "POST", "/accounts/login/", raw=form, headers={
        "Cookie": f"csrftoken={csrf_cookie}", "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 302, status
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie") or "").group(1)
    status, me, _ = request(ports["b"], "GET", "/api/v1/users/me", headers={"Cookie": f"sessionid={session}"})
    assert status == 200 and me["username"] == "scaleadmin", (status, me)


def an_attachment_stored_through_one_server_is_served_by_the_other(cluster):
    ports, token = cluster["ports"], cluster["token"]
    site = create_site(cluster, "FILES")
    content = f"Calibration record {uuid.uuid4()}\n".encode()
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"calibration.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    status, attachment, _ = request(
        ports["a"], "POST", f"/api/v1/records/accounts.site/{site['id']}/attachments", token=token, raw=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 201, attachment
    status, downloaded, _ = request(ports["b"], "GET", f"/api/v1/attachments/{attachment['id']}/download", token=token)
    assert status == 200 and downloaded == {"raw": content}, (status, downloaded)


def each_job_runs_once_per_due_time_on_one_of_the_workers(cluster, scratch_database):
    names = cluster["job_names"]
    workers = {cluster["processes"]["worker-a"].pid, cluster["processes"]["worker-b"].pid}

    def runs() -> list[tuple]:
        return sql(scratch_database, "SELECT name, status, pid, started_at, finished_at FROM jobs_jobrun ORDER BY id")

    def every_job_ran(times: int) -> bool:
        finished = Counter(name for name, status, *_ in runs() if status != "running")
        return all(finished[name] >= times for name in names)

    def leases_free() -> bool:
        return sql(scratch_database, "SELECT count(*) FROM jobs_joblease WHERE locked_until IS NOT NULL") == [(0,)]

    wait_until(lambda: every_job_ran(1), 300, lambda: f"every job ran once: {runs()}")
    for round_ in range(2, JOB_ROUNDS + 2):
        wait_until(leases_free, 300, "no job is running")
        sql(scratch_database, "UPDATE jobs_joblease SET next_run_at = NULL RETURNING name")  # all due again
        wait_until(lambda times=round_: every_job_ran(times), 300, lambda r=round_: f"round {r}: {runs()}")
    wait_until(leases_free, 300, "no job is running")

    recorded = runs()
    assert Counter(name for name, *_ in recorded) == {name: JOB_ROUNDS + 1 for name in names}  # once per due time
    assert {pid for _, _, pid, _, _ in recorded} <= workers  # never in a server
    for name in names:
        mine = sorted((started, finished) for job, _, _, started, finished in recorded if job == name)
        for (_, finished), (started, _) in pairwise(mine):
            assert started >= finished, (name, mine)  # two runs of one job never overlap
