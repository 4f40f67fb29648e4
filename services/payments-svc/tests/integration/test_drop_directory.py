"""835 files picked up from the clearinghouse drop directory by the running service."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

from openrcm_devtools.pytest_plugin import running_app
from payments_svc.adapters.orm import era_files, remittances
from payments_svc.main import create_app


async def wait_for(path: Path, pattern: str, timeout: float = 15.0) -> list[Path]:
    for _ in range(int(timeout / 0.1)):
        found = sorted(path.glob(pattern))
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"nothing matched {pattern} under {path}")


async def test_files_in_a_tenant_folder_are_received_and_bad_ones_set_aside_with_a_report(
    settings, tmp_path, claims, x12, tenant
):
    envelope = claims.submitted()
    inbox = tmp_path / tenant
    inbox.mkdir()
    content = x12.one([x12.paid(envelope)], trace=f"EFT{uuid.uuid4().hex[:8]}")
    (inbox / "acme-1.835").write_bytes(content)
    (inbox / "acme-1-copy.835").write_bytes(content)  # the same bytes again: a no-op
    (inbox / "broken.835").write_bytes(content.replace(b"BPR*", b"XXX*"))
    (inbox / ".writing.835").write_bytes(content)  # still being written: left alone
    app = create_app(settings.model_copy(update={"era_drop_directory": str(tmp_path),
                                                 "era_drop_poll_seconds": 0.2}))
    async with running_app(app):
        processed = await wait_for(inbox / "processed", "*.835")
        failed = await wait_for(inbox / "failed", "*.problems.json")
        await wait_for(inbox / "processed", "*copy.835")
        async with app.state.runtime.session_factory() as session:
            from sqlalchemy import func, select
            files = await session.scalar(select(func.count()).select_from(era_files)
                                         .where(era_files.c.tenant_id == tenant, era_files.c.source == "drop"))
            payments = await session.scalar(select(func.count()).select_from(remittances)
                                            .where(remittances.c.tenant_id == tenant))
    assert (files, payments) == (1, 1)
    assert len(processed) >= 1 and (inbox / ".writing.835").exists()
    report = json.loads(failed[0].read_text())
    assert report["errors"] and all(e["location"] == "x12" for e in report["errors"])
    assert not list((inbox / ".processing").iterdir())
