"""The sandbox's HTTP API: the clearinghouse API claims-svc's HttpClearinghouse talks to, plus inspection.

    POST   /batches                      837P body; X-Tenant-ID, Idempotency-Key, ?file_name=
    GET    /responses                    {"items": [{id, tenant_id, kind, content}]}, oldest first
    DELETE /responses/{id}               once ingested
    POST   /payment-runs                 optional {"payment_date": "YYYY-MM-DD"}
    GET    /claims?tenant_id=&status=
    GET    /members/{payer_id}/{member_id}/accumulators?year=
    GET    /health

Every call but /health needs ``Authorization: Bearer <api key>`` when an api key is configured.
Errors are RFC 9457 problem+json (openrcm_shared.problems); they never echo file content.
The file-drop poller and the payment-run timer run in the app's lifespan.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import AsyncIterator
from datetime import date

from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from openrcm_sandbox.application.clearinghouse import Sandbox, SandboxError, UnknownMember, UnknownResponse
from openrcm_sandbox.entrypoints.file_drop import FileDropPoller
from openrcm_shared.observability import CorrelationIdMiddleware
from openrcm_shared.problems import InvalidInput, NotFound, ProblemError, Unauthenticated, install_problem_handlers

log = logging.getLogger(__name__)
MAX_BATCH_BYTES = 50 * 1024 * 1024


class PaymentRunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    payment_date: date | None = None


def _problem(exc: SandboxError) -> ProblemError:
    errors = [{"pointer": "", "location": "body", "message": message, "code": type(exc).__name__}
              for message in exc.errors] or None
    if isinstance(exc, (UnknownResponse, UnknownMember)):
        return NotFound(exc.detail, errors=errors)
    # IdempotencyConflict (same key, other body) is a 422 too: the platform's rule for reused keys.
    return InvalidInput(exc.detail, errors=errors)


def create_app(sandbox: Sandbox, *, api_key: str = "", drop_poll_seconds: float = 1.0,
               payment_run_seconds: float = 0.0) -> FastAPI:
    """The ASGI app over ``sandbox``; its lifespan polls the drop directory and runs timed payment runs."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks = []
        if sandbox.drop is not None:
            tasks.append(asyncio.create_task(FileDropPoller(sandbox).run(stop, drop_poll_seconds)))
        if payment_run_seconds > 0:
            tasks.append(asyncio.create_task(_payment_timer(sandbox, stop, payment_run_seconds)))
        try:
            yield
        finally:
            stop.set()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    app = FastAPI(title="OpenRCM sandbox clearinghouse", lifespan=lifespan)
    app.add_middleware(CorrelationIdMiddleware)
    install_problem_handlers(app)
    app.state.sandbox = sandbox

    async def authorized(authorization: str = Header(default="")) -> None:
        if not api_key:
            return
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), api_key.encode()):
            raise Unauthenticated("a valid bearer api key is required")

    guarded = [Depends(authorized)]

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/batches", dependencies=guarded, status_code=201)
    async def receive_batch(request: Request, response: Response,
                            x_tenant_id: str = Header(default=""), idempotency_key: str = Header(default=""),
                            file_name: str = Query(default="", max_length=128)) -> dict[str, object]:
        errors = []
        if not x_tenant_id:
            errors.append({"pointer": "/X-Tenant-ID", "location": "header", "message": "is required",
                           "code": "missing"})
        body = await request.body()
        if not body.strip():
            errors.append({"pointer": "", "location": "body", "message": "the X12 837P file is required",
                           "code": "missing"})
        elif len(body) > MAX_BATCH_BYTES:
            errors.append({"pointer": "", "location": "body", "message": "the file is larger than 50 MiB",
                           "code": "too_large"})
        try:
            content = body.decode("utf-8")
        except UnicodeDecodeError:
            errors.append({"pointer": "", "location": "body", "message": "the file is not UTF-8 text",
                           "code": "encoding"})
        if errors:
            raise InvalidInput(f"{len(errors)} problem(s) with the batch; see `errors`.", errors=errors)
        try:
            receipt = await sandbox.receive(x_tenant_id, content, file_name=file_name,
                                            idempotency_key=idempotency_key, channel="http")
        except SandboxError as exc:
            raise _problem(exc) from None
        if receipt.duplicate:
            response.status_code = 200
        return receipt.as_dict()

    @app.get("/responses", dependencies=guarded)
    async def list_responses(tenant_id: str | None = None) -> dict[str, object]:
        items = await sandbox.responses(tenant_id)
        return {"items": [{"id": r.id, "tenant_id": r.tenant_id, "kind": r.kind, "file_name": r.file_name,
                           "content": r.content} for r in items]}

    @app.delete("/responses/{response_id}", dependencies=guarded, status_code=204)
    async def acknowledge_response(response_id: str) -> Response:
        try:
            await sandbox.acknowledge_response(response_id)
        except UnknownResponse as exc:
            raise _problem(exc) from None
        return Response(status_code=204)

    @app.post("/payment-runs", dependencies=guarded)
    async def payment_run(request: Request) -> JSONResponse:
        body = await request.body()
        run = PaymentRunRequest()
        if body.strip():
            try:
                run = PaymentRunRequest.model_validate_json(body)
            except ValueError as exc:
                errors = [{"pointer": "/" + "/".join(str(p) for p in e.get("loc", ())), "location": "body",
                           "message": e.get("msg", "invalid"), "code": e.get("type")}
                          for e in getattr(exc, "errors", lambda: [])()]
                raise InvalidInput("the payment run request is invalid; see `errors`.",
                                   errors=errors or None) from None
        files = await sandbox.run_payments(run.payment_date)
        payment_date = run.payment_date or sandbox.business_date()
        return JSONResponse({"payment_date": payment_date.isoformat(), "files": [f.as_dict() for f in files]},
                            status_code=201 if files else 200)

    @app.get("/claims", dependencies=guarded)
    async def list_claims(tenant_id: str | None = None, status: str | None = None) -> dict[str, object]:
        try:
            records = await sandbox.claims(tenant_id, status)
        except SandboxError as exc:
            raise _problem(exc) from None
        return {"items": [record.as_dict() for record in records]}

    @app.get("/members/{payer_id}/{member_id}/accumulators", dependencies=guarded)
    async def accumulators(payer_id: str, member_id: str,
                           year: int | None = Query(default=None, ge=1900, le=2999)) -> dict[str, object]:
        try:
            found = await sandbox.accumulators(payer_id, member_id, year)
        except UnknownMember as exc:
            raise _problem(exc) from None
        return {"payer_id": payer_id, "member_id": member_id, "year": year or sandbox.business_date().year,
                "deductible_met": str(found.deductible_met), "out_of_pocket_met": str(found.out_of_pocket_met)}

    return app


async def _payment_timer(sandbox: Sandbox, stop: asyncio.Event, seconds: float) -> None:
    while not stop.is_set():
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        if stop.is_set():
            return
        try:
            await sandbox.run_payments()
        except Exception:  # a failed run must not stop the timer; the next tick retries
            log.exception("timed payment run failed")
