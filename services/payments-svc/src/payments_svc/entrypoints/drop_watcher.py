"""Entrypoint: picks up 835 files from the clearinghouse drop directory and receives each one like an upload
(``receive_era_file``, actor ``clearinghouse-drop``). Runs in every replica; a file is taken by one."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from openrcm_shared.db import UnitOfWorkFactory
from openrcm_shared.problems import ProblemError
from payments_svc.adapters.drop_directory import DropDirectory
from payments_svc.application.era_files import ReceiveEraFile, receive_era_file

log = logging.getLogger(__name__)
ACTOR = "clearinghouse-drop"


class DropWatcher:
    def __init__(self, root: Path, uow_factory: UnitOfWorkFactory, *, poll_seconds: float) -> None:
        self.directory = DropDirectory(root)
        self._uow_factory = uow_factory
        self._poll_seconds = poll_seconds

    async def run(self) -> None:
        recovered = await asyncio.to_thread(self.directory.recover)
        if recovered:
            log.info("drop directory: files put back after an interrupted run", extra={"count": recovered})
        while True:
            try:
                await self.scan_once()
            except Exception:  # keep watching: the next scan tries again
                log.warning("drop directory scan failed", exc_info=True)
            await asyncio.sleep(self._poll_seconds)

    async def scan_once(self) -> int:
        """Receive every waiting file; returns how many were received (new or already known)."""
        received = 0
        for tenant_id, path in await asyncio.to_thread(lambda: list(self.directory.waiting())):
            dropped = await asyncio.to_thread(self.directory.take, tenant_id, path)
            if dropped is None:
                continue  # another replica took it
            content = await asyncio.to_thread(dropped.path.read_bytes)
            try:
                async with self._uow_factory() as uow:
                    result = await receive_era_file(uow, ReceiveEraFile(
                        tenant_id=tenant_id, actor=ACTOR, content=content, filename=dropped.name, source="drop"))
            except ProblemError as exc:  # the file's own fault (422) or a conflict: set it aside with the report
                await asyncio.to_thread(self.directory.failed, dropped, exc.errors or [], exc.detail)
                log.warning("drop directory: file refused", extra={"tenant_id": tenant_id, "status": exc.status,
                                                                   "problems": len(exc.errors or [])})
                continue
            except Exception:
                await asyncio.to_thread(self.directory.put_back, dropped)
                raise
            await asyncio.to_thread(self.directory.done, dropped)
            received += 1
            log.info("drop directory: file received", extra={"tenant_id": tenant_id,
                                                            "era_file_id": str(result.era_file.id),
                                                            "replayed": result.replayed})
        return received
