"""The benches' light HTTP client (openrcm_devtools.raw_http) against a real socket server that, like uvicorn,
closes keep-alive connections left idle too long."""

from __future__ import annotations

import asyncio
import json

from openrcm_devtools.raw_http import RawJsonPoster

SERVER_IDLE_TIMEOUT = 0.3


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            header = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), SERVER_IDLE_TIMEOUT)
            length = next(int(line.split(b":")[1]) for line in header.split(b"\r\n")
                          if line.lower().startswith(b"content-length:"))
            body = json.loads(await reader.readexactly(length))
            answer = json.dumps({"echo": body}).encode()
            writer.write(b"HTTP/1.1 201 Created\r\nContent-Length: " + str(len(answer)).encode() + b"\r\n\r\n" + answer)
            await writer.drain()
    except (asyncio.TimeoutError, asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def test_posts_reuse_a_connection_and_never_write_into_one_the_server_closed():
    connections = 0

    async def counting(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await _serve(reader, writer)

    server = await asyncio.start_server(counting, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    poster = RawJsonPoster("127.0.0.1", port, "/v1/things", "token", max_idle_seconds=SERVER_IDLE_TIMEOUT / 3)
    try:
        assert [await poster.post({"n": n}) for n in range(3)] == [201, 201, 201]
        assert connections == 1  # kept alive and reused
        await asyncio.sleep(SERVER_IDLE_TIMEOUT * 2)  # the server has closed the idle connection by now
        assert await poster.post({"n": 3}) == 201
        assert connections == 2
    finally:
        await poster.close()
        server.close()
        await server.wait_closed()


async def test_no_server_is_reported_by_the_error_name():
    server = await asyncio.start_server(_serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    poster = RawJsonPoster("127.0.0.1", port, "/v1/things", "token")
    assert await poster.post({}) == "ConnectionRefusedError"
