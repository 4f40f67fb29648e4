"""JSON Schema snapshots of the event contracts.

A test compares every contract with its committed snapshot, so a contract cannot change by
accident. After a deliberate, compatible change, or when adding a new version, run
``python -m openrcm_shared.contracts.snapshot --write`` and commit the result.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from openrcm_shared.contracts import event_contracts
from openrcm_shared.contracts.envelope import EventContract, EventEnvelope

SCHEMA_DIR = Path(__file__).with_name("schemas")


def snapshot_path(name: str, version: int) -> Path:
    return SCHEMA_DIR / f"{name}.v{version}.json"


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def current_snapshots() -> dict[Path, str]:
    snapshots = {snapshot_path("EventEnvelope", 1): render(EventEnvelope.model_json_schema())}
    for contract in event_contracts():
        snapshots[snapshot_path(contract.event_type, contract.event_version)] = render(_schema(contract))
    return snapshots


def _schema(contract: type[EventContract]) -> dict:
    schema = contract.model_json_schema(mode="serialization")
    schema["x-topic"] = contract.topic()
    return schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="write the snapshots instead of checking them")
    args = parser.parse_args()
    stale = []
    for path, text in current_snapshots().items():
        if args.write:
            path.write_text(text)
            print(f"wrote {path.name}")
        elif not path.exists() or path.read_text() != text:
            stale.append(path.name)
    if stale:
        raise SystemExit(f"contract snapshots out of date: {', '.join(stale)}")


if __name__ == "__main__":
    main()
