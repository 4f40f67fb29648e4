"""The periodic clearinghouse worker (BATCH_INTERVAL_SECONDS > 0): every interval, in every replica,

1. send the batches built earlier and not handed over (a failed hand-over, a replica that crashed);
2. batch and send every tenant's READY claims, per route;
3. fetch 999 and 277CA files from every clearinghouse connection and ingest them.

Replicas may run it at once: batch building locks the claims it takes (SKIP LOCKED), sending is
idempotent per batch, and an acknowledgement file is ingested once per content.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta

from claims_svc.adapters.clearinghouse import Clearinghouse, ClearinghouseError
from claims_svc.application.acknowledgments import ingest
from claims_svc.application.batches import send_waiting_batches, submit_ready_claims, tenants_with_ready_claims
from openrcm_shared.db import UnitOfWorkFactory
from openrcm_shared.problems import InvalidInput

log = logging.getLogger(__name__)
ACTOR = "system:batcher"


class ClearinghouseWorker:
    def __init__(self, uow_factory: UnitOfWorkFactory, clearinghouses: Mapping[str, Clearinghouse], *,
                 interval_seconds: float, max_claims: int) -> None:
        self._uow_factory = uow_factory
        self._clearinghouses = clearinghouses
        self._interval = interval_seconds
        self._max_claims = max_claims

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.run_once()
            except Exception:
                log.warning("clearinghouse worker round failed; trying again next interval", exc_info=True)

    async def run_once(self) -> None:
        # A batch younger than a few intervals is probably being sent by the replica that built it.
        await send_waiting_batches(self._uow_factory, self._clearinghouses, actor=ACTOR,
                                   older_than=timedelta(seconds=max(10.0, 4 * self._interval)))
        for tenant_id in await tenants_with_ready_claims(self._uow_factory):
            await submit_ready_claims(self._uow_factory, self._clearinghouses, tenant_id=tenant_id, actor=ACTOR,
                                      max_claims=self._max_claims)
        for name, adapter in self._clearinghouses.items():
            await self._collect(name, adapter)

    async def _collect(self, name: str, adapter: Clearinghouse) -> None:
        try:
            files = await adapter.inbound()
        except ClearinghouseError as failed:
            log.warning("could not fetch acknowledgements", extra={"clearinghouse": name, "error": str(failed)})
            return
        for file in files:
            try:
                async with self._uow_factory() as uow:
                    await ingest(uow, tenant_id=file.tenant_id, content=file.content, source=f"{name}:{file.name}",
                                 actor=ACTOR)
            except InvalidInput as unreadable:
                log.warning("acknowledgement file not readable; set aside",
                            extra={"clearinghouse": name, "file": file.name, "error": unreadable.detail})
            await adapter.done(file)
