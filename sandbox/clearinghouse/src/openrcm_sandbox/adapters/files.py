"""The sandbox's directories: the file drop (837P in, 999/277CA out) and the ERA directory (835 out).

    <drop>/outbound/<tenant>/<file>     837P files the submitter drops (claims-svc's FileDropClearinghouse)
    <drop>/taken/<tenant>/<file>        where the sandbox moves a file once it has taken it
    <drop>/inbound/<tenant>/<file>      999 and 277CA answers for the submitter
    <era>/<tenant>/<file>               835 files, picked up by payments-svc (ERA_DROP_DIRECTORY)

Every file is written as a hidden part file (".<name>.part") and renamed when complete, so a
collector (claims-svc, payments-svc) never reads half a file. Names are checked: a tenant id or a
file name is one path component of letters, digits, ".", "_" and "-".
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_SKIPPED_SUFFIXES = (".part", ".tmp", ".partial")


class UnsafeName(ValueError):
    pass


def safe_name(name: str, what: str) -> str:
    if not _SAFE_NAME.match(name):
        raise UnsafeName(f"{what} cannot be used as a file name (letters, digits, '.', '_' and '-', at most 128)")
    return name


def write_atomically(directory: Path, name: str, content: str) -> Path:
    """Write ``content`` to ``directory/name`` through a hidden part file; the rename makes it appear whole."""
    safe_name(name, "the file name")
    directory.mkdir(parents=True, exist_ok=True)
    part = directory / f".{name}.part"
    target = directory / name
    with open(part, "w", encoding="utf-8", newline="") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(part, target)
    return target


@dataclass(frozen=True)
class DroppedFile:
    tenant_id: str
    path: Path

    @property
    def name(self) -> str:
        return self.path.name


class DropDirectory:
    def __init__(self, root: Path) -> None:
        self.root = root

    def waiting(self) -> list[DroppedFile]:
        """Complete files in ``outbound/<tenant>/``, tenants by name, each tenant's files oldest first."""
        outbound = self.root / "outbound"
        if not outbound.is_dir():
            return []
        found = []
        for tenant_dir in sorted(p for p in outbound.iterdir() if p.is_dir() and _SAFE_NAME.match(p.name)):
            files = [p for p in tenant_dir.iterdir() if p.is_file() and _SAFE_NAME.match(p.name)
                     and not p.name.endswith(_SKIPPED_SUFFIXES)]
            for path in sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name)):
                found.append(DroppedFile(tenant_dir.name, path))
        return found

    def take(self, dropped: DroppedFile) -> Path:
        """Move the file to ``taken/<tenant>/`` (a name taken before gets a numbered suffix) and return its new path."""
        taken = self.root / "taken" / safe_name(dropped.tenant_id, "the tenant id")
        taken.mkdir(parents=True, exist_ok=True)
        target = taken / dropped.name
        counter = 1
        while target.exists():
            target = taken / f"{dropped.name}.{counter}"
            counter += 1
        os.replace(dropped.path, target)
        return target

    def answer(self, tenant_id: str, name: str, content: str) -> Path:
        return write_atomically(self.root / "inbound" / safe_name(tenant_id, "the tenant id"), name, content)


class EraDirectory:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, tenant_id: str, name: str, content: str) -> Path:
        return write_atomically(self.root / safe_name(tenant_id, "the tenant id"), name, content)
