"""The HTTP benchmark's own instrument (bench/http_bench*.py): response parsing, connection reuse,
percentiles and the judging of targets. No `qualitas serve`: a tiny asyncio server stands in."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import http_bench  # noqa: E402
from http_bench_client import Connection, ProtocolError, Tally, percentile, read_response, run_phase  # noqa: E402


def parse(data: bytes, method: str = "GET"):
    async def go():
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        return await read_response(reader, method=method)

    return asyncio.run(go())


def test_content_length_body_and_headers():
    response = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: sessionid=abc; HttpOnly; Path=/\r\n"
                     b"Set-Cookie: csrftoken=xyz\r\n\r\nhello")
    assert (response.status, response.body, response.keep_alive) == (200, b"hello", True)
    assert response.header("content-length") == "5"
    assert response.cookies() == {"sessionid": "abc", "csrftoken": "xyz"}


def test_chunked_body_with_extension_and_trailer():
    response = parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"4;name=x\r\nWiki\r\n6\r\npedia \r\n0\r\nExpires: never\r\n\r\n")
    assert response.body == b"Wikipedia "


def test_body_until_close_and_connection_close():
    response = parse(b"HTTP/1.1 200 OK\r\n\r\nall of it")
    assert (response.body, response.keep_alive) == (b"all of it", False)
    response = parse(b"HTTP/1.1 302 Found\r\nConnection: close\r\nContent-Length: 0\r\nLocation: /\r\n\r\n")
    assert (response.status, response.keep_alive) == (302, False)
    assert parse(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive is False


def test_no_body_for_head_and_304():
    assert parse(b"HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n", method="HEAD").body == b""
    assert parse(b"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n").body == b""


@pytest.mark.parametrize("data", [b"SSH-2.0-OpenSSH\r\n\r\n", b"HTTP/1.1 OK 200\r\n\r\n",
                                  b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
                                  b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
                                  b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"])
def test_garbage_is_a_protocol_error(data):
    with pytest.raises(ProtocolError):
        parse(data)


def test_truncated_body_is_an_incomplete_read():
    with pytest.raises(asyncio.IncompleteReadError):
        parse(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort")


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 101)]  # 1..100
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99), percentile(values, 100)) == (
        50.0, 95.0, 99.0, 100.0)
    assert percentile([7.0], 99) == 7.0
    assert percentile([], 50) == 0.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0


class TinyServer:
    """Answers every request with its path; closes after `close_after` responses on a connection."""

    def __init__(self, close_after: int | None = None, close_header: bool = False) -> None:
        self.close_after, self.close_header = close_after, close_header
        self.connections = 0
        self.requests = 0

    async def handle(self, reader, writer):
        self.connections += 1
        served = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1]
                self.requests += 1
                served += 1
                last = self.close_after is not None and served >= self.close_after
                extra = b"Connection: close\r\n" if last and self.close_header else b""
                writer.write(b"HTTP/1.1 200 OK\r\n" + extra + b"Content-Length: %d\r\n\r\n%s" % (len(path), path))
                await writer.drain()
                if last:
                    break
        except asyncio.IncompleteReadError:
            pass
        writer.close()

    async def __aenter__(self):
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc):
        self.server.close()
        await self.server.wait_closed()


def test_keep_alive_reuses_one_connection():
    async def go():
        async with TinyServer() as server:
            connection = Connection("127.0.0.1", server.port)
            bodies = [(await connection.request("GET", f"/{n}")).body for n in range(5)]
            connection.close()
            return bodies, server.connections

    bodies, connections = asyncio.run(go())
    assert bodies == [b"/0", b"/1", b"/2", b"/3", b"/4"]
    assert connections == 1


@pytest.mark.parametrize("close_header", [True, False])
def test_reconnects_when_the_server_closes(close_header):
    """Told (Connection: close) or not (a kept-alive connection closed while idle): the request is
    answered on a new connection, and no request is answered twice."""

    async def go():
        async with TinyServer(close_after=1, close_header=close_header) as server:
            connection = Connection("127.0.0.1", server.port)
            bodies = []
            for n in range(3):
                bodies.append((await connection.request("GET", f"/{n}")).body)
                await asyncio.sleep(0.05 * (not close_header))  # let the idle close reach us
            connection.close()
            return bodies, server.connections, server.requests

    bodies, connections, requests = asyncio.run(go())
    assert bodies == [b"/0", b"/1", b"/2"]
    assert connections == 3
    assert requests == 3


def test_phase_counts_answers_and_refused_connections_as_errors():
    from http_bench_client import Client, Endpoint

    async def go():
        async with TinyServer() as server:
            clients = [Client(i, "127.0.0.1", server.port, "token") for i in range(3)]
            tallies = await run_phase(clients, [Endpoint("tiny", "api", "token", ["/a", "/b"])], 0.2)
            port = server.port
        closed = [Client(0, "127.0.0.1", port, "token")]
        refused = await run_phase(closed, [Endpoint("gone", "api", "token", ["/a"])], 0.05)
        return tallies["tiny"], refused["gone"], server.requests

    tally, refused, requests = asyncio.run(go())
    assert tally.ok == requests > 0
    assert not tally.errors and not tally.timeouts
    assert tally.summary()["rps"] == pytest.approx(tally.ok / tally.seconds)
    assert refused.ok == 0 and sum(refused.errors.values()) > 0


def test_judging_the_targets():
    def row(kind, rps, p99=10.0, errors=0, timeouts=0):
        return {"kind": kind, "rps": rps, "p99_ms": p99, "errors": errors, "timeouts": timeouts}

    assert http_bench.judge(row("api", 300), health_rps=600) == []
    assert http_bench.judge(row("api", 299), health_rps=500) == ["< 300/s"]
    assert http_bench.judge(row("html", 150), health_rps=300) == []
    assert http_bench.judge(row("html", 149), health_rps=200) == ["< 150/s"]
    assert http_bench.judge(row("api", 400), health_rps=801) == ["< 0.5 x health"]
    assert http_bench.judge(row("html", 400, p99=300.0), health_rps=400) == ["p99 >= 300 ms"]
    assert http_bench.judge(row("api", 400, timeouts=1), health_rps=400) == ["errors"]
    assert http_bench.judge(row("health", 50), health_rps=50) == []


def test_tally_merges_phases():
    first, second = Tally(ok=2, latencies=[0.1, 0.2], timeouts=1), Tally(ok=1, latencies=[0.3])
    first.error("HTTP 500")
    second.error("HTTP 500")
    first.merge(second)
    assert (first.ok, first.timeouts, first.errors) == (3, 1, {"HTTP 500": 2})
    assert first.summary()["p99_ms"] == pytest.approx(300.0)


@pytest.mark.django_db
def test_the_bulk_data_set_is_one_valid_trail_that_audit_verify_accepts(organisation):
    """Documents, revisions, nonconformities and CAPAs inserted in bulk, each with its `create` event
    and content hash, then filler events: the chain, every record's hash and the numbering hold, and
    the search index has the new revisions."""
    import random

    import http_bench_data as data

    from qualitas.accounts.services import system_actor
    from qualitas.capa import services as capa
    from qualitas.capa.models import Nonconformity, Severity
    from qualitas.core.audit import verify
    from qualitas.core.audit.models import AuditEvent
    from qualitas.documents.models import Document
    from qualitas.documents.search import ranked_ids

    quality = organisation.user("quality")
    severity = Severity.objects.filter(active=True).first()
    before = capa.nonconformity_create(actor=quality, title="Before the bulk load", description="x", severity=severity)
    capa.capa_create(actor=quality, title="Before the bulk load", nonconformities=[before])
    rng, system, chain = random.Random(5), system_actor(), data.Chain()
    with data.deferred_search_index():
        exported = data._documents(chain, system, 30, rng)
    data._nonconformities(chain, system, 20, rng)
    total = AuditEvent.objects.count() + 25
    data._filler(chain, total, exported, rng)

    assert AuditEvent.objects.count() == total
    assert Document.objects.filter(number__contains="-S0000").count() == 30
    assert Nonconformity.objects.count() == 21
    after = capa.nonconformity_create(actor=quality, title="After the bulk load", description="x", severity=severity)
    numbers = list(Nonconformity.objects.order_by("pk").values_list("number", flat=True))
    assert len(set(numbers)) == 22 and after.number == numbers[-1]
    report = verify.verify(use_checkpoint=False, check_files=False)
    assert report.problems == []
    document = Document.objects.get(pk=exported[0][0])
    assert document.revisions.get().pk in [hit[0] for hit in ranked_ids(document.title)]


def test_the_report_names_what_missed_its_target(capsys):
    import argparse

    def row(name, kind, rps, **extra):
        return {"name": name, "kind": kind, "auth": "token", "rps": rps, "p50_ms": 5.0, "p95_ms": 9.0,
                "p99_ms": 12.0, "errors": 0, "error_kinds": {}, "timeouts": 0, **extra}

    rows = [row("GET /api/v1/health", "health", 800), row("GET /api/v1/fast", "api", 500),
            row("GET /api/v1/slow", "api", 120, errors=2, error_kinds={"HTTP 500": 2}),
            row("GET /page/", "html", 0, skipped=True)]
    result = {"backend": "sqlite", "rows": rows, "mode": "2 processes", "ready_s": 3, "elapsed_s": 60,
              "client_cpu": 0.1, "clients": 50}
    args = argparse.Namespace(servers=1, clients=50, seconds=5, documents=10, nonconformities=2, events=100)
    http_bench.print_table(result, args)
    assert http_bench.print_summary([result]) is False
    out = capsys.readouterr().out
    assert "GET /api/v1/fast" in out and "0.62  PASS" in out
    assert "FAIL < 300/s, errors, < 0.5 x health (HTTP 500: 2)" in out
    assert "FAIL not measured (time box)" in out
    summary = {line.split("  ")[1].strip(): line.split("  ")[-1].strip() for line in out.splitlines()
               if line.startswith("  ") and "sqlite" in line}
    assert summary == {
        "API lists and details >= 300 req/s": "sqlite FAIL (1 of 2)",
        "HTML pages >= 150 req/s": "sqlite FAIL (1 of 1)",
        "p99 < 300 ms": "sqlite FAIL (1 of 4)",
        "0 errors and 0 time-outs": "sqlite FAIL (2 of 4)",
        "every endpoint >= 0.5 x /api/v1/health": "sqlite FAIL (2 of 3)",
        "every endpoint measured in the time box": "sqlite FAIL (1 of 4)",
    }
    good = {**result, "rows": rows[:2]}
    assert http_bench.print_summary([good]) is True
