"""The load generator of bench/http_bench.py: asyncio, raw keep-alive HTTP/1.1, no dependencies.

It shares two cores with the server it measures, so it does as little as it can per request: one
connection per client, requests written as bytes, responses parsed only as far as the status, the
headers and the body's length (Content-Length, chunked, or up to the close). A client whose
connection the server closed (gunicorn's sync workers close after every response) reconnects.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode


class ProtocolError(Exception):
    """The server's bytes are not an HTTP/1.1 response we understand."""


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    keep_alive: bool

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((value for key, value in self.headers if key == name), None)

    def cookies(self) -> dict[str, str]:
        jar = {}
        for key, value in self.headers:
            if key == "set-cookie":
                pair = value.split(";", 1)[0]
                if "=" in pair:
                    name, _, content = pair.partition("=")
                    jar[name.strip()] = content.strip().strip('"')
        return jar


async def read_response(reader: asyncio.StreamReader, *, method: str = "GET") -> Response:
    """One response from `reader` (asyncio.IncompleteReadError if the connection ends before it does)."""
    line = await reader.readuntil(b"\r\n")
    parts = line.split(None, 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise ProtocolError(f"bad status line {line[:80]!r}")
    version, status = parts[0], int(parts[1])
    headers = []
    while True:
        line = await reader.readuntil(b"\r\n")
        if line == b"\r\n":
            break
        name, sep, value = line.partition(b":")
        if not sep:
            raise ProtocolError(f"bad header line {line[:80]!r}")
        headers.append((name.strip().lower().decode("latin-1"), value.strip().decode("latin-1")))
    values = dict(headers)
    connection = values.get("connection", "").lower()
    keep_alive = "close" not in connection if version == b"HTTP/1.1" else "keep-alive" in connection
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        body = b""
    elif "chunked" in values.get("transfer-encoding", "").lower():
        body = await _read_chunked(reader)
    elif "content-length" in values:
        try:
            length = int(values["content-length"])
        except ValueError:
            raise ProtocolError(f"bad Content-Length {values['content-length']!r}") from None
        body = await reader.readexactly(length)
    else:
        body = await reader.read()  # until the server closes
        keep_alive = False
    return Response(status, headers, body, keep_alive)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    chunks = []
    while True:
        line = await reader.readuntil(b"\r\n")
        size_text = line.split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise ProtocolError(f"bad chunk size {line[:40]!r}") from None
        if size == 0:
            while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
                pass
            return b"".join(chunks)
        chunks.append(await reader.readexactly(size))
        if await reader.readexactly(2) != b"\r\n":
            raise ProtocolError("chunk not followed by CRLF")


class Connection:
    """One keep-alive connection to host:port, reopened when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.host_header = f"{host}:{port}".encode()

    async def request(self, method: str, path: str, headers: dict[str, str] | None = None,
                      body: bytes = b"") -> Response:
        head = [f"{method} {path} HTTP/1.1".encode(), b"Host: " + self.host_header]
        head += [f"{name}: {value}".encode("latin-1") for name, value in (headers or {}).items()]
        if body or method == "POST":
            head.append(f"Content-Length: {len(body)}".encode())
        data = b"\r\n".join(head) + b"\r\n\r\n" + body
        reused = self.writer is not None
        try:
            return await self._exchange(data, method)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            # A kept-alive connection the server closed meanwhile: send again once, on a new one (as
            # browsers do). Nothing was answered, so nothing is counted twice.
            if not reused or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                raise
            self.close()
            return await self._exchange(data, method)

    async def _exchange(self, data: bytes, method: str) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(data)
        response = await read_response(self.reader, method=method)
        if not response.keep_alive:
            self.close()
        return response

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list (0 for an empty one)."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass
class Tally:
    """What one endpoint (or the mixed phase) got: successes, latencies, errors by kind."""

    ok: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    timeouts: int = 0
    seconds: float = 0.0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def merge(self, other: Tally) -> None:
        self.ok += other.ok
        self.latencies += other.latencies
        self.timeouts += other.timeouts
        for kind, count in other.errors.items():
            self.errors[kind] = self.errors.get(kind, 0) + count

    def summary(self) -> dict:
        ordered = sorted(self.latencies)
        return {
            "ok": self.ok,
            "rps": self.ok / self.seconds if self.seconds else 0.0,
            "p50_ms": percentile(ordered, 50) * 1000,
            "p95_ms": percentile(ordered, 95) * 1000,
            "p99_ms": percentile(ordered, 99) * 1000,
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "timeouts": self.timeouts,
            "seconds": self.seconds,
        }


@dataclass
class Endpoint:
    name: str  # what the table shows, e.g. "GET /api/v1/documents/{id}"
    kind: str  # "health", "api" or "html": which targets apply
    auth: str  # "none", "token" or "session"
    paths: list[str]


class Client:
    """One simulated user: a connection, a session cookie and an API token."""

    def __init__(self, index: int, host: str, port: int, token: str) -> None:
        self.index = index
        self.connection = Connection(host, port)
        self.token = token
        self.cookies: dict[str, str] = {}
        self.turn = index  # each client starts at another path of an endpoint's list

    def headers(self, auth: str) -> dict[str, str]:
        if auth == "token":
            return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if auth == "session" and self.cookies:
            return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        return {}

    async def get(self, path: str, auth: str) -> Response:
        response = await self.connection.request("GET", path, self.headers(auth))
        if auth == "session":
            self.cookies.update(response.cookies())
        return response

    async def sign_in(self, username: str, password: str) -> None:
        """Through the sign-in form, as a browser: the form's CSRF token, then the POST."""
        page = await self.connection.request("GET", "/accounts/login/")
        self.cookies.update(page.cookies())
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        if page.status != 200 or not found:
            raise RuntimeError(f"the sign-in page answered {page.status} without a CSRF token")
        form = urlencode({"username": username, "password": password, "next": "/",
                          "csrfmiddlewaretoken": found.group(1).decode()}).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **self.headers("session")}
        response = await self.connection.request("POST", "/accounts/login/", headers, form)
        self.cookies.update(response.cookies())
        if response.status != 302 or "sessionid" not in self.cookies or "login" in (response.header("location") or ""):
            raise RuntimeError(f"signing in as {username} failed (HTTP {response.status})")


