"""A TCP proxy on 127.0.0.1 in front of a real server, to simulate an outage in tests.

``cut()`` drops every open connection and refuses new ones, as a crashed or unreachable
Postgres does; ``restore()`` accepts connections again on the same port.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from sqlalchemy.engine import make_url

_CHUNK = 65536


class TcpProxy:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 5432, socket: Path | None = None):
        """Forward to ``host:port``, or to the Unix ``socket`` when one is given."""
        self._host, self._port, self._socket = host, port, socket
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    @classmethod
    def to_database(cls, url: str) -> TcpProxy:
        """A proxy to the server of a Postgres URL (the embedded one listens on a socket)."""
        parsed = make_url(url)
        folder = parsed.query.get("host")
        if isinstance(folder, str) and folder.startswith("/"):
            suffix = f".{parsed.port}" if parsed.port else ".*"
            [socket] = [p for p in Path(folder).glob(f".s.PGSQL{suffix}") if p.suffix != ".lock"]
            return cls(socket=socket)
        return cls(host=parsed.host or "127.0.0.1", port=parsed.port or 5432)

    def url_through(self, url: str) -> str:
        """``url`` reaching its database through the proxy."""
        parsed = make_url(url)
        query = {k: v for k, v in parsed.query.items() if k != "host"}
        return parsed.set(host="127.0.0.1", port=self.port, query=query).render_as_string(
            hide_password=False
        )

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def cut(self) -> None:
        """Stop listening (new connections are refused) and reset every open connection.

        Synchronous, so a SQLAlchemy event listener can cut in the middle of a request."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def restore(self) -> None:
        await self.start()

    async def close(self) -> None:
        self.cut()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self._socket is not None:
                up_reader, up_writer = await asyncio.open_unix_connection(self._socket)
            else:
                up_reader, up_writer = await asyncio.open_connection(self._host, self._port)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, up_writer))
        try:
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
        finally:
            for w in (writer, up_writer):
                self._writers.discard(w)
                w.transport.abort()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError):
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()
