"""The patient ledger: what a guarantor owes, as an append-only list of entries.

Entries are never edited. A correction is a reversing entry that cancels exactly one earlier entry,
so the history a patient is shown always adds up. Balances and aging are derived from the entries,
never stored. Pure domain code: no FastAPI, SQLAlchemy or Kafka here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | str) -> Decimal:
    """An amount in dollars and cents, rounded the way a statement shows it."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class EntryType(StrEnum):
    #: A self-pay visit: the patient owes the charges directly.
    PATIENT_CHARGE = "patient_charge"
    #: The patient's share of a claim, as the payer's remittance states it.
    INSURANCE_PATIENT_RESPONSIBILITY = "insurance_patient_responsibility"
    #: Cancels exactly one earlier entry.
    REVERSAL = "reversal"
    # Patient payments and adjustments (negative amounts) arrive with the patient-payments issue.


@dataclass(frozen=True)
class PatientShare:
    """The patient's share of a claim by kind (CAS group PR), kept apart because statements show it so."""

    deductible: Decimal = ZERO
    coinsurance: Decimal = ZERO
    copay: Decimal = ZERO
    other: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return money(self.deductible + self.coinsurance + self.copay + self.other)

    def negated(self) -> PatientShare:
        return PatientShare(**{f.name: -getattr(self, f.name) for f in fields(self)})


@dataclass(frozen=True)
class RemitRef:
    """Which payer's answer on which claim an entry comes from."""

    payer_id: str
    claim_id: uuid.UUID
    remit_claim_id: uuid.UUID


@dataclass(frozen=True)
class LedgerEntry:
    id: uuid.UUID
    account_id: uuid.UUID
    entry_type: EntryType
    #: Positive: the guarantor owes more. Negative: the guarantor owes less.
    amount: Decimal
    entry_date: date
    #: What the entry posts, named so that posting it twice is detectable (unique per tenant in the database).
    posting_key: str
    source_event_id: uuid.UUID
    visit_id: uuid.UUID | None = None
    encounter_id: uuid.UUID | None = None
    patient_share: PatientShare | None = None
    remit: RemitRef | None = None
    reverses_entry_id: uuid.UUID | None = None


def charge_posting_key(encounter_id: uuid.UUID, revision: int) -> str:
    return f"charge:{encounter_id}:{revision}"


def patient_share_posting_key(remit_claim_id: uuid.UUID) -> str:
    return f"patient-share:{remit_claim_id}"


def reversal_posting_key(reversed_entry_id: uuid.UUID) -> str:
    return f"reversal:{reversed_entry_id}"


@dataclass(frozen=True)
class Aging:
    """Open amounts by the age of the entry that created them, in days."""

    days_0_30: Decimal = ZERO
    days_31_60: Decimal = ZERO
    days_61_90: Decimal = ZERO
    days_91_120: Decimal = ZERO
    over_120: Decimal = ZERO


#: (oldest age in days the bucket holds, bucket); ages past the last limit fall in ``over_120``.
_AGING_LIMITS = ((30, "days_0_30"), (60, "days_31_60"), (90, "days_61_90"), (120, "days_91_120"))


def _bucket(age_days: int) -> str:
    for limit, bucket in _AGING_LIMITS:
        if age_days <= limit:
            return bucket
    return "over_120"


