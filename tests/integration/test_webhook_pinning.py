"""The sender connects to the address the SSRF guard checked (DNS rebinding): the host name
goes only into ``Host`` (and TLS's SNI), never to a second lookup."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from service.runtime.worker import RefusedAddress, check_destination, pinned


@contextmanager
def receiver() -> Iterator[tuple[int, list[str]]]:
    hosts: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            hosts.append(self.headers.get("host", ""))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], hosts
    finally:
        server.shutdown()
        server.server_close()


def test_a_pinned_url_keeps_the_host_for_host_and_sni() -> None:
    plain = pinned("http://hooks.example.com/in?x=1", "93.184.216.34")
    assert plain.url == "http://93.184.216.34/in?x=1"
    assert plain.request_headers() == {"host": "hooks.example.com"}
    assert plain.extensions() == {}
    tls = pinned("https://hooks.example.com:8443/in", "2606:2800:220:1::1")
    assert tls.url == "https://[2606:2800:220:1::1]:8443/in"
    assert tls.request_headers() == {"host": "hooks.example.com:8443"}
    assert tls.extensions() == {"sni_hostname": "hooks.example.com"}


async def test_the_connection_goes_to_the_checked_address_not_a_new_lookup() -> None:
    # "rebound.invalid" resolves nowhere (RFC 2606): the POST reaches the receiver only
    # because the connection uses the pinned address, and the receiver sees the name.
    with receiver() as (port, hosts):
        to = pinned(f"http://rebound.invalid:{port}/hook", "127.0.0.1")
        async with httpx.AsyncClient() as client:
            response = await client.post(
                to.url, content=b"{}", headers=to.request_headers(), extensions=to.extensions()
            )
    assert response.status_code == 204
    assert hosts == [f"rebound.invalid:{port}"]


async def test_the_guard_still_refuses_a_private_address() -> None:
    with pytest.raises(RefusedAddress):
        await check_destination("http://localhost:9/hook", allow_private=False)


async def test_allowed_private_destinations_are_not_rewritten() -> None:
    to = await check_destination("http://localhost:9/hook", allow_private=True)
    assert (to.url, to.request_headers(), to.extensions()) == ("http://localhost:9/hook", {}, {})
