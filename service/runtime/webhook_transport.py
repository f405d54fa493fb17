"""Where webhook deliveries may connect: the SSRF guard, inside the HTTP transport.

The guard resolves the endpoint's host once per connection, refuses it when any address is
not a globally routable unicast one (unless private addresses are allowed: development and
tests), and then connects to an address it checked. Doing it in the transport, below the
URL, keeps everything else of the URL as it was: the host name for the connection pool's
key, ``Host``, TLS's SNI and certificate check, user-info credentials and IDNA; so a DNS
answer that changes between the check and the connection (DNS rebinding) cannot reach a
private address, and two hosts behind one address never share a TLS connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpcore
import httpx

Resolve = Callable[[str, int], Awaitable[Sequence[str]]]

# NAT64 prefixes (RFC 6052, RFC 8215): the last 32 bits reach an IPv4 host through a gateway.
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")  # deprecated ::a.b.c.d


def refused(address: str) -> bool:
    """Anything but a globally routable unicast address: private, loopback, link-local,
    shared (100.64/10, where some clouds keep their metadata service), multicast, reserved;
    an IPv4 address carried in an IPv6 one (mapped, 6to4, NAT64, IPv4-compatible) is
    judged as itself."""
    ip = ipaddress.ip_address(address.split("%", maxsplit=1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and (ip in _IPV4_COMPATIBLE or any(ip in n for n in _NAT64)):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and refused(str(embedded)):
            return True
    return not ip.is_global or ip.is_multicast


async def resolve(host: str, port: int) -> Sequence[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects to the checked addresses of a host, each in turn until one answers."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolve = resolve,
        is_refused: Callable[[str], bool] = refused,
    ) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private
        self._resolve = resolver
        self._refused = is_refused

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self._allow_private:
            return await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        addresses = await self._resolve(host, port)
        bad = sorted(a for a in addresses if self._refused(a))
        if bad or not addresses:
            raise httpcore.ConnectError(
                f"refused: {host} resolves to a private or local address {bad}"
            )
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks go over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(backend: GuardedBackend) -> httpx.AsyncHTTPTransport:
    """httpx's own transport with the guard as its network backend. httpx 0.28 takes no
    backend argument, so its pool is replaced by one built the same way with the backend
    (tests/integration/test_webhook_pinning.py fails if this stops taking effect)."""
    transport = httpx.AsyncHTTPTransport()
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(),
        network_backend=backend,
    )
    return transport
