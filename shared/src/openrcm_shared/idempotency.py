"""Idempotency-Key for REST writes (DESIGN "Reliability rules"; the IETF Idempotency-Key draft).

A key is scoped to tenant + client (the token subject) and lives 24 hours. Its life:

1. The entrypoint validates the request first. A request that fails validation never claims a key,
   so validation failures are never stored.
2. ``begin`` claims the key in its own short transaction, committed at once so that concurrent
   retries see the claim (INSERT; a duplicate key means someone holds or held it):

   - no row, an expired row, or an in-progress row of the same request abandoned for longer than
     ``stale_after`` (its process died): the key is claimed, the use case proceeds with a ``Claim``;
   - a row with a different request fingerprint: ``IdempotencyKeyReused`` (422);
   - a completed row of the same request: a ``Replay`` of the stored status, headers and body;
   - an in-progress row of the same request: ``IdempotencyKeyInProgress`` (409), retry later.
3. The use case calls ``complete`` with its response before it commits: the response is stored in
   the same transaction as the effect. ``complete`` is fenced by the claim's start time, so an
   attempt whose claim was taken over cannot commit its effect too.
4. If the use case fails (a business conflict, a crash of the request), ``release`` drops the claim
   so the client may retry with the same key. Only completed outcomes are replayed.

A process that dies between 2 and 3 leaves an in-progress row: retries get 409 until
``stale_after`` has passed, then the next retry takes the key over.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.responses import JSONResponse
from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from openrcm_shared.auth import TenantContext
from openrcm_shared.db.tables import idempotency_keys
from openrcm_shared.db.types import utcnow
from openrcm_shared.db.unit_of_work import UnitOfWork
from openrcm_shared.problems import Conflict, InvalidInput

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
DEFAULT_TTL = timedelta(hours=24)
#: How long an in-progress claim is honoured before a retry may take it over (the first attempt died).
DEFAULT_STALE_AFTER = timedelta(minutes=2)
MAX_KEY_LENGTH = 255

IN_PROGRESS = "in_progress"
COMPLETED = "completed"


class IdempotencyKeyReused(InvalidInput):
    type_slug = "idempotency-key-reused"
    title = "Idempotency-Key reused with a different request"


class IdempotencyKeyInProgress(Conflict):
    type_slug = "idempotency-key-in-progress"
    title = "A request with this Idempotency-Key is still in progress"


def canonical_json(value: Any) -> str:
    """One spelling of a JSON value: sorted keys, no insignificant whitespace."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def request_fingerprint(method: str, path: str, body: Any) -> str:
    """sha256 of method, path and the canonical JSON body: what "the same request" means."""
    text = f"{method.upper()}\n{path}\n{canonical_json(body)}"
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class IdempotentRequest:
    tenant_id: str
    client: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class StoredResponse:
    """What a request answered: status, JSON body and the headers worth replaying (e.g. Location)."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    def to_response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status, headers=dict(self.headers))


@dataclass(frozen=True)
class Replay(StoredResponse):
    """The stored first response to a request, answered again to its retry."""

    def to_response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status, headers={**self.headers, REPLAYED_HEADER: "true"})


@dataclass(frozen=True)
class Claim:
    """This request holds the key; ``started_at`` fences ``complete`` and ``release``."""

    request: IdempotentRequest
    started_at: datetime


def _key_is(request: IdempotentRequest):  # type: ignore[no-untyped-def]
    t = idempotency_keys.c
    return and_(t.tenant_id == request.tenant_id, t.client == request.client, t.key == request.key)


def _held_by(claim: Claim):  # type: ignore[no-untyped-def]
    t = idempotency_keys.c
    return and_(_key_is(claim.request), t.status == IN_PROGRESS, t.created_at == claim.started_at)


async def begin(
    uow: UnitOfWork, request: IdempotentRequest, *, ttl: timedelta = DEFAULT_TTL,
    stale_after: timedelta = DEFAULT_STALE_AFTER, now: datetime | None = None,
) -> Claim | Replay:
    """Claim the key (``Claim``), or answer with the stored response (``Replay``); raises 409 or 422.

    Call it after validating the request and before the unit of work touches the database.
    """
    for _ in range(3):  # a claim released or taken over between our INSERT and SELECT: look again
        at = now or utcnow()
        async with uow.separate_session() as session:
            try:
                await session.execute(
                    insert(idempotency_keys).values(
                        tenant_id=request.tenant_id, client=request.client, key=request.key,
                        request_fingerprint=request.fingerprint, status=IN_PROGRESS,
                        created_at=at, expires_at=at + ttl,
                    )
                )
                await session.commit()
                return Claim(request, at)
            except IntegrityError:
                await session.rollback()
            row = (await session.execute(select(idempotency_keys).where(_key_is(request)))).mappings().first()
            if row is None:
                continue
            same_request = row["request_fingerprint"] == request.fingerprint
            expired = row["expires_at"] <= at
            abandoned = row["status"] == IN_PROGRESS and same_request and row["created_at"] <= at - stale_after
            if expired or abandoned:
                if await _take_over(session, request, row, at, ttl):
                    return Claim(request, at)
                continue
            if not same_request:
                raise IdempotencyKeyReused(
                    "This Idempotency-Key was already used with a different request; use a new key for a new request.",
                    errors=[{"pointer": f"/{HEADER}", "location": "header", "message": "already used with a different request", "code": "idempotency_key_reused"}],
                )
            if row["status"] == COMPLETED:
                return Replay(
                    status=row["response_status"],
                    body=json.loads(row["response_body"]),
                    headers=json.loads(row["response_headers"] or "{}"),
                )
            break
    raise IdempotencyKeyInProgress(
        "A request with this Idempotency-Key is still being processed; retry after a short wait to get its result."
    )


async def _take_over(
    session: AsyncSession, request: IdempotentRequest, row: Mapping[str, Any], at: datetime, ttl: timedelta
) -> bool:
    t = idempotency_keys.c
    result = await session.execute(
        update(idempotency_keys)
        .where(_key_is(request), t.status == row["status"], t.created_at == row["created_at"])
        .values(
            request_fingerprint=request.fingerprint, status=IN_PROGRESS, response_status=None,
            response_headers=None, response_body=None, created_at=at, expires_at=at + ttl,
        )
    )
    await session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


async def complete(uow: UnitOfWork, claim: Claim, response: StoredResponse) -> None:
    """Store the response in the unit of work's transaction; the caller then commits it with the effect."""
    result = await uow.session.execute(
        update(idempotency_keys)
        .where(_held_by(claim))
        .values(
            status=COMPLETED,
            response_status=response.status,
            response_headers=canonical_json(dict(response.headers)),
            response_body=canonical_json(response.body),
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        # Our claim went stale and a retry took it over: let the retry's effect be the only one.
        raise IdempotencyKeyInProgress(
            "A retry with this Idempotency-Key took over this request; retry to get its result."
        )


async def release(uow: UnitOfWork, claim: Claim) -> None:
    """Give the key back after a failed attempt (rolling back the unit of work first)."""
    await uow.rollback()
    async with uow.separate_session() as session:
        await session.execute(delete(idempotency_keys).where(_held_by(claim)))
        await session.commit()


@asynccontextmanager
async def released_on_failure(uow: UnitOfWork, claim: Claim | None) -> AsyncIterator[None]:
    """Run a use case; if it raises, release the claim (if any) and re-raise."""
    try:
        yield
    except BaseException:
        if claim is not None:
            try:
                await release(uow, claim)
            except Exception:
                # The error being raised matters more; the key frees itself after stale_after.
                log.warning("could not release an Idempotency-Key claim", exc_info=True)
        raise


async def purge_expired(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Delete expired keys (expired keys are reusable anyway; this only keeps the table small)."""
    result = await session.execute(delete(idempotency_keys).where(idempotency_keys.c.expires_at <= (now or utcnow())))
    await session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# --- FastAPI side --------------------------------------------------------------------------------

#: The optional ``Idempotency-Key`` request header.
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=HEADER, min_length=1, max_length=MAX_KEY_LENGTH, pattern=r"^[\x21-\x7e]+$",
        description="Client-chosen unique key (e.g. a UUID) making a retry of this write safe: for 24 h the "
        "first response is replayed; the same key with a different body is refused (422); a retry "
        "while the first attempt runs gets 409.",
    ),
]


async def idempotent_request(http: Request, *, tenant_id: str, client: str, key: str | None) -> IdempotentRequest | None:
    """The request's identity for its Idempotency-Key, or None when the client sent no key."""
    if key is None:
        return None
    body = await http.json() if await http.body() else None
    fingerprint = request_fingerprint(http.method, http.url.path, body)
    return IdempotentRequest(tenant_id=tenant_id, client=client, key=key, fingerprint=fingerprint)


async def answer_idempotently(
    request: Request, ctx: TenantContext, uow: UnitOfWork, key: str | None,
    run: Callable[[Claim | None], Awaitable[StoredResponse]],
) -> JSONResponse:
    """Run a validated write under its Idempotency-Key (if any): replay a completed one, else run it.

    ``run(claim)`` calls the use case with the claim (it stores its answer with its effect) and
    returns the answer.
    """
    identity = await idempotent_request(request, tenant_id=ctx.tenant_id, client=ctx.actor, key=key)
    claim = None
    if identity is not None:
        outcome = await begin(uow, identity)
        if isinstance(outcome, Replay):
            return outcome.to_response()
        claim = outcome
    async with released_on_failure(uow, claim):
        answer = await run(claim)
    return answer.to_response()
