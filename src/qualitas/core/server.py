"""The multi-process server behind `qualitas serve` on Linux and macOS: gunicorn, run inside this process
through its custom-application API (`gunicorn.app.base.BaseApplication`), never as a separate binary.

The processes of one server:

- this one becomes gunicorn's master (the arbiter). It holds the listening socket that `serve` bound (so a
  port in use is reported at once), forks the HTTP workers, replaces one that dies and handles the signals:
  TERM stops gracefully (requests in progress finish, up to `graceful_timeout`), INT and QUIT stop quickly,
  HUP starts new workers while the old ones finish their requests, TTIN and TTOU add or remove a worker.
- N HTTP workers of class gthread: T threads each, keep-alive on, slow clients parked in the worker's poller
  rather than holding a thread. The application is loaded once in the master (preload) and the workers are
  forks of it with no database connection open: `close_connections_before_fork` runs before every fork,
  after start-up, on a HUP and when a worker is replaced.
- one scheduled-jobs process (`qualitas worker`), unless QUALITAS_RUN_JOBS=0: a fresh interpreter started by
  the master (not a fork of it), so the jobs run in exactly one process of this server and never in an HTTP
  worker. The master stops it with the server, starts it again if it dies, and it stops by itself if the
  master disappears (`--parent-pid`). The job leases make several servers' job processes safe on PostgreSQL.

Code is loaded once, in the master: a HUP gives fresh worker processes of the same release. To run a new
release, restart `qualitas serve` (with two servers behind a proxy, one after the other).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

KEEPALIVE_SECONDS = 5  # behind a proxy that keeps upstream connections, keep them a little longer
WORKER_TIMEOUT_SECONDS = 60  # a worker whose main loop is silent this long is replaced
GRACEFUL_TIMEOUT_SECONDS = 30  # TERM and HUP: how long requests (and a running job) may take to finish
SCHEDULER_RESTART_DELAY = 10.0  # seconds between starts of a jobs process that keeps dying


def listen_socket(host: str, port: int, backlog: int = 2048) -> socket.socket:
    """A listening TCP socket on host:port (resolved as waitress resolves it); OSError if it cannot."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    listener = socket.socket(family, kind, proto)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(address)
        listener.listen(backlog)
    except OSError:
        listener.close()
        raise
    return listener


def close_connections_before_fork(server, worker) -> None:
    """gunicorn's pre_fork hook: a forked worker must not share the master's database connections (a SQLite
    file handle or a PostgreSQL socket used by two processes corrupts the conversation)."""
    from django.db import connections

    connections.close_all()
    others = [thread.name for thread in threading.enumerate() if thread is not threading.main_thread()]
    if others:  # a thread holding a lock at fork time leaves that lock held forever in the child
        server.log.warning("Forking a worker while other threads run in the master: %s", ", ".join(others))


class SchedulerProcess:
    """The one `qualitas worker` process of this server, as seen from the master."""

    def __init__(self):
        self.process: subprocess.Popen | None = None
        self.started_at = float("-inf")
        self.stopping = False

    @staticmethod
    def command() -> list[str]:
        # -P: no current directory on sys.path, so a stray folder named like a package cannot stand in for it.
        return [sys.executable, "-P", "-m", "qualitas", "worker", "--verbosity", "0", "--parent-pid", str(os.getpid())]

    def start(self, log) -> None:
        if self.stopping or self.process is not None or time.monotonic() - self.started_at < SCHEDULER_RESTART_DELAY:
            return
        self.started_at = time.monotonic()
        try:
            self.process = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL)  # noqa: S603
        except OSError as exc:
            log.error("Cannot start the scheduled-jobs process: %s", exc)
            return
        log.info("Scheduled jobs run in process %s", self.process.pid)

    def reap(self, log, worker_pids) -> None:
        """Notice the process has ended (before gunicorn's waitpid(-1) would reap it as an unknown child)."""
        if self.process is None:
            return
        if self.process.pid in worker_pids:  # its pid was reaped elsewhere and reused by a new worker
            code = "unknown"
        else:
            code = self.process.poll()
            if code is None:
                return
        self.process = None
        if not self.stopping:
            log.error("The scheduled-jobs process ended (exit code %s); starting it again", code)

    def signal(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.send_signal(signum)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float) -> None:
        """Ask it to stop after the job it is running; kill it after `timeout` seconds."""
        self.stopping = True
        process = self.process
        if process is None:
            return
        self.signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self.process = None


class QualitasArbiter(Arbiter):
    """gunicorn's master, which also keeps the one scheduled-jobs process running."""

    def __init__(self, app, scheduler: SchedulerProcess | None):
        self.scheduler = scheduler
        super().__init__(app)

    def manage_workers(self):
        super().manage_workers()  # a forked worker leaves through SystemExit here, so what follows is master-only
        if self.scheduler is not None:
            self.scheduler.start(self.log)

    def reap_workers(self):
        if self.scheduler is not None:
            self.scheduler.reap(self.log, self.WORKERS)
        super().reap_workers()

    def handle_usr2(self):
        # gunicorn's binary upgrade re-runs this command line next to the running master: `qualitas serve` would
        # migrate and then find its port taken. A new release is a restart (one server after the other).
        self.log.warning("USR2 (binary upgrade) is not supported by qualitas serve: restart it to run a new release")

    def stop(self, graceful=True):
        if self.scheduler is None:
            return super().stop(graceful)
        self.scheduler.stopping = True
        self.scheduler.signal(signal.SIGTERM)  # finishes its job while the workers finish their requests
        super().stop(graceful)
        self.scheduler.stop(timeout=self.cfg.graceful_timeout if graceful else 2.0)


class QualitasApplication(BaseApplication):
    """Qualitas's WSGI application under gunicorn, configured from `qualitas serve`'s options only (no
    gunicorn.conf.py, no GUNICORN_CMD_ARGS)."""

    def __init__(self, listener_fd: int, *, workers: int, threads: int, run_jobs: bool):
        self.options = {
            "bind": [f"fd://{listener_fd}"],
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "keepalive": KEEPALIVE_SECONDS,
            "timeout": WORKER_TIMEOUT_SECONDS,
            "graceful_timeout": GRACEFUL_TIMEOUT_SECONDS,
            "preload_app": True,
            "pre_fork": close_connections_before_fork,
            "proc_name": "qualitas",
            "limit_request_line": 8190,
            # Django decides what X-Forwarded-Proto means (QUALITAS_BEHIND_PROXY); gunicorn trusts no peer for it.
            "forwarded_allow_ips": "",
            "secure_scheme_headers": {},
            # The terminal ends with "Qualitas is serving on …": gunicorn says only what needs attention.
            "loglevel": "warning",
            "errorlog": "-",
            "accesslog": None,
            # No gunicornc socket in $HOME (two servers on one machine would share it; signals do the job).
            "control_socket_disable": True,
        }
        self.scheduler = SchedulerProcess() if run_jobs else None
        super().__init__(prog="qualitas serve")

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from qualitas.config.wsgi import application

        return application

    def arbiter(self) -> QualitasArbiter:
        """The master, with the application loaded (so a broken start-up shows before "serving on")."""
        return QualitasArbiter(self, self.scheduler)

    def run(self):
        self.arbiter().run()
