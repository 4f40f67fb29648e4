"""Clearinghouse adapters: one interface, one class per way of talking to a clearinghouse.

A connection is configuration (the CLEARINGHOUSES setting: name -> {"adapter": ..., options});
a tenant's route names the connection its claims travel by. A new clearinghouse that talks like
an existing one is only configuration; one that talks differently is a new class here and one line
in :data:`ADAPTERS`, nothing elsewhere.

- :class:`FileDropClearinghouse`: the SFTP way. Claims are written to
  ``<directory>/outbound/<tenant>/<file>`` (as a hidden part file, then renamed, so a collector
  never takes half a file); 999 and 277CA files are read from ``<directory>/inbound/<tenant>/`` and
  moved to ``processed/`` once ingested.
- :class:`HttpClearinghouse`: a clearinghouse REST API (httpx), with retries on timeouts, 429 and
  5xx answers; ``Idempotency-Key`` is the batch id, so a retried submission is received once.

Submission is idempotent per batch: sending the same batch again hands over the same file under the
same name and key, and the adapter answers with the first receipt.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx

log = logging.getLogger(__name__)
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


@dataclass(frozen=True)
class OutboundFile:
    tenant_id: str
    batch_id: uuid.UUID
    file_name: str
    content: str


@dataclass(frozen=True)
class Receipt:
    reference: str  # how the clearinghouse knows the file (a path, or its submission id)


@dataclass(frozen=True)
class InboundFile:
    tenant_id: str
    name: str  # the adapter's handle to acknowledge it with
    content: str


class ClearinghouseError(Exception):
    """The clearinghouse did not take the file (or answer). Messages hold no file content."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


class Clearinghouse(Protocol):
    name: str

    async def submit(self, file: OutboundFile) -> Receipt: ...

    async def inbound(self) -> list[InboundFile]: ...

    async def done(self, file: InboundFile) -> None: ...

    async def close(self) -> None: ...


