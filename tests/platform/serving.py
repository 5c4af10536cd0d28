"""Real `qualitas` processes for the serving tests: start them, wait for conditions (with deadlines, never
fixed sleeps), look at the process tree and at who holds which connection through /proc (Linux)."""

from __future__ import annotations

import http.client
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

QUALITAS = [sys.executable, "-m", "qualitas"]
START_TIMEOUT = 600  # migrate and collectstatic on a busy two-core machine
STOP_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """An environment with no QUALITAS_* of the test run (e.g. make test-postgres's database URL)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("QUALITAS_")}
    env.update({"HOME": str(data_dir), "QUALITAS_DATA_DIR": str(data_dir), "QUALITAS_LOG_LEVEL": "WARNING"})
    env.update(extra)
    return env


def wait_until(condition: Callable, timeout: float, describe: Callable[[], str] | str, poll: float = 0.1):
    """The first truthy value of condition() within timeout seconds; AssertionError saying what was awaited."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {describe() if callable(describe) else describe}")
        time.sleep(poll)


def run(*args: str, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([*QUALITAS, *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, (args, result.stdout[-2000:], result.stderr[-3000:])
    return result


class Process:
    """A `qualitas …` process in a session of its own, its stdout read line by line, stderr into a file."""

    def __init__(self, *args: str, env: dict[str, str], log: Path):
        self.args = args
        self.log = log
        with log.open("w") as stderr:
            self.popen = subprocess.Popen(
                [*QUALITAS, *args], env=env, stdout=subprocess.PIPE, stderr=stderr, stdin=subprocess.DEVNULL,
                text=True, start_new_session=True,
            )
        self.pid = self.popen.pid
        self.lines: list[str] = []
        self.ended = False  # its stdout has been read to the end
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.popen.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for_line(self, text: str, timeout: float = START_TIMEOUT) -> str:
        """The first line containing `text` (lines before it are kept in self.lines)."""
        deadline = time.monotonic() + timeout
        for line in self.lines:
            if text in line:
                return line
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"{self.args}: no line with {text!r} within {timeout:g} s: {self.lines[-20:]}")
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self.ended = True
                raise AssertionError(f"{self.args} ended (exit {self.popen.poll()}) without a line with {text!r}: "
                                     f"{self.lines[-20:]}\n{self.stderr()[-3000:]}")
            self.lines.append(line)
            if text in line:
                return line

    def rest_of_stdout(self) -> list[str]:
        """The remaining lines once the process has ended."""
        while not self.ended:
            line = self._queue.get(timeout=STOP_TIMEOUT)
            if line is None:
                self.ended = True
            else:
                self.lines.append(line)
        return self.lines

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")

    def signal(self, signum: int) -> None:
        self.popen.send_signal(signum)

    def wait(self, timeout: float = STOP_TIMEOUT) -> int:
        return self.popen.wait(timeout=timeout)

    def kill_all(self) -> None:
        """Teardown: end this process's session (its workers and job process) if anything of it is left."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.popen.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass


# --- /proc ----------------------------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def alive(pid: int) -> bool:
    """Running (not ended, not a zombie waiting to be reaped)."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(int(entry))) is not None and int(fields[1]) == pid:
            if fields[0] not in ("Z", "X"):
                found.append(int(entry))
    return sorted(found)


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def is_job_process(pid: int) -> bool:
    """`qualitas worker` (as serve starts it: with --parent-pid), not an HTTP worker (a fork of serve)."""
    args = cmdline(pid)
    return "worker" in args and "qualitas" in args


def serve_tree(master: int) -> tuple[list[int], list[int]]:
    """(HTTP worker pids, job process pids) among the children of a `qualitas serve` master."""
    kids = children(master)
    jobs = [pid for pid in kids if is_job_process(pid)]
    return [pid for pid in kids if pid not in jobs], jobs


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def server_side_inodes(server_port: int, client_ports: set[int]) -> dict[int, str]:
    """For each client port connected to server_port: the inode of the server's end of that connection."""
    found = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local_port = int(fields[1].rsplit(":", 1)[1], 16)
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if local_port == server_port and remote_port in client_ports:
                found[remote_port] = fields[9]
    return found


def serving_pids(port: int, pids: list[int], connections: int = 8) -> set[int]:
    """Which of `pids` answered: open `connections` keep-alive connections, make one request on each, and
    see which process holds the server's end of each connection while they are still open."""
    opened = [http.client.HTTPConnection("127.0.0.1", port, timeout=60) for _ in range(connections)]
    try:
        for connection in opened:
            connection.connect()
        for connection in opened:
            connection.request("GET", "/api/v1/health")
        for connection in opened:
            response = connection.getresponse()
            assert response.status == 200, response.status
            assert response.getheader("Connection", "").lower() != "close"
            response.read()
        inodes = server_side_inodes(port, {connection.sock.getsockname()[1] for connection in opened})
        owners = {pid: _socket_inodes(pid) for pid in pids}
        return {pid for inode in inodes.values() for pid, held in owners.items() if inode in held}
    finally:
        for connection in opened:
            connection.close()


def get_json(port: int, path: str, token: str | None = None, timeout: float = 60) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"null")
    finally:
        connection.close()


def healthy(port: int) -> bool:
    try:
        return get_json(port, "/api/v1/health", timeout=10)[0] == 200
    except OSError:
        return False
