"""The SSRF guard of webhook deliveries lives in the transport (service/runtime/
webhook_transport.py): the connection goes to an address the guard checked, never to a
second lookup (DNS rebinding), and the URL keeps its host name for the pool, ``Host``, TLS
and credentials. Real receivers on 127.0.0.1; the "DNS" is a resolver given to the guard."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from service.runtime.webhook_transport import GuardedBackend, guarded_transport, refused


@contextmanager
def receiver(answer: bytes = b"") -> Iterator[tuple[int, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: connections are pooled

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            seen.append({k.lower(): v for k, v in self.headers.items()})
            self.send_response(200)
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


class Dns:
    """Answers for names, and how often each was asked."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> Sequence[str]:
        self.asked.append(host)
        return self.answers[host]


def client(dns: Dns, *, is_refused: object = refused) -> httpx.AsyncClient:
    backend = GuardedBackend(allow_private=False, resolver=dns, is_refused=is_refused)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=guarded_transport(backend))


async def test_the_connection_goes_to_the_checked_address_with_the_name_kept() -> None:
    # "rebound.invalid" resolves nowhere in real DNS: the POST reaches the receiver only
    # through the address the guard resolved and checked (here 127.0.0.1, let through by
    # a guard that accepts it), and the receiver sees the name and the URL's credentials.
    dns = Dns({"rebound.invalid": ["127.0.0.1"]})
    with receiver() as (port, seen):
        async with client(dns, is_refused=lambda address: False) as http:
            answer = await http.post(f"http://user:tok@rebound.invalid:{port}/hook", content=b"{}")
    assert answer.status_code == 200
    assert seen[0]["host"] == f"rebound.invalid:{port}"
    assert seen[0]["authorization"] == "Basic " + base64.b64encode(b"user:tok").decode()
    assert dns.asked == ["rebound.invalid"]


async def test_a_name_that_resolves_to_a_private_address_is_refused_before_connecting() -> None:
    dns = Dns({"metadata.example": ["93.184.216.34", "169.254.169.254"]})
    with receiver() as (port, seen):
        async with client(dns) as http:
            with pytest.raises(httpx.ConnectError, match="refused"):
                await http.post(f"http://metadata.example:{port}/hook", content=b"{}")
    assert seen == []


async def test_each_checked_address_is_tried_in_turn() -> None:
    # The first address answers nothing (a closed port on 127.0.0.2); the second is the
    # receiver: the delivery goes through, as it did before the guard resolved.
    dns = Dns({"two.example": ["127.0.0.2", "127.0.0.1"]})
    with receiver() as (port, seen):
        async with client(dns, is_refused=lambda address: False) as http:
            answer = await http.post(f"http://two.example:{port}/hook", content=b"{}")
    assert answer.status_code == 200
    assert len(seen) == 1


async def test_two_names_on_one_address_do_not_share_a_connection() -> None:
    # Pooled by name, not by address: each host gets its own connection (and so its own
    # TLS handshake and certificate check on https).
    dns = Dns({"a.example": ["127.0.0.1"], "b.example": ["127.0.0.1"]})
    with receiver() as (port, _):
        async with client(dns, is_refused=lambda address: False) as http:
            await http.post(f"http://a.example:{port}/", content=b"{}")
            await http.post(f"http://b.example:{port}/", content=b"{}")
            await http.post(f"http://a.example:{port}/", content=b"{}")
    assert dns.asked == ["a.example", "b.example"]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.5",
        "100.64.0.1",
        "169.254.169.254",
        "::1",
        "::ffff:10.0.0.5",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "64:ff9b::a00:5",  # NAT64 of 10.0.0.5
        "64:ff9b:1::a9fe:a9fe",  # local-use NAT64 of 169.254.169.254
        "::169.254.169.254",  # IPv4-compatible
        "224.0.0.1",
    ],
)
def test_the_guard_refuses_addresses_that_reach_private_hosts(address: str) -> None:
    assert refused(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1::1", "64:ff9b::5db8:d822"])
def test_the_guard_lets_global_addresses_through(address: str) -> None:
    assert not refused(address)
