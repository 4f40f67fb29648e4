"""CPU time of local process trees, read from Linux /proc: where a bench's CPU went, process by process.

A tree's time is user + system of every live process in it plus the time of children it already
reaped (cutime + cstime), so PostgreSQL backends that exited still count for the postmaster.
On a system without /proc every reading is None.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")


@dataclass(frozen=True)
class _Stat:
    command: str
    ppid: int
    ticks: int  # utime + stime + cutime + cstime


def _snapshot() -> dict[int, _Stat]:
    stats: dict[int, _Stat] = {}
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:  # gone since the listing, or not ours to read
            continue
        command = text[text.index("(") + 1:text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()
        # fields[0] is the state (stat field 3): utime..cstime are stat fields 14-17
        stats[int(entry.name)] = _Stat(command, int(fields[1]), sum(int(f) for f in fields[11:15]))
    return stats


def _tree_ticks(root: int, stats: dict[int, _Stat]) -> int:
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, stat in stats.items():
            if stat.ppid in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(stats[pid].ticks for pid in tree if pid in stats)


def cpu_seconds(roots: dict[str, int | None], *, postgres: bool = False) -> dict[str, float] | None:
    """CPU seconds used so far by each named process tree (None roots are left out); with ``postgres``, also the
    local PostgreSQL server's whole tree under the name "postgresql" (found as the "postgres" process whose parent
    is not one). None where /proc is not available."""
    if not (_PROC / "self" / "stat").exists():
        return None
    stats = _snapshot()
    tick = os.sysconf("SC_CLK_TCK")
    out = {name: _tree_ticks(pid, stats) / tick for name, pid in roots.items() if pid is not None}
    if postgres:
        masters = [pid for pid, s in stats.items()
                   if s.command == "postgres" and stats.get(s.ppid, _Stat("", 0, 0)).command != "postgres"]
        out["postgresql"] = sum(_tree_ticks(pid, stats) for pid in masters) / tick
    return out


def used_between(before: dict[str, float] | None, after: dict[str, float] | None) -> dict[str, float] | None:
    """CPU seconds each tree used between two readings (trees in both)."""
    if before is None or after is None:
        return None
    return {name: after[name] - before[name] for name in after if name in before}