async def _one(client: Client, endpoint: Endpoint, tally: Tally, timeout: float) -> None:
    path = endpoint.paths[client.turn % len(endpoint.paths)]
    client.turn += 1
    started = time.perf_counter()
    try:
        response = await asyncio.wait_for(client.get(path, endpoint.auth), timeout)
    except TimeoutError:
        tally.timeouts += 1
        client.connection.close()
        return
    except (OSError, asyncio.IncompleteReadError, ProtocolError) as exc:
        tally.error(type(exc).__name__)
        client.connection.close()
        return
    tally.latencies.append(time.perf_counter() - started)
    if response.status == 200:
        tally.ok += 1
    else:
        tally.error(f"HTTP {response.status}")


async def settle(host: str, ports: list[int], *, quick: float = 0.2, limit: float = 60.0) -> float:
    """Wait until the servers have worked off what requests given up on (time-outs) left them: the
    health endpoint answers within `quick` seconds three times in a row. Returns the time waited."""
    started = time.perf_counter()
    for port in ports:
        connection, streak = Connection(host, port), 0
        while streak < 3 and time.perf_counter() - started < limit:
            sent = time.perf_counter()
            try:
                response = await asyncio.wait_for(connection.request("GET", "/api/v1/health"), limit)
                answered = response.status == 200 and time.perf_counter() - sent < quick
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ProtocolError):
                connection.close()
                answered = False
                await asyncio.sleep(0.1)
            streak = streak + 1 if answered else 0
        connection.close()
    return time.perf_counter() - started


async def run_phase(clients: list[Client], endpoints: list[Endpoint], seconds: float, *, warmup: float = 0.0,
                    timeout: float = 5.0, seed: int = 1, settled=None) -> dict[str, Tally]:
    """Every client requests, back to back, for `seconds`: the one endpoint given, or (several given) a
    shuffled cycle of them, each client its own order. Requests/s count the 200s over the phase's time
    (until the last request started before the end has been answered); latency covers every answer.
    `settled` (a coroutine function) runs between the warm-up and the measurement."""

    async def loop(client: Client, until: float, tallies: dict[str, Tally]) -> None:
        order = endpoints[:]
        random.Random(seed * 1000 + client.index).shuffle(order)
        turn = 0
        while time.perf_counter() < until:
            endpoint = order[turn % len(order)]
            turn += 1
            await _one(client, endpoint, tallies[endpoint.name], timeout)

    if warmup > 0:
        scratch = {endpoint.name: Tally() for endpoint in endpoints}
        until = time.perf_counter() + warmup
        await asyncio.gather(*(loop(client, until, scratch) for client in clients))
    if settled is not None:
        await settled()
    tallies = {endpoint.name: Tally() for endpoint in endpoints}
    started = time.perf_counter()
    await asyncio.gather(*(loop(client, started + seconds, tallies) for client in clients))
    elapsed = time.perf_counter() - started
    for tally in tallies.values():
        tally.seconds = elapsed
    return tallies


async def sign_in_all(clients: list[Client], username: str, password: str, concurrency: int = 4) -> None:
    """Each client signs in once (a few at a time: each sign-in is a deliberately slow password hash)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(client: Client) -> None:
        async with gate:
            await client.sign_in(username, password)

    await asyncio.gather(*(one(client) for client in clients))
