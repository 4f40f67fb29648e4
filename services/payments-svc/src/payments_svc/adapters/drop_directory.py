"""The clearinghouse drop directory: where 835 files land, one folder per tenant.

    <root>/<tenant_id>/<file>                 waiting
    <root>/<tenant_id>/.processing/<file>     taken by one replica (an atomic rename: replicas never share a file)
    <root>/<tenant_id>/processed/<stamp>-<file>
    <root>/<tenant_id>/failed/<stamp>-<file>  and <stamp>-<file>.problems.json (segment, element, message)

A file still being written must not be taken: clearinghouses write under a temporary name starting
with "." or ending in ".tmp"/".part" and rename when done, and such names are skipped. Files older
than nothing else: a taken file whose replica died is put back by ``recover`` at start-up.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

PROCESSING, PROCESSED, FAILED = ".processing", "processed", "failed"
_SKIPPED_SUFFIXES = (".tmp", ".part", ".partial", ".problems.json")


@dataclass(frozen=True)
class DroppedFile:
    tenant_id: str
    path: Path  # under .processing once taken

    @property
    def name(self) -> str:
        return self.path.name


class DropDirectory:
    def __init__(self, root: Path) -> None:
        self.root = root

    def waiting(self) -> Iterator[tuple[str, Path]]:
        """(tenant id, path) of files ready to be taken, oldest first per tenant."""
        if not self.root.is_dir():
            return
        for tenant_dir in sorted(p for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")):
            files = [p for p in tenant_dir.iterdir()
                     if p.is_file() and not p.name.startswith(".") and not p.name.endswith(_SKIPPED_SUFFIXES)]
            for path in sorted(files, key=lambda p: (p.stat().st_mtime, p.name)):
                yield tenant_dir.name, path

    def take(self, tenant_id: str, path: Path) -> DroppedFile | None:
        """Move the file under .processing; None if another replica took it first."""
        target = path.parent / PROCESSING / path.name
        target.parent.mkdir(exist_ok=True)
        try:
            os.rename(path, target)
        except FileNotFoundError:
            return None
        return DroppedFile(tenant_id, target)

    def done(self, dropped: DroppedFile) -> Path:
        return self._move(dropped, PROCESSED)

    def failed(self, dropped: DroppedFile, problems: list[dict[str, Any]], detail: str) -> Path:
        target = self._move(dropped, FAILED)
        report = target.with_name(target.name + ".problems.json")
        report.write_text(json.dumps({"detail": detail, "errors": problems}, indent=2, default=str))
        return target

    def put_back(self, dropped: DroppedFile) -> None:
        """A failure that is not the file's (database down): let the next scan try again."""
        os.rename(dropped.path, dropped.path.parent.parent / dropped.name)

    def recover(self) -> int:
        """Put back files left under .processing by a replica that died mid-way (the content hash makes a
        file that was in fact received a no-op)."""
        count = 0
        if not self.root.is_dir():
            return 0
        for processing in self.root.glob(f"*/{PROCESSING}"):
            for path in processing.iterdir():
                os.rename(path, processing.parent / path.name)
                count += 1
        return count

    def _move(self, dropped: DroppedFile, folder: str) -> Path:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        target = dropped.path.parent.parent / folder / f"{stamp}-{dropped.name}"
        target.parent.mkdir(exist_ok=True)
        os.rename(dropped.path, target)
        return target
