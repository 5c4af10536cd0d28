"""The job loop: `qualitas worker` runs it in the foreground (one per app server when several share
PostgreSQL). `qualitas serve` starts one `qualitas worker` process of its own under gunicorn
(qualitas.core.server), or runs the loop in a daemon thread via `start_background_scheduler()` under
waitress (one process).

Each iteration runs the due jobs and then closes this thread's database connections, so a dropped
connection or a restarted database is recovered on the next iteration; exceptions are logged, never
raised into the server.
"""

from __future__ import annotations

import logging
import threading

from django.db import close_old_connections, connections

from qualitas.config.env import env_bool, env_int

logger = logging.getLogger(__name__)

DEFAULT_INTERVAL = 60

_thread: threading.Thread | None = None
_stop = threading.Event()
_lock = threading.Lock()


def interval_from_env() -> int:
    return max(1, env_int("QUALITAS_JOB_INTERVAL", DEFAULT_INTERVAL))


def run_iteration() -> int:
    """Run the due jobs once; the number of runs (failures included), or -1 if the loop itself failed."""
    from qualitas.core.jobs.services import run_due_jobs

    try:
        close_old_connections()
        runs = run_due_jobs()
        for run in runs:
            if run.status != run.OK:
                logger.warning("Scheduled job %s failed (run %s)", run.name, run.pk)
        return len(runs)
    except Exception:
        logger.exception("Running scheduled jobs failed; trying again at the next interval")
        return -1
    finally:
        try:
            connections.close_all()
        except Exception:
            logger.exception("Closing database connections after scheduled jobs failed")


def run_loop(stop: threading.Event, interval: float) -> None:
    """Run due jobs every `interval` seconds until `stop` is set."""
    logger.debug("Scheduled jobs: checking every %s s", interval)  # `qualitas worker` says so on its stdout
    while not stop.is_set():
        run_iteration()
        stop.wait(interval)


def start_background_scheduler(interval: float | None = None) -> threading.Thread | None:
    """Start the job loop in a daemon thread of this process (once). Returns None when disabled with
    QUALITAS_RUN_JOBS=0, e.g. because separate `qualitas worker` processes run the jobs."""
    global _thread
    if not env_bool("QUALITAS_RUN_JOBS", True):
        logger.info("Scheduled jobs are not run in this process (QUALITAS_RUN_JOBS=0)")
        return None
    with _lock:
        if _thread is not None and _thread.is_alive():
            return _thread
        _stop.clear()
        _thread = threading.Thread(
            target=run_loop, args=(_stop, interval or interval_from_env()), name="qualitas-scheduler", daemon=True,
        )
        _thread.start()
        return _thread


def stop_background_scheduler(timeout: float | None = 10) -> None:
    global _thread
    with _lock:
        thread, _thread = _thread, None
        _stop.set()
    if thread is not None:
        thread.join(timeout)
