"""The HTTP API through claims-svc's real clearinghouse adapters, against a real uvicorn server on a free port."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal

import httpx
import pytest
import uvicorn

from claims_svc.adapters.clearinghouse import ClearinghouseError, FileDropClearinghouse, HttpClearinghouse, OutboundFile
from claims_svc.domain.x12.acknowledgments import parse_277ca, parse_999, transaction_kind
from openrcm_sandbox.entrypoints.api import create_app
from openrcm_sandbox.entrypoints.file_drop import FileDropPoller
from payments_svc.adapters.drop_directory import DropDirectory as PaymentsDropDirectory
from payments_svc.adapters.x12_835 import parse_835

API_KEY = "sandbox-key-1"


@asynccontextmanager
async def serve(app) -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    task = asyncio.create_task(server.serve())
    for _ in range(1000):  # up to 10 s; a server that failed to start ends its task
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    assert server.started, f"the sandbox did not start: {task.exception() if task.done() else 'timeout'}"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


@pytest.fixture
async def running(make_sandbox) -> AsyncIterator[tuple[object, str]]:
    sandbox = make_sandbox()
    async with serve(create_app(sandbox, api_key=API_KEY)) as url:
        yield sandbox, url


def outbound(content: str, batch_id: uuid.UUID | None = None, name: str = "837P-000000001.x12") -> OutboundFile:
    return OutboundFile("tenant-a", batch_id or uuid.uuid4(), name, content)


async def test_claims_svc_http_adapter_submits_fetches_and_acknowledges(running, x837) -> None:
    sandbox, url = running
    adapter = HttpClearinghouse("sandbox", url, api_key=API_KEY, backoff_seconds=0.01)
    content = x837.build(x837.batch(x837.claim("PCN-1"), x837.claim("PCN-2", subscriber=x837.subscriber("NOBODY"))))
    file = outbound(content)
    try:
        receipt = await adapter.submit(file)
        again = await adapter.submit(file)  # a resend after a crash: received once, same id
        inbound = await adapter.inbound()
        assert [transaction_kind(f.content) for f in inbound] == ["999", "277CA"]
        assert {f.tenant_id for f in inbound} == {"tenant-a"}
        (ack,) = parse_999(inbound[0].content)
        assert ack.code == "A" and ack.sets[0].accepted
        statuses = {a.patient_control_number: [s.code for s in a.statuses] for a in parse_277ca(inbound[1].content)}
        assert statuses == {"PCN-1": ["A2:20:PR"], "PCN-2": ["A7:33:IL"]}
        for file_in in inbound:
            await adapter.done(file_in)
        assert await adapter.inbound() == []
    finally:
        await adapter.close()
    assert receipt.reference == again.reference
    assert len(await sandbox.claims()) == 2


async def test_payment_runs_claims_accumulators_and_health_over_http(running, x837, tmp_path) -> None:
    _, url = running
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with httpx.AsyncClient(base_url=url, headers=headers) as client:
        content = x837.build(x837.batch(x837.claim("PCN-1")))
        posted = await client.post("/batches", content=content.encode(), params={"file_name": "b1.x12"},
                                   headers={"X-Tenant-ID": "tenant-a", "Idempotency-Key": "k-1"})
        assert posted.status_code == 201 and posted.json()["accepted"] == 1
        replayed = await client.post("/batches", content=content.encode(), params={"file_name": "b1.x12"},
                                     headers={"X-Tenant-ID": "tenant-a", "Idempotency-Key": "k-1"})
        assert replayed.status_code == 200 and replayed.json()["id"] == posted.json()["id"]
        claims = (await client.get("/claims", params={"tenant_id": "tenant-a"})).json()["items"]
        assert [(c["patient_control_number"], c["status"]) for c in claims] == [("PCN-1", "adjudicated")]
        run = await client.post("/payment-runs", json={"payment_date": "2026-12-03"})
        assert run.status_code == 201
        (written,) = run.json()["files"]
        assert (written["tenant_id"], written["payer_id"], written["claims"]) == ("tenant-a", "SBX01", 1)
        assert run.json()["payment_date"] == "2026-12-03"
        era_file = tmp_path / "one" / "era" / "tenant-a" / written["file_name"]
        (document,) = parse_835(era_file.read_text()).documents
        assert document.payment.amount == Decimal(written["total_paid"])
        assert document.payment.payment_date.isoformat() == "2026-12-03"
        empty = await client.post("/payment-runs")
        assert empty.status_code == 200 and empty.json()["files"] == []
        paid = (await client.get("/claims", params={"status": "paid"})).json()["items"]
        assert paid[0]["era_files"] == [written["file_name"]]
        accumulators = await client.get("/members/SBX01/SBX100001/accumulators", params={"year": 2026})
        assert accumulators.status_code == 200 and set(accumulators.json()) >= {"deductible_met", "out_of_pocket_met"}
        assert (await client.get("/members/SBX01/NOBODY/accumulators")).status_code == 404
    async with httpx.AsyncClient(base_url=url) as anonymous:
        assert (await anonymous.get("/health")).json() == {"status": "ok"}
        refused = await anonymous.get("/claims")
        assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
        wrong = await anonymous.get("/responses", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401


async def test_bad_input_is_answered_with_problem_details(running) -> None:
    _, url = running
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {API_KEY}"}) as client:
        missing = await client.post("/batches", content=b"")
        assert missing.status_code == 422 and missing.headers["content-type"] == "application/problem+json"
        assert {e["pointer"] for e in missing.json()["errors"]} == {"/X-Tenant-ID", ""}
        not_x12 = await client.post("/batches", content=b"hello", headers={"X-Tenant-ID": "tenant-a"})
        assert not_x12.status_code == 422 and "hello" not in not_x12.text
        bad_date = await client.post("/payment-runs", json={"payment_date": "2026-13-01"})
        assert bad_date.status_code == 422 and bad_date.json()["errors"][0]["pointer"] == "/payment_date"
        assert (await client.delete("/responses/r999999")).status_code == 404
        assert (await client.get("/claims", params={"status": "lost"})).status_code == 422


async def test_claims_svc_file_drop_adapter_through_the_poller(make_sandbox, x837, tmp_path) -> None:
    sandbox = make_sandbox()
    drop = tmp_path / "one" / "drop"
    adapter = FileDropClearinghouse("sandbox-drop", drop)
    content = x837.build(x837.batch(x837.claim("PCN-F")))
    await adapter.submit(outbound(content))
    poller = FileDropPoller(sandbox)
    assert await poller.poll_once() == 1
    assert await poller.poll_once() == 0  # taken once
    assert (drop / "taken" / "tenant-a" / "837P-000000001.x12").read_text() == content
    assert not any((drop / "outbound" / "tenant-a").iterdir())
    inbound = await adapter.inbound()
    assert sorted(transaction_kind(f.content) for f in inbound) == ["277CA", "999"]
    assert await sandbox.responses() == []  # file-drop answers travel by file, not the HTTP queue
    for file_in in inbound:
        await adapter.done(file_in)
    assert await adapter.inbound() == []
    # The same file dropped again (same name and content) is received once: no new answers.
    (drop / "receipts" / "tenant-a" / "837P-000000001.x12").unlink()
    await adapter.submit(outbound(content))
    assert await poller.poll_once() == 1 and await adapter.inbound() == []
    # payments-svc's drop watcher finds the 835 the payment run writes.
    (era,) = await sandbox.run_payments()
    waiting = list(PaymentsDropDirectory(tmp_path / "one" / "era").waiting())
    assert waiting == [("tenant-a", era.path)]


async def test_the_lifespan_polls_the_drop_directory(make_sandbox, x837, tmp_path) -> None:
    sandbox = make_sandbox()
    adapter = FileDropClearinghouse("sandbox-drop", tmp_path / "one" / "drop")
    async with serve(create_app(sandbox, drop_poll_seconds=0.05)):
        await adapter.submit(outbound(x837.build(x837.batch(x837.claim("PCN-L")))))
        inbound = []
        for _ in range(500):  # up to 10 s
            inbound = await adapter.inbound()
            if len(inbound) == 2:
                break
            await asyncio.sleep(0.02)
    assert sorted(transaction_kind(f.content) for f in inbound) == ["277CA", "999"]


async def test_wrong_api_key_is_not_retried_by_claims_svc(running, x837) -> None:
    _, url = running
    adapter = HttpClearinghouse("sandbox", url, api_key="wrong", backoff_seconds=0.01)
    try:
        with pytest.raises(ClearinghouseError) as failed:
            await adapter.submit(outbound(x837.build(x837.batch(x837.claim()))))
    finally:
        await adapter.close()
    assert not failed.value.retryable


async def test_the_lifespan_runs_payments_on_its_interval(make_sandbox, x837, tmp_path) -> None:
    sandbox = make_sandbox()
    await sandbox.receive("tenant-a", x837.build(x837.batch(x837.claim("PCN-T"))), file_name="t.x12")
    era = tmp_path / "one" / "era" / "tenant-a"
    async with serve(create_app(sandbox, payment_run_seconds=0.05)):
        for _ in range(500):  # up to 10 s
            if era.is_dir() and any(era.iterdir()):
                break
            await asyncio.sleep(0.02)
    (written,) = [p for p in era.iterdir() if not p.name.startswith(".")]
    assert parse_835(written.read_text()).documents[0].claims[0].patient_control_number == "PCN-T"
    assert [c.status for c in await sandbox.claims()] == ["paid"]


async def test_two_files_of_the_same_name_keep_both_answers(make_sandbox, x837, tmp_path) -> None:
    sandbox = make_sandbox()
    adapter = FileDropClearinghouse("sandbox-drop", tmp_path / "one" / "drop")
    poller = FileDropPoller(sandbox)
    for reference in ("B1", "B2"):
        content = x837.build(x837.batch(x837.claim(f"PCN-{reference}"), reference=reference))
        (tmp_path / "one" / "drop" / "outbound" / "tenant-a").mkdir(parents=True, exist_ok=True)
        (tmp_path / "one" / "drop" / "outbound" / "tenant-a" / "same.x12").write_text(content)
        assert await poller.poll_once() == 1
    assert len(await adapter.inbound()) == 4
    assert sorted(p.name for p in (tmp_path / "one" / "drop" / "taken" / "tenant-a").iterdir()) == [
        "same.x12", "same.x12.1"]
