"""An 835 file as received, and the tenant's posting policy. Pure data.

A file is known by the SHA-256 of its bytes: the same bytes again are the same file, answered with
the earlier result and never posted twice. Each of its transaction sets (ST..SE) becomes one
remittance, or is reported as a duplicate of a payment already received.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

EraSource = Literal["upload", "drop"]


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass
class EraFile:
    id: uuid.UUID
    tenant_id: str
    content_sha256: str
    filename: str | None
    size: int
    source: str
    received_by: str
    received_at: datetime
    #: Per transaction set: {"index", "control_number", "remittance_id" | None, "duplicate_of" | None}.
    transactions: list[dict[str, Any]] = field(default_factory=list)
    #: Envelope problems (X12 segment + element), warnings only: a file with errors is not stored.
    problems: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def receive(cls, *, tenant_id: str, content: bytes, filename: str | None, source: str, actor: str,
                received_at: datetime) -> "EraFile":
        return cls(id=uuid.uuid4(), tenant_id=tenant_id, content_sha256=content_hash(content),
                   filename=(filename or None) and filename[-255:], size=len(content), source=source,
                   received_by=actor, received_at=received_at)

    def record_transaction(self, index: int, control_number: str, *, remittance_id: uuid.UUID | None = None,
                           duplicate_of: uuid.UUID | None = None) -> None:
        self.transactions.append({
            "index": index, "control_number": control_number,
            "remittance_id": str(remittance_id) if remittance_id else None,
            "duplicate_of": str(duplicate_of) if duplicate_of else None,
        })


@dataclass(frozen=True)
class PostingSettings:
    """Whether a tenant lets clean remittances (matched, balanced, no warnings) post without confirmation."""

    tenant_id: str
    auto_post_clean_remits: bool = False
    updated_by: str | None = None
    updated_at: datetime | None = None