class Ledger:
    """One guarantor account's entries. Posting methods return the new entry, or None when already posted."""

    def __init__(self, account_id: uuid.UUID, entries: Iterable[LedgerEntry] = ()) -> None:
        self.account_id = account_id
        self._entries: list[LedgerEntry] = []
        self._by_key: dict[str, LedgerEntry] = {}
        self._reversed_ids: set[uuid.UUID] = set()
        #: Entries posted since the ledger was loaded, for the repository to insert.
        self.new_entries: list[LedgerEntry] = []
        for entry in entries:
            self._index(entry)

    @property
    def entries(self) -> tuple[LedgerEntry, ...]:
        return tuple(self._entries)

    @property
    def balance(self) -> Decimal:
        """Signed: negative when the guarantor holds a credit."""
        return money(sum((e.amount for e in self._entries), ZERO))

    @property
    def patient_due(self) -> Decimal:
        """What the guarantor owes now; a credit balance is owed to them, so it is never negative."""
        return max(self.balance, ZERO)

    def aging(self, today: date) -> Aging:
        """Bucket amounts by the date of the entry that created them.

        A reversal ages with the entry it cancels, so the two net to zero in one bucket instead of
        showing a charge in one bucket and a credit in another. (Patient payments will be applied
        oldest-first when they arrive.)
        """
        dates = {e.id: e.entry_date for e in self._entries}
        totals = {bucket: ZERO for bucket in (f.name for f in fields(Aging))}
        for entry in self._entries:
            aged_from = dates[entry.reverses_entry_id] if entry.reverses_entry_id in dates else entry.entry_date
            totals[_bucket((today - aged_from).days)] += entry.amount
        return Aging(**{bucket: money(amount) for bucket, amount in totals.items()})

    def find(self, posting_key: str) -> LedgerEntry | None:
        return self._by_key.get(posting_key)

    def is_reversed(self, entry: LedgerEntry) -> bool:
        return entry.id in self._reversed_ids

    def open_charges(self, visit_id: uuid.UUID) -> list[LedgerEntry]:
        """The visit's self-pay charges not yet reversed."""
        return [
            e for e in self._entries
            if e.visit_id == visit_id and e.entry_type is EntryType.PATIENT_CHARGE and not self.is_reversed(e)
        ]

    def post_patient_charge(
        self, *, visit_id: uuid.UUID, encounter_id: uuid.UUID, revision: int, amount: Decimal, on: date,
        source_event_id: uuid.UUID,
    ) -> LedgerEntry | None:
        amount = money(amount)
        key = charge_posting_key(encounter_id, revision)
        if amount <= ZERO or self.find(key) is not None:
            return None
        return self._post(
            LedgerEntry(
                id=uuid.uuid4(), account_id=self.account_id, entry_type=EntryType.PATIENT_CHARGE, amount=amount,
                entry_date=on, posting_key=key, source_event_id=source_event_id, visit_id=visit_id,
                encounter_id=encounter_id,
            )
        )

    def post_patient_share(
        self, *, visit_id: uuid.UUID | None, encounter_id: uuid.UUID, share: PatientShare, remit: RemitRef, on: date,
        source_event_id: uuid.UUID,
    ) -> LedgerEntry | None:
        key = patient_share_posting_key(remit.remit_claim_id)
        if share.total <= ZERO or self.find(key) is not None:
            return None
        return self._post(
            LedgerEntry(
                id=uuid.uuid4(), account_id=self.account_id, entry_type=EntryType.INSURANCE_PATIENT_RESPONSIBILITY,
                amount=share.total, entry_date=on, posting_key=key, source_event_id=source_event_id,
                visit_id=visit_id, encounter_id=encounter_id, patient_share=share, remit=remit,
            )
        )

    def reverse(
        self, entry: LedgerEntry, *, on: date, source_event_id: uuid.UUID, remit: RemitRef | None = None
    ) -> LedgerEntry | None:
        """Post the entry that cancels ``entry`` exactly (its amount and share negated)."""
        if entry.entry_type is EntryType.REVERSAL:
            raise ValueError("a reversal cannot itself be reversed; post a new entry instead")
        if self.find(entry.posting_key) is not entry:
            raise ValueError("the entry is not on this ledger")
        if self.is_reversed(entry):
            return None
        return self._post(
            replace(
                entry,
                id=uuid.uuid4(),
                entry_type=EntryType.REVERSAL,
                amount=-entry.amount,
                entry_date=on,
                posting_key=reversal_posting_key(entry.id),
                source_event_id=source_event_id,
                patient_share=entry.patient_share.negated() if entry.patient_share else None,
                remit=remit or entry.remit,
                reverses_entry_id=entry.id,
            )
        )

    def _post(self, entry: LedgerEntry) -> LedgerEntry:
        self._index(entry)
        self.new_entries.append(entry)
        return entry

    def _index(self, entry: LedgerEntry) -> None:
        if entry.account_id != self.account_id:
            raise ValueError("the entry belongs to another account")
        self._entries.append(entry)
        self._by_key[entry.posting_key] = entry
        if entry.reverses_entry_id is not None:
            self._reversed_ids.add(entry.reverses_entry_id)
