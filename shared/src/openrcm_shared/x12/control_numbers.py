"""Control numbers: ISA13 (interchange), GS06 (group) and ST02 (transaction set).

Envelope builders take them as plain values. Where they come from is this protocol: a sender must
never repeat an interchange number to a receiver, so production allocates them from a database
sequence per tenant; tests use :class:`InMemoryControlNumbers`. The methods are coroutines because
an allocation is a database round trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

#: ISA13 and GS06 hold up to nine digits; ST02 from four to nine characters.
MAX_CONTROL_NUMBER = 999_999_999


class ControlNumbers(Protocol):
    """One sender's (tenant's) control numbers; each call returns a number never returned before."""

    async def next_interchange(self) -> int: ...

    async def next_group(self) -> int: ...

    async def next_transaction(self) -> int: ...


class ControlNumbersExhausted(Exception):
    pass


class InMemoryControlNumbers:
    """Counters in memory, for tests and tools: numbers repeat after a restart."""

    def __init__(self, *, interchange: int = 1, group: int = 1, transaction: int = 1) -> None:
        self._next = {"interchange": interchange, "group": group, "transaction": transaction}

    def _take(self, kind: str) -> int:
        number = self._next[kind]
        if not 1 <= number <= MAX_CONTROL_NUMBER:
            raise ControlNumbersExhausted(f"{kind} control numbers run from 1 to {MAX_CONTROL_NUMBER}")
        self._next[kind] = number + 1
        return number

    async def next_interchange(self) -> int:
        return self._take("interchange")

    async def next_group(self) -> int:
        return self._take("group")

    async def next_transaction(self) -> int:
        return self._take("transaction")


@dataclass(frozen=True, slots=True)
class EnvelopeNumbers:
    """The numbers of one interchange holding one functional group of ``len(transactions)`` sets."""

    interchange: int
    group: int
    transactions: tuple[int, ...]

    def __post_init__(self) -> None:
        for number in (self.interchange, self.group, *self.transactions):
            check_control_number(number)
        if len(set(self.transactions)) != len(self.transactions):
            raise ValueError("transaction set control numbers must differ within a group")


async def allocate_envelope_numbers(source: ControlNumbers, transaction_sets: int) -> EnvelopeNumbers:
    """Take the numbers for one interchange with one group of ``transaction_sets`` transaction sets."""
    interchange = await source.next_interchange()
    group = await source.next_group()
    transactions = tuple([await source.next_transaction() for _ in range(transaction_sets)])
    return EnvelopeNumbers(interchange=interchange, group=group, transactions=transactions)


def check_control_number(number: int) -> int:
    if not isinstance(number, int) or not 1 <= number <= MAX_CONTROL_NUMBER:
        raise ValueError(f"a control number is a whole number from 1 to {MAX_CONTROL_NUMBER}")
    return number
