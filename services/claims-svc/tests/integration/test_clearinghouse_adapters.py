"""Clearinghouse adapters against real things: a local HTTP clearinghouse (uvicorn on a free port) and a temp directory."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from claims_svc.adapters.clearinghouse import (
    ClearinghouseError, FileDropClearinghouse, HttpClearinghouse, InboundFile, OutboundFile, connect,
)


@dataclass
class FakeClearinghouse:
    """A clearinghouse API: stores one file per Idempotency-Key, fails the first ``failures`` calls with 503."""

    failures: int = 0
    calls: int = 0
    received: dict[str, dict] = field(default_factory=dict)
    responses: dict[str, dict] = field(default_factory=dict)

    def app(self) -> Starlette:
        async def batches(request: Request) -> Response:
            self.calls += 1
            if request.headers.get("authorization") != "Bearer key-1":
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            if self.calls <= self.failures:
                return JSONResponse({"error": "busy"}, status_code=503)
            key = request.headers["idempotency-key"]
            if key in self.received:
                return JSONResponse({"id": self.received[key]["id"]}, status_code=409)
            self.received[key] = {"id": f"SUB-{len(self.received) + 1}", "tenant": request.headers["x-tenant-id"],
                                  "name": request.query_params["file_name"], "body": (await request.body()).decode()}
            return JSONResponse({"id": self.received[key]["id"]}, status_code=201)

        async def responses(request: Request) -> Response:
            return JSONResponse({"items": list(self.responses.values())})

        async def acknowledge(request: Request) -> Response:
            self.responses.pop(request.path_params["response_id"], None)
            return Response(status_code=204)

        return Starlette(routes=[Route("/batches", batches, methods=["POST"]),
                                 Route("/responses", responses, methods=["GET"]),
                                 Route("/responses/{response_id}", acknowledge, methods=["DELETE"])])


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeClearinghouse, str]]:
    clearinghouse = FakeClearinghouse()
    server = uvicorn.Server(uvicorn.Config(clearinghouse.app(), host="127.0.0.1", port=0, log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(1000):  # up to 10 s; a server that failed to start ends its task
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, f"the local clearinghouse did not start: {task.exception() if task.done() else 'timeout'}"
    port = server.servers[0].sockets[0].getsockname()[1]
    yield clearinghouse, f"http://127.0.0.1:{port}"
    server.should_exit = True
    await asyncio.wait_for(task, timeout=10)


def _file(batch_id: uuid.UUID | None = None) -> OutboundFile:
    return OutboundFile("tenant-a", batch_id or uuid.uuid4(), "837P-000000001-abc.x12", "ISA*...~")


async def test_http_submission_retries_busy_answers_and_is_received_once_per_batch(fake):
    clearinghouse, url = fake
    clearinghouse.failures = 2
    adapter = HttpClearinghouse("api", url, api_key="key-1", backoff_seconds=0.01, max_attempts=4)
    try:
        file = _file()
        first = await adapter.submit(file)
        again = await adapter.submit(file)  # a resend after a crash: the clearinghouse answers 409 with the same id
    finally:
        await adapter.close()
    assert first.reference == again.reference == "SUB-1"
    assert clearinghouse.calls == 4
    [received] = clearinghouse.received.values()
    assert (received["tenant"], received["name"], received["body"]) == ("tenant-a", file.file_name, file.content)


async def test_http_refusals_are_not_retried_and_a_dead_server_is_retryable(fake):
    clearinghouse, url = fake
    adapter = HttpClearinghouse("api", url, api_key="wrong", backoff_seconds=0.01)
    with pytest.raises(ClearinghouseError) as refused:
        await adapter.submit(_file())
    await adapter.close()
    assert (refused.value.retryable, clearinghouse.calls) == (False, 1)
    assert "HTTP 401" in str(refused.value) and "ISA" not in str(refused.value)

    nobody = HttpClearinghouse("api", "http://127.0.0.1:9", backoff_seconds=0.01, max_attempts=2, timeout_seconds=1)
    with pytest.raises(ClearinghouseError) as down:
        await nobody.submit(_file())
    await nobody.close()
    assert down.value.retryable and "attempt 2" in str(down.value)


async def test_http_responses_are_fetched_and_acknowledged(fake):
    clearinghouse, url = fake
    clearinghouse.responses["R1"] = {"id": "R1", "tenant_id": "tenant-a", "content": "ISA*999~"}
    adapters = connect({"api": {"adapter": "http", "url": url, "api_key": "key-1"}})
    adapter = adapters["api"]
    try:
        [inbound] = await adapter.inbound()
        assert inbound == InboundFile("tenant-a", "R1", "ISA*999~")
        await adapter.done(inbound)
        assert await adapter.inbound() == []
    finally:
        await adapter.close()


async def test_file_drop_writes_atomically_once_and_refuses_another_file_under_the_same_name(tmp_path):
    adapter = FileDropClearinghouse("drop", tmp_path)
    file = _file()
    receipt = await adapter.submit(file)
    target = tmp_path / "outbound" / "tenant-a" / file.file_name
    assert receipt.reference == str(target) and target.read_text() == file.content
    assert [p.name for p in target.parent.iterdir()] == [file.file_name]  # no part file left behind
    target.unlink()  # the collector took it
    assert (await adapter.submit(file)).reference == str(target)  # a resend is not delivered twice
    assert not target.exists()
    with pytest.raises(ClearinghouseError, match="another file"):
        await adapter.submit(OutboundFile(file.tenant_id, file.batch_id, file.file_name, "ISA*other~"))
    with pytest.raises(ClearinghouseError, match="tenant id"):
        await adapter.submit(OutboundFile("../etc", file.batch_id, file.file_name, file.content))
