"""Correlation ids: taken from the request (or made), echoed, logged, carried into events."""

import json
import logging

import httpx
from fastapi import FastAPI

from openrcm_shared.contracts import EventEnvelope
from openrcm_shared.observability import CorrelationIdMiddleware, JsonFormatter, current_correlation_id

from openrcm_devtools.samples import claim_submitted_event as _claim


def _app(seen: list[str]) -> FastAPI:
    app = FastAPI()
    app.add_middleware(CorrelationIdMiddleware)

    @app.get("/x")
    async def x() -> dict[str, str]:
        envelope = EventEnvelope.wrap(_claim(), tenant_id="t", producer="p")
        seen.append(envelope.correlation_id)
        return {"cid": current_correlation_id()}

    return app


async def test_incoming_correlation_id_is_echoed_and_carried_into_events():
    seen: list[str] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(seen)), base_url="http://t") as client:
        response = await client.get("/x", headers={"X-Correlation-ID": "abc-123"})
    assert response.headers["x-correlation-id"] == "abc-123"
    assert response.json()["cid"] == "abc-123" and seen == ["abc-123"]


async def test_a_correlation_id_is_made_when_none_is_sent():
    seen: list[str] = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app(seen)), base_url="http://t") as client:
        first = await client.get("/x")
        second = await client.get("/x")
    assert len(first.headers["x-correlation-id"]) == 36
    assert first.headers["x-correlation-id"] != second.headers["x-correlation-id"]


def test_json_log_lines_carry_the_correlation_id_and_extra_fields():
    from openrcm_shared.observability import reset_correlation_id, set_correlation_id

    token = set_correlation_id("corr-9")
    try:
        record = logging.LogRecord("svc", logging.INFO, __file__, 1, "event handled", None, None)
        record.event_id = "e-1"
        line = json.loads(JsonFormatter().format(record))
    finally:
        reset_correlation_id(token)
    assert line["correlation_id"] == "corr-9" and line["event_id"] == "e-1" and line["msg"] == "event handled"
