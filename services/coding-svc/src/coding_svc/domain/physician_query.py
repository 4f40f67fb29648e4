"""Physician queries: a coder asks the provider a question about the documentation.

A query is free text, or offers options the provider picks one of. While it is open the encounter
waits in ``query_pending``; the answer (or the coder withdrawing the query) sends it back to the
queue it came from, reserved for the coder who asked. Open queries age; the aging buckets are the
ones coding managers report on.

Pure domain code: no I/O.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from coding_svc.domain.encounter import EncounterStatus, WorkflowError

#: (first day, last day or None, label): the aging buckets of queries, by whole days since asked.
AGING_BUCKETS: tuple[tuple[int, int | None, str], ...] = ((0, 2, "0-2"), (3, 7, "3-7"), (8, 14, "8-14"), (15, None, "15+"))


def aging_bucket(age_days: int) -> str:
    for first, last, label in AGING_BUCKETS:
        if age_days >= first and (last is None or age_days <= last):
            return label
    return AGING_BUCKETS[0][2]  # a clock slightly behind the asking replica's: not older than 0 days


class QueryStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


class QueryNotOpen(WorkflowError):
    slug = "query-not-open"
    title = "The query is no longer open"

    def __init__(self, query: "PhysicianQuery") -> None:
        super().__init__(
            f"The query was already {query.status.value}; it cannot be answered or withdrawn again.",
            query_id=str(query.id), query_status=query.status.value,
        )


class InvalidAnswer(ValueError):
    """An answer that does not fit the question; ``pointer`` names the field of the answer body."""

    def __init__(self, pointer: str, message: str) -> None:
        super().__init__(message)
        self.pointer = pointer
        self.message = message


@dataclass
class PhysicianQuery:
    id: uuid.UUID
    tenant_id: str
    encounter_id: uuid.UUID
    provider_npi: str
    asked_by: str
    question: str
    options: tuple[str, ...] | None
    #: The queue the encounter returns to (awaiting_coding or rework).
    resume_status: EncounterStatus
    asked_at: datetime
    status: QueryStatus = QueryStatus.OPEN
    answer: str | None = None
    chosen_option: str | None = None
    answered_at: datetime | None = None
    answered_by: str | None = None
    withdrawn_at: datetime | None = None
    withdrawn_by: str | None = None

    @classmethod
    def ask(
        cls, *, tenant_id: str, encounter_id: uuid.UUID, provider_npi: str, asked_by: str, question: str,
        options: tuple[str, ...] | None, resume_status: EncounterStatus, now: datetime,
    ) -> "PhysicianQuery":
        return cls(
            id=uuid.uuid4(), tenant_id=tenant_id, encounter_id=encounter_id, provider_npi=provider_npi,
            asked_by=asked_by, question=question, options=options or None, resume_status=resume_status, asked_at=now,
        )

    def record_answer(self, *, answer: str | None, chosen_option: str | None, by: str, now: datetime) -> None:
        """With options, the provider picks one of them (a comment may come with it); without, they answer
        in free text."""
        if self.status != QueryStatus.OPEN:
            raise QueryNotOpen(self)
        if self.options is not None:
            if chosen_option is None:
                raise InvalidAnswer("/chosen_option", "is required: the query offers options; pick one of them")
            if chosen_option not in self.options:
                raise InvalidAnswer("/chosen_option", "is not one of the query's options")
        else:
            if chosen_option is not None:
                raise InvalidAnswer("/chosen_option", "the query offers no options; answer in `answer`")
            if not answer:
                raise InvalidAnswer("/answer", "is required for a free-text query")
        self.status = QueryStatus.ANSWERED
        self.answer, self.chosen_option = answer, chosen_option
        self.answered_at, self.answered_by = now, by

    def withdraw(self, *, by: str, now: datetime) -> None:
        if self.status != QueryStatus.OPEN:
            raise QueryNotOpen(self)
        self.status = QueryStatus.WITHDRAWN
        self.withdrawn_at, self.withdrawn_by = now, by

    def age_days(self, now: datetime) -> int:
        """Whole days the query waited: until now while open, until it was answered or withdrawn after."""
        until = self.answered_at or self.withdrawn_at or now
        return max((until - self.asked_at).days, 0)
