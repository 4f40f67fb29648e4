"""A minimal HTTP/1.1 keep-alive JSON poster for the load generators of the benches.

httpx spent more CPU per request than the service it measured (68% of a core against coding-svc's 36%
at 200 clients), so the benches post through this instead: one connection per request in flight,
reused, reading just the status line and Content-Length (enough for uvicorn's answers).
A connection idle for longer than ``max_idle_seconds`` is closed rather than reused: uvicorn closes
idle keep-alive connections after 5 s by default, and a request written into one it is closing fails.
"""

from __future__ import annotations

import asyncio
import json
import time


class RawJsonPoster:
    def __init__(self, host: str, port: int, path: str, token: str, *, max_idle_seconds: float = 3.0) -> None:
        self._host, self._port = host, port
        self._max_idle = max_idle_seconds
        self._head = (
            f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/json\r\nContent-Length: "
        ).encode()
        self._idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []  # ..., idle since

    async def post(self, body: dict) -> int | str:
        """The answer's HTTP status, or the name of the error when there was no answer."""
        payload = json.dumps(body).encode()
        try:
            reader, writer = await self._connection()
        except OSError as error:
            return type(error).__name__
        try:
            writer.write(self._head + str(len(payload)).encode() + b"\r\n\r\n" + payload)
            header = await reader.readuntil(b"\r\n\r\n")
            status = int(header[9:12])
            length = next(
                int(line.split(b":", 1)[1]) for line in header.split(b"\r\n")
                if line[:15].lower() == b"content-length:"
            )
            await reader.readexactly(length)
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, StopIteration) as error:
            writer.close()
            return type(error).__name__
        self._idle.append((reader, writer, time.monotonic()))
        return status

    async def _connection(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """The most recently used idle connection that is fresh enough, else a new one."""
        while self._idle:
            reader, writer, since = self._idle.pop()
            if time.monotonic() - since <= self._max_idle:
                return reader, writer
            writer.close()
        return await asyncio.open_connection(self._host, self._port)

    async def close(self) -> None:
        for _, writer, _ in self._idle:
            writer.close()
        self._idle.clear()
