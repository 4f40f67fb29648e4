"""The file-drop way in: poll ``<drop>/outbound/<tenant>/`` and hand each new file to the sandbox.

A file is read, moved to ``<drop>/taken/<tenant>/`` (so it is never taken twice) and received; the
999 and 277CA go to ``<drop>/inbound/<tenant>/`` (the sandbox answers the way the file came). A
file that is not X12 stays in ``taken/`` and is logged (no content in the log).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from openrcm_sandbox.application.clearinghouse import Sandbox, SandboxError

log = logging.getLogger(__name__)


class FileDropPoller:
    def __init__(self, sandbox: Sandbox) -> None:
        if sandbox.drop is None:
            raise ValueError("the sandbox has no drop directory")
        self.sandbox = sandbox
        self.drop = sandbox.drop

    async def poll_once(self) -> int:
        """Take every waiting file; how many were taken."""
        taken = 0
        for dropped in await asyncio.to_thread(self.drop.waiting):
            try:
                content = await asyncio.to_thread(dropped.path.read_bytes)
                await asyncio.to_thread(self.drop.take, dropped)
            except FileNotFoundError:
                continue  # gone between the listing and the read
            taken += 1
            try:
                await self.sandbox.receive(dropped.tenant_id, content.decode("utf-8", errors="replace"),
                                           file_name=dropped.name, channel="file_drop")
            except SandboxError as exc:
                log.warning("dropped file refused", extra={"tenant_id": dropped.tenant_id, "reason": exc.detail,
                                                            "problems": exc.errors})
        return taken

    async def run(self, stop: asyncio.Event, interval_seconds: float) -> None:
        while not stop.is_set():
            try:
                await self.poll_once()
            except Exception:  # a bad poll must not end the poller; the next one retries
                log.exception("file drop poll failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval_seconds)