def _safe(name: str, what: str) -> str:
    if not _SAFE_NAME.match(name):
        raise ClearinghouseError(f"{what} cannot be used as a file name", retryable=False)
    return name


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class FileDropClearinghouse:
    def __init__(self, name: str, directory: Path) -> None:
        self.name = name
        self.directory = directory

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> FileDropClearinghouse:
        return cls(name, Path(config["directory"]))

    async def submit(self, file: OutboundFile) -> Receipt:
        return await asyncio.to_thread(self._submit, file)

    def _submit(self, file: OutboundFile) -> Receipt:
        tenant, file_name = _safe(file.tenant_id, "the tenant id"), _safe(file.file_name, "the batch file name")
        outbound = self.directory / "outbound" / tenant
        receipts = self.directory / "receipts" / tenant  # ours: a collector never reads it
        target, receipt = outbound / file_name, receipts / file_name
        digest = _sha256(file.content)
        if receipt.exists():
            if receipt.read_text() != digest:
                raise ClearinghouseError("another file was already delivered under this batch's name", retryable=False)
            return Receipt(str(target))  # delivered before (the collector may have taken it since)
        try:
            outbound.mkdir(parents=True, exist_ok=True)
            receipts.mkdir(parents=True, exist_ok=True)
            part = outbound / f".{file_name}.part"
            with open(part, "w", encoding="utf-8", newline="") as handle:
                handle.write(file.content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(part, target)
            receipt.write_text(digest)
        except OSError as exc:
            raise ClearinghouseError(f"file drop failed: {type(exc).__name__}", retryable=True) from None
        return Receipt(str(target))

    async def inbound(self) -> list[InboundFile]:
        return await asyncio.to_thread(self._inbound)

    def _inbound(self) -> list[InboundFile]:
        root = self.directory / "inbound"
        if not root.is_dir():
            return []
        found = []
        for tenant_dir in sorted(p for p in root.iterdir() if p.is_dir() and _SAFE_NAME.match(p.name)):
            for path in sorted(p for p in tenant_dir.iterdir() if p.is_file() and not p.name.startswith(".")):
                found.append(InboundFile(tenant_dir.name, path.name, path.read_text(encoding="utf-8", errors="replace")))
        return found

    async def done(self, file: InboundFile) -> None:
        def move() -> None:
            tenant_dir = self.directory / "inbound" / _safe(file.tenant_id, "the tenant id")
            (tenant_dir / "processed").mkdir(exist_ok=True)
            os.replace(tenant_dir / _safe(file.name, "the file name"), tenant_dir / "processed" / file.name)
        await asyncio.to_thread(move)

    async def close(self) -> None:
        return None


_RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class HttpClearinghouse:
    """A clearinghouse API: POST {url}/batches (X12 body), GET {url}/responses, DELETE {url}/responses/{id}."""

    def __init__(self, name: str, url: str, *, api_key: str = "", timeout_seconds: float = 10.0,
                 max_attempts: int = 4, backoff_seconds: float = 0.5,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.name = name
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(base_url=url.rstrip("/"), headers=headers, timeout=timeout_seconds,
                                         transport=transport)
        self._max_attempts = max_attempts
        self._backoff = backoff_seconds

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> HttpClearinghouse:
        return cls(name, config["url"], api_key=config.get("api_key", ""),
                   timeout_seconds=float(config.get("timeout_seconds", 10)),
                   max_attempts=int(config.get("max_attempts", 4)),
                   backoff_seconds=float(config.get("backoff_seconds", 0.5)))

    async def _call(self, send: Callable[[], Awaitable[httpx.Response]], what: str) -> httpx.Response:
        """One request with retries on transport errors and retryable answers; 409 counts as an answer."""
        delay = self._backoff
        for attempt in range(1, self._max_attempts + 1):
            try:
                response = await send()
            except httpx.TransportError as exc:
                problem, retryable = f"{what}: {type(exc).__name__}", True
            else:
                if response.status_code < 400 or response.status_code == 409:
                    return response
                problem = f"{what}: HTTP {response.status_code}"
                retryable = response.status_code in _RETRYABLE_STATUS
            if not retryable or attempt == self._max_attempts:
                raise ClearinghouseError(f"{problem} (attempt {attempt})", retryable=retryable)
            log.info("clearinghouse call failed; retrying", extra={"clearinghouse": self.name, "attempt": attempt})
            await asyncio.sleep(delay)
            delay *= 2
        raise AssertionError("unreachable")

    async def submit(self, file: OutboundFile) -> Receipt:
        response = await self._call(lambda: self._client.post(
            "/batches", content=file.content.encode(), params={"file_name": file.file_name},
            headers={"Content-Type": "application/edi-x12", "Idempotency-Key": str(file.batch_id),
                     "X-Tenant-ID": file.tenant_id}), "submit")
        try:
            reference = str(response.json().get("id") or file.batch_id)
        except ValueError:
            reference = str(file.batch_id)
        return Receipt(reference)

    async def inbound(self) -> list[InboundFile]:
        response = await self._call(lambda: self._client.get("/responses"), "fetch responses")
        return [InboundFile(str(item["tenant_id"]), str(item["id"]), str(item["content"]))
                for item in response.json().get("items", [])]

    async def done(self, file: InboundFile) -> None:
        await self._call(lambda: self._client.delete(f"/responses/{file.name}"), "acknowledge response")

    async def close(self) -> None:
        await self._client.aclose()


#: adapter name -> factory(connection name, its configuration)
ADAPTERS: dict[str, Callable[[str, Mapping[str, Any]], Clearinghouse]] = {
    "file_drop": FileDropClearinghouse.from_config,
    "http": HttpClearinghouse.from_config,
}


def connect(connections: Mapping[str, Mapping[str, Any]]) -> dict[str, Clearinghouse]:
    """One adapter per configured connection."""
    return {name: ADAPTERS[config["adapter"]](name, config) for name, config in connections.items()}
