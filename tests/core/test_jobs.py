"""Scheduled jobs: the registry, run records, leases shared by several workers, the commands and the loop."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from qualitas.core.audit.models import AuditEvent
from qualitas.core.audit.services import record
from qualitas.core.jobs import scheduler, services
from qualitas.core.jobs.models import JobLease, JobRun
from qualitas.core.jobs.registry import all_jobs, get_job, register_job, unregister_job

pytestmark = pytest.mark.django_db

EVERY = timedelta(hours=1)


@pytest.fixture
def jobs():
    """Register test jobs for one test and remove them afterwards."""
    names = []

    def add(name, func, every=EVERY, **kwargs):
        names.append(name)
        return register_job(name, func, every=every, **kwargs)

    yield add
    for name in names:
        unregister_job(name)


def in_memory_sqlite() -> bool:
    return connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(("file:memorydb", ":memory:"))


def test_modules_register_their_jobs():
    names = {job.name for job in all_jobs()}
    assert {"tasks.reminders", "notifications.digest", "notifications.email_retry", "jobs.prune_runs"} <= names


def test_a_job_function_may_take_only_now():
    def needs_argument(user):
        return None

    with pytest.raises(ValueError, match="only `now`"):
        register_job("test.bad", needs_argument, every=EVERY)
    with pytest.raises(ValueError, match="positive"):
        register_job("test.bad", lambda: None, every=timedelta(0))
    assert get_job("test.bad") is None


def test_a_due_job_runs_once_and_its_run_is_recorded(jobs):
    calls = []
    jobs("test.counter", lambda now: calls.append(now) or f"counted {len(calls)}")
    now = timezone.now()

    runs = services.run_due_jobs(now, only=["test.counter"])

    assert calls == [now]
    [run] = runs
    run.refresh_from_db()
    assert (run.name, run.status, run.output, run.forced) == ("test.counter", "ok", "counted 1", False)
    assert run.finished_at >= run.started_at and run.pid == os.getpid() and run.host
    lease = JobLease.objects.get(name="test.counter")
    assert lease.next_run_at == now + EVERY and lease.owner == "" and lease.locked_until is None
    assert lease.last_status == "ok"
    # Not due again until the interval has passed.
    assert services.run_due_jobs(now + timedelta(minutes=59), only=["test.counter"]) == []
    assert len(services.run_due_jobs(now + EVERY, only=["test.counter"])) == 1
    assert len(calls) == 2 and JobRun.objects.filter(name="test.counter").count() == 2


def test_a_failing_job_is_recorded_and_does_not_stop_the_others(jobs):
    def broken():
        raise RuntimeError("mail server on fire")

    ran = []
    jobs("test.a_broken", broken)
    jobs("test.b_fine", lambda: ran.append(1))
    now = timezone.now()

    runs = services.run_due_jobs(now, only=["test.a_broken", "test.b_fine"])

    assert [(run.name, run.status) for run in runs] == [("test.a_broken", "failed"), ("test.b_fine", "ok")]
    failed = JobRun.objects.get(name="test.a_broken")
    assert "RuntimeError: mail server on fire" in failed.error and failed.finished_at is not None
    assert ran == [1]
    # A failure is retried after a short delay, not after the full interval.
    lease = JobLease.objects.get(name="test.a_broken")
    assert lease.last_status == "failed" and lease.next_run_at == now + services.RETRY_AFTER_FAILURE


def test_jobs_run_as_the_system_with_the_job_source(jobs):
    jobs("test.audited", lambda: record(None, "job", "test.job_ran", record_type="test.thing", record_id=1))
    services.run_due_jobs(only=["test.audited"])
    event = AuditEvent.objects.get(event="test.job_ran")
    assert (event.actor_id, event.actor_name, event.source) == (None, "System", "job")


def test_a_job_held_by_another_worker_is_not_run_until_its_lease_expires(jobs):
    calls = []
    job = jobs("test.leased", lambda: calls.append(1), timeout=timedelta(minutes=10))
    now = timezone.now()
    # Another worker claimed the job and died mid-run, leaving its run marked "running".
    assert services.claim(job, "host-b:99:1", now)
    JobRun.objects.create(name="test.leased", started_at=now, worker="host-b:99:1")

    assert services.run_due_jobs(now + timedelta(minutes=5), only=["test.leased"]) == []
    assert calls == []

    [run] = services.run_due_jobs(now + timedelta(minutes=11), only=["test.leased"])
    assert run.status == "ok" and calls == [1]
    abandoned = JobRun.objects.get(name="test.leased", worker="host-b:99:1")
    assert abandoned.status == "failed" and "lease expired" in abandoned.error


def test_claim_is_exclusive_and_release_needs_the_owner(jobs):
    job = jobs("test.exclusive", lambda: None)
    now = timezone.now()
    assert services.claim(job, "a", now)
    assert not services.claim(job, "b", now)
    assert services.claim(job, "a", now)  # a worker may renew its own lease
    services.release(job, "b", now, "ok", now)  # not the owner: no effect
    assert JobLease.objects.get(name="test.exclusive").owner == "a"
    services.release(job, "a", now, "ok", now)
    assert not services.claim(job, "b", now)  # free, but not due any more
    assert services.claim(job, "b", now + EVERY)


def test_a_forced_run_ignores_the_schedule_but_not_the_lease(jobs):
    calls = []
    job = jobs("test.forced", lambda: calls.append(1))
    now = timezone.now()
    services.run_due_jobs(now, only=["test.forced"])
    run = services.run_job("test.forced", now)
    assert run.forced and run.status == "ok" and calls == [1, 1]
    assert services.claim(job, "elsewhere", now + EVERY)
    with pytest.raises(services.JobBusy):
        services.run_job("test.forced", now + EVERY)
    with pytest.raises(KeyError):
        services.run_job("test.unknown")


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_run_a_job_once(jobs):
    if in_memory_sqlite():
        pytest.skip("in-memory SQLite cannot be shared between threads; the PostgreSQL run covers this")
    calls = []
    other_worker_done = threading.Event()
    # The job holds on until the other worker has tried (and found it claimed), so the two overlap.
    jobs("test.concurrent", lambda: calls.append(threading.get_ident()) or other_worker_done.wait(timeout=10))
    now = timezone.now()
    barrier = threading.Barrier(2)
    results: list[list] = []

    def work():
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            runs = services.run_due_jobs(now, only=["test.concurrent"])
            results.append(runs)
            if not runs:
                other_worker_done.set()
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert sorted(len(runs) for runs in results) == [0, 1]
    assert JobRun.objects.filter(name="test.concurrent").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_background_scheduler_runs_due_jobs_and_stops(jobs):
    if in_memory_sqlite():
        pytest.skip("in-memory SQLite cannot be shared between threads; the PostgreSQL run covers this")
    calls = []
    ran = threading.Event()
    jobs("test.background", lambda: calls.append(1) or ran.set(), every=timedelta(hours=1))
    thread = scheduler.start_background_scheduler(interval=0.05)
    try:
        assert thread is not None and thread.daemon
        assert scheduler.start_background_scheduler(interval=0.05) is thread  # once per process
        assert ran.wait(timeout=30)
    finally:
        scheduler.stop_background_scheduler()
    assert not thread.is_alive()
    assert calls == [1]
    assert JobRun.objects.filter(name="test.background", status="ok").count() == 1


def test_the_background_scheduler_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("QUALITAS_RUN_JOBS", "0")
    assert scheduler.start_background_scheduler() is None


def run_command(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("jobs", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_jobs_run_once_exits_0_when_all_succeed_and_1_when_one_fails(jobs):
    jobs("test.cmd_ok", lambda: "fine")
    code, out, err = run_command("run", "--once")
    assert code == 0, err
    assert "test.cmd_ok: ok" in out and "tasks.reminders: ok" in out

    code, out, _ = run_command("run", "--once")
    assert code == 0 and "No job was due." in out

    def broken():
        raise ValueError("bad data")

    jobs("test.cmd_broken", broken)
    code, out, err = run_command("run", "--once")
    assert code == 1
    assert "test.cmd_broken: failed" in out and "ValueError: bad data" in err


def test_jobs_run_a_named_job_and_unknown_names(jobs):
    calls = []
    jobs("test.named", lambda: calls.append(1))
    services.run_due_jobs(only=["test.named"])
    code, out, _ = run_command("run", "--once", "--job", "test.named")
    assert code == 0 and calls == [1, 1] and "test.named: ok" in out
    with pytest.raises(CommandError) as excinfo:
        run_command("run", "--job", "nope")
    assert excinfo.value.returncode == 2 and "tasks.reminders" in str(excinfo.value)


def test_jobs_list_shows_schedule_and_last_status(jobs):
    def broken():
        raise RuntimeError("x")

    jobs("test.listed", broken)
    services.run_due_jobs(only=["test.listed"])
    code, out, _ = run_command("list")
    assert code == 0
    line = next(line for line in out.splitlines() if line.startswith("test.listed"))
    assert "1 h" in line and "failed" in line
    assert any(line.startswith("tasks.reminders") and line.rstrip().endswith("due") for line in out.splitlines())


def test_job_runs_page_is_for_administrators(jobs, admin_user, employee):
    jobs("test.page", lambda: "page output")
    services.run_due_jobs(only=["test.page"])
    client = Client()
    client.force_login(employee)
    assert client.get(reverse("notifications:jobs")).status_code == 403
    client.force_login(admin_user)
    page = client.get(reverse("notifications:jobs")).content.decode()
    assert "test.page" in page and "page output" in page and "tasks.reminders" in page
    filtered = client.get(reverse("notifications:jobs"), {"job": "tasks.reminders"}).content.decode()
    assert "page output" not in filtered


class LeaseMachine(RuleBasedStateMachine):
    """The lease against a model: whatever workers do and however time moves, a claim succeeds exactly
    when the lease is free, expired or the claimer's own and the job is due; so two workers never hold
    an unexpired lease at once."""

    workers = st.sampled_from(["a", "b", "c"])

    def __init__(self):
        super().__init__()
        JobLease.objects.filter(name="test.machine").delete()
        self.job = get_job("test.machine")
        self.now = timezone.now()
        self.owner: str | None = None
        self.locked_until = None
        self.next_run_at = None

    @rule(minutes=st.integers(min_value=0, max_value=90))
    def time_passes(self, minutes):
        self.now += timedelta(minutes=minutes)

    @rule(worker=workers, force=st.booleans())
    def claim(self, worker, force):
        free = self.owner is None or self.locked_until < self.now or self.owner == worker
        due = force or self.next_run_at is None or self.next_run_at <= self.now
        expected = free and due
        assert services.claim(self.job, worker, self.now, force=force) == expected
        if expected:
            self.owner, self.locked_until = worker, self.now + self.job.timeout

    @precondition(lambda self: self.owner is not None)
    @rule(ok=st.booleans())
    def holder_finishes(self, ok):
        status = "ok" if ok else "failed"
        services.release(self.job, self.owner, self.now, status, self.now)
        delay = self.job.every if ok else min(self.job.every, services.RETRY_AFTER_FAILURE)
        self.owner, self.locked_until, self.next_run_at = None, None, self.now + delay

    @rule(worker=workers)
    def stranger_cannot_release(self, worker):
        if worker != self.owner:
            services.release(self.job, worker, self.now, "ok", self.now)

    @invariant()
    def database_matches_the_model(self):
        lease = JobLease.objects.filter(name="test.machine").first()
        if lease is None:
            assert self.owner is None and self.next_run_at is None
            return
        assert (lease.owner or None) == self.owner
        assert lease.locked_until == self.locked_until
        assert lease.next_run_at == self.next_run_at


def test_lease_claims_follow_the_model(jobs):
    jobs("test.machine", lambda: None, every=timedelta(minutes=45), timeout=timedelta(minutes=20))
    run_state_machine_as_test(LeaseMachine, settings=hypothesis_settings(max_examples=40, stateful_step_count=30,
                                                                         deadline=None))


def test_worker_and_jobs_commands_in_a_real_process(tmp_path: Path):
    """`qualitas jobs run --once` and `qualitas worker` as an operator runs them, stopped by SIGTERM."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUALITAS_")}
    env.update({"QUALITAS_DATA_DIR": str(tmp_path), "QUALITAS_LOG_LEVEL": "WARNING"})
    qualitas = [sys.executable, "-m", "qualitas"]
    subprocess.run([*qualitas, "migrate", "-v0"], env=env, check=True, timeout=120)
    once = subprocess.run([*qualitas, "jobs", "run", "--once"], env=env, capture_output=True, text=True, timeout=60)
    assert once.returncode == 0, once.stderr
    assert "tasks.reminders: ok" in once.stdout
    worker = subprocess.Popen([*qualitas, "worker", "--interval", "0.2"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        # Signal only once the worker says it runs (its SIGTERM handler is installed before that line),
        # however long the start takes on a loaded machine.
        started = []
        for line in worker.stdout:
            started.append(line)
            if "running scheduled jobs" in line:
                break
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=60)
        out = "".join(started) + out
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "running scheduled jobs every 0.2 s" in out and "Worker stopped." in out
