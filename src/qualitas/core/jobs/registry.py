"""The registry of periodic jobs. Modules register theirs in AppConfig.ready():

    register_job("tasks.reminders", send_reminders, every=timedelta(minutes=15))

A job function takes no argument or a keyword `now` (the scheduler's clock, so tests can move time);
whatever it returns is kept as the run's output. Jobs run as the system actor with the audit source
"job", must be idempotent (a run may be repeated after a crash) and should do their work in small
transactions through services.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

DEFAULT_TIMEOUT = timedelta(minutes=15)


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable = field(compare=False)
    every: timedelta
    timeout: timedelta = DEFAULT_TIMEOUT  # the lease: after this, a crashed run's job may be taken over
    description: str = ""

    def call(self, now: datetime):
        if "now" in inspect.signature(self.func).parameters:
            return self.func(now=now)
        return self.func()


def describe_interval(delta: timedelta) -> str:
    """"15 min", "1 h", "1 d" for people reading the schedule."""
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


_jobs: dict[str, Job] = {}


def register_job(name: str, func: Callable, every: timedelta, *, timeout: timedelta | None = None,
                 description: str = "") -> Job:
    if not name or len(name) > 100:
        raise ValueError("A job needs a name of at most 100 characters.")
    if every <= timedelta(0):
        raise ValueError(f"Job {name!r}: `every` must be a positive interval.")
    params = inspect.signature(func).parameters
    required = [p for p in params.values() if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if any(p.name != "now" for p in required):
        raise ValueError(f"Job {name!r}: the function may take only `now`.")
    job = Job(name=name, func=func, every=every, timeout=timeout or DEFAULT_TIMEOUT,
              description=description or (inspect.getdoc(func) or "").split("\n")[0])
    _jobs[name] = job
    return job


def unregister_job(name: str) -> None:
    _jobs.pop(name, None)


def get_job(name: str) -> Job | None:
    return _jobs.get(name)


def all_jobs() -> list[Job]:
    return sorted(_jobs.values(), key=lambda job: job.name)
