"""What every service process runs: database, migrations, outbox relay, consumer, HTTP app.

``build_app`` wires it explicitly (no I/O at import time): the lifespan migrates, opens the
engine, starts the relay and the consumer as background tasks, and stops them in order.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from openrcm_shared.auth.tokens import TokenVerifier
from openrcm_shared.bus.consumer import EventConsumer, EventHandler
from openrcm_shared.bus.kafka import KafkaConfig, broker_reachable
from openrcm_shared.bus.relay import OutboxRelay
from openrcm_shared.bus.retention import Retention, purge_handled_events
from openrcm_shared.contracts.envelope import EventContract
from openrcm_shared.db.engine import create_engine, warn_if_autovacuum_off
from openrcm_shared.db.unit_of_work import UnitOfWork, UnitOfWorkFactory
from openrcm_shared.idempotency import purge_expired
from openrcm_shared.migrations import upgrade_to_head
from openrcm_shared.observability import CorrelationIdMiddleware, configure_logging
from openrcm_shared.problems import install_problem_handlers
from openrcm_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

#: How often each replica deletes expired Idempotency-Keys (they are reusable once expired anyway) and
#: the outbox and inbox rows past their retention.
HOUSEKEEPING_INTERVAL_SECONDS = 3600.0


@dataclass
class ServiceDefinition:
    """What makes one service different from another; everything else is shared."""

    name: str
    version: str
    migrations_dir: Path
    routers: Sequence[APIRouter]
    produces: Sequence[type[EventContract]] = ()
    handlers: Mapping[type[EventContract], EventHandler] = field(default_factory=dict)
    description: str = ""
    #: Run once at start-up with the service's settings, in a worker thread, before the service starts
    #: its tasks: e.g. loading reference data so that the first request does not pay for it.
    startup: Sequence[Callable[[ServiceSettings], object]] = ()


async def cancel_and_wait(tasks: Iterable[asyncio.Task[object]]) -> None:
    """Cancel background tasks and wait until each has ended, cancelling again while one still runs.

    One cancel is not always enough: on Python 3.11 ``asyncio.wait_for`` (also inside aiokafka and the
    database drivers) can swallow a cancellation that arrives as its inner call finishes, and the
    task's loop then goes on; a shutdown that awaited it once would wait forever.
    """
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=1.0)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            log.warning("background task ended with an error", exc_info=task.exception(),
                        extra={"task": task.get_name()})


class ServiceRuntime:
    def __init__(self, definition: ServiceDefinition, settings: ServiceSettings) -> None:
        self.definition = definition
        self.settings = settings
        self.kafka = KafkaConfig.from_settings(settings)
        self.engine: AsyncEngine = create_engine(settings.database_url)
        self.session_factory = async_sessionmaker(self.engine, expire_on_commit=False)
        self.uow_factory = UnitOfWorkFactory(self.session_factory)
        self.relay = OutboxRelay(
            session_factory=self.session_factory,
            kafka=self.kafka,
            client_id=definition.name,
            topics=[c.topic() for c in definition.produces],
            poll_interval=settings.outbox_poll_interval_seconds,
            batch_size=settings.outbox_batch_size,
            lease_seconds=settings.outbox_lease_seconds,
        )
        self.uow_factory.on_commit(self.relay.wake)
        self.consumer = (
            EventConsumer(
                group_id=definition.name,
                kafka=self.kafka,
                uow_factory=self.uow_factory,
                handlers=definition.handlers,
                max_retries=settings.consumer_max_retries,
                retry_backoff_seconds=settings.consumer_retry_backoff_seconds,
            )
            if definition.handlers
            else None
        )
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if self.settings.run_migrations_on_startup:
            await asyncio.to_thread(upgrade_to_head, self.definition.migrations_dir, self.settings.database_url)
        for hook in self.definition.startup:
            await asyncio.to_thread(hook, self.settings)
        await warn_if_autovacuum_off(self.engine)
        # What start-up loaded (modules, reference data such as code sets) lives as long as the service:
        # keep it out of the collector's full passes, which otherwise walk it all again and again under
        # load (pauses of 100+ ms with the ICD-10-CM code set loaded). stop() lets it be collected again.
        gc.collect()
        gc.freeze()
        self._tasks.append(asyncio.create_task(self.relay.run(), name=f"{self.definition.name}-outbox-relay"))
        if self.consumer is not None:
            self._tasks.append(asyncio.create_task(self.consumer.run(), name=f"{self.definition.name}-consumer"))
        self._tasks.append(asyncio.create_task(self._housekeeping(), name=f"{self.definition.name}-housekeeping"))
        log.info("service started", extra={"version": self.definition.version})

    async def _housekeeping(self) -> None:
        while True:
            await asyncio.sleep(HOUSEKEEPING_INTERVAL_SECONDS)
            await self.housekeep()

    async def housekeep(self) -> None:
        """Delete expired Idempotency-Keys and the outbox and inbox rows past their retention; a failure is
        logged and left for the next round."""
        try:
            async with self.session_factory() as session:
                purged = await purge_expired(session)
            if purged:
                log.info("expired idempotency keys purged", extra={"count": purged})
        except Exception:
            log.warning("idempotency key purge failed; retrying next interval", exc_info=True)
        try:
            events = await purge_handled_events(self.session_factory, Retention(
                published_outbox=timedelta(days=self.settings.outbox_retention_days),
                inbox=timedelta(days=self.settings.inbox_retention_days),
            ))
            if events.outbox_rows or events.inbox_rows:
                log.info("outbox and inbox rows past retention purged",
                         extra={"outbox_rows": events.outbox_rows, "inbox_rows": events.inbox_rows})
        except Exception:
            log.warning("outbox and inbox purge failed; retrying next interval", exc_info=True)

    async def stop(self) -> None:
        gc.unfreeze()
        await cancel_and_wait(self._tasks)
        self._tasks.clear()
        if self.consumer is not None:
            await self.consumer.stop()
        await self.relay.stop()
        await self.engine.dispose()

    async def readiness(self) -> dict[str, object]:
        checks: dict[str, object] = {}
        try:
            async with self.engine.connect() as connection:
                await asyncio.wait_for(connection.execute(text("SELECT 1")), 2.0)
            checks["database"] = "up"
        except Exception as exc:
            checks["database"] = f"down ({type(exc).__name__})"
        checks["broker"] = "up" if await broker_reachable(self.kafka) else "down"
        checks["outbox_relay"] = "connected" if self.relay.connected else "reconnecting"
        if checks["database"] == "up":
            checks["outbox_pending"] = await self.relay.pending_count()
        return checks


def build_app(definition: ServiceDefinition, settings: ServiceSettings) -> FastAPI:
    configure_logging(definition.name, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = ServiceRuntime(definition, settings)
        app.state.runtime = runtime
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=definition.name, version=definition.version, description=definition.description, lifespan=lifespan)
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(
        secret=settings.auth_jwt_secret, jwks_url=settings.auth_jwks_url,
        issuer=settings.auth_issuer, audience=settings.auth_audience,
    )
    app.add_middleware(CorrelationIdMiddleware)
    install_problem_handlers(app)
    app.include_router(health_router())
    for router in definition.routers:
        app.include_router(router)
    return app


def health_router() -> APIRouter:
    router = APIRouter(prefix="/health", tags=["health"])

    @router.get("/live", summary="The process is up (no dependencies checked)")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @router.get("/ready", summary="Database and broker reachable")
    async def ready(request: Request) -> JSONResponse:
        checks = await request.app.state.runtime.readiness()
        ok = checks["database"] == "up" and checks["broker"] == "up"
        return JSONResponse({"status": "ready" if ok else "not_ready", "checks": checks}, status_code=200 if ok else 503)

    return router


def get_runtime(request: Request) -> ServiceRuntime:
    return request.app.state.runtime


async def _unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    async with get_runtime(request).uow_factory() as uow:
        yield uow


#: A fresh unit of work per request; it rolls back unless the use case commits.
UnitOfWorkDep = Annotated[UnitOfWork, Depends(_unit_of_work)]


async def _unit_of_work_factory(request: Request) -> UnitOfWorkFactory:  # async: no worker-thread hop
    return get_runtime(request).uow_factory


#: For use cases that run several transactions (e.g. bulk intake: one per item).
UnitOfWorkFactoryDep = Annotated[UnitOfWorkFactory, Depends(_unit_of_work_factory)]
