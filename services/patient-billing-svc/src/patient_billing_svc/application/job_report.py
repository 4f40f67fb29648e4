"""What a scheduled job did for one tenant and day."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date


@dataclass
class JobReport:
    """Counts by outcome, and the ids of what the job issued or changed."""

    job: str
    as_of: date
    ran: bool = True
    note: str | None = None
    outcomes: dict[str, int] = field(default_factory=dict)
    ids: list[uuid.UUID] = field(default_factory=list)

    def count(self, outcome: str, touched: uuid.UUID | None = None) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        if touched is not None:
            self.ids.append(touched)
