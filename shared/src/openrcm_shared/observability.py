"""JSON logs and the correlation id that ties a request to every event it causes.

Log records carry identifiers only (ids, codes, counts, statuses); never names, dates of birth,
member ids or clinical text. The correlation id comes from the X-Correlation-ID request header
(or is made), travels in event envelopes and is set again by every consumer.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import uuid
from datetime import datetime, timezone
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CORRELATION_HEADER = "x-correlation-id"
_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)
_service_name = "openrcm"
_MAX_CORRELATION_ID_LENGTH = 128


def current_correlation_id() -> str:
    """The correlation id of the work in progress, made on first use when there is none."""
    value = _correlation_id.get()
    if value is None:
        value = str(uuid.uuid4())
        _correlation_id.set(value)
    return value


def set_correlation_id(value: str | None) -> contextvars.Token[str | None]:
    return _correlation_id.set(value)


def reset_correlation_id(token: contextvars.Token[str | None]) -> None:
    _correlation_id.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object per line; `extra={...}` fields are included as they are."""

    _reserved = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, tz=timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": _service_name,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        correlation_id = _correlation_id.get()
        if correlation_id:
            entry["correlation_id"] = correlation_id
        for key, value in vars(record).items():
            if key not in self._reserved and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service_name: str, level: str = "INFO") -> None:
    global _service_name
    _service_name = service_name
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # aiokafka logs full exceptions on every reconnect attempt while a broker is down.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Access logs carry full paths (ids only, but noisy); request logging below replaces them.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)


class CorrelationIdMiddleware:
    """Takes X-Correlation-ID from the request (or makes one), exposes it to logs and events,
    and echoes it on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = None
        for name, value in scope.get("headers", []):
            if name == CORRELATION_HEADER.encode():
                incoming = value.decode("latin-1").strip()[:_MAX_CORRELATION_ID_LENGTH] or None
                break
        token = set_correlation_id(incoming or str(uuid.uuid4()))
        correlation_id = current_correlation_id()

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((CORRELATION_HEADER.encode(), correlation_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        finally:
            reset_correlation_id(token)
