"""The patient ledger: what a guarantor owes, as an append-only list of entries.

Entries are never edited. A correction is a reversing entry that cancels exactly one earlier entry,
so the history a patient is shown always adds up. Balances, aging and which charge each payment paid
are derived from the entries (``Ledger.allocation``); what the database keeps besides them is a cache.
Pure domain code: no FastAPI, SQLAlchemy or Kafka here.
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
    #: Money from the guarantor (negative).
    PATIENT_PAYMENT = "patient_payment"
    #: A reduction the practice grants (negative): self-pay discount, courtesy, billing correction.
    ADJUSTMENT = "adjustment"
    #: A balance the practice stops collecting (negative): small balance, charity, bad debt.
    WRITE_OFF = "write_off"
    #: Money paid back to the guarantor out of a credit balance (positive).
    REFUND = "refund"


class PaymentMethod(StrEnum):
    CARD = "card"
    CASH = "cash"
    CHECK = "check"
    ONLINE = "online"


class AdjustmentReason(StrEnum):
    SELF_PAY_DISCOUNT = "self_pay_discount"
    COURTESY = "courtesy"
    BILLING_CORRECTION = "billing_correction"
    SMALL_BALANCE = "small_balance"
    CHARITY = "charity"
    BAD_DEBT = "bad_debt"

    @property
    def entry_type(self) -> EntryType:
        return EntryType.WRITE_OFF if self in _WRITE_OFF_REASONS else EntryType.ADJUSTMENT


_WRITE_OFF_REASONS = frozenset({AdjustmentReason.SMALL_BALANCE, AdjustmentReason.CHARITY, AdjustmentReason.BAD_DEBT})


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
    #: Position in the account's ledger (0, 1, ...): the order entries were posted in. Set when posted.
    seq: int = -1
    #: Payments and refunds: how the money moved, and the check number / card or transaction reference.
    method: PaymentMethod | None = None
    reference: str | None = None
    #: Adjustments and write-offs: why.
    reason: AdjustmentReason | None = None

    @property
    def is_credit(self) -> bool:
        return self.amount < ZERO


def charge_posting_key(encounter_id: uuid.UUID, revision: int) -> str:
    return f"charge:{encounter_id}:{revision}"


def patient_share_posting_key(remit_claim_id: uuid.UUID) -> str:
    return f"patient-share:{remit_claim_id}"


def reversal_posting_key(reversed_entry_id: uuid.UUID) -> str:
    return f"reversal:{reversed_entry_id}"


def self_pay_discount_posting_key(encounter_id: uuid.UUID, revision: int) -> str:
    return f"self-pay-discount:{encounter_id}:{revision}"


@dataclass(frozen=True)
class Aging:
    """Open amounts by the age of the entry that created them, in days."""

    days_0_30: Decimal = ZERO
    days_31_60: Decimal = ZERO
    days_61_90: Decimal = ZERO
    days_91_120: Decimal = ZERO
    over_120: Decimal = ZERO


class AgingBucket(StrEnum):
    DAYS_0_30 = "days_0_30"
    DAYS_31_60 = "days_31_60"
    DAYS_61_90 = "days_61_90"
    DAYS_91_120 = "days_91_120"
    OVER_120 = "over_120"

    @property
    def age_range(self) -> tuple[int, int | None]:
        """Ages in days (inclusive) the bucket holds; None: no upper limit."""
        return _AGE_RANGES[self]


_AGE_RANGES = {
    AgingBucket.DAYS_0_30: (0, 30), AgingBucket.DAYS_31_60: (31, 60), AgingBucket.DAYS_61_90: (61, 90),
    AgingBucket.DAYS_91_120: (91, 120), AgingBucket.OVER_120: (121, None),
}


def aging_bucket(age_days: int) -> AgingBucket:
    for bucket, (_, upper) in _AGE_RANGES.items():
        if upper is None or age_days <= upper:
            return bucket
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class OpenItem:
    """An amount the guarantor was charged (a positive entry) and what of it is still open."""

    entry: LedgerEntry
    open: Decimal


@dataclass(frozen=True)
class Application:
    """``amount`` of a credit (payment, adjustment, write-off) applied to a charge."""

    credit_entry_id: uuid.UUID
    charge_entry_id: uuid.UUID
    visit_id: uuid.UUID | None
    encounter_id: uuid.UUID | None
    amount: Decimal


@dataclass(frozen=True)
class Allocation:
    """Which credits paid which charges, derived from the entries alone.

    Credits are applied in posting order to the oldest open charges first (by entry date, then
    posting order); a credit that names a visit pays that visit's charges first. A credit left over
    once nothing is open waits (``unapplied_credit``) and pays the next charge posted. An entry and
    its reversal are left out together, so a reversed payment un-pays what it paid and a reversed
    charge frees the payments applied to it.
    """

    items: tuple[OpenItem, ...]
    applications: tuple[Application, ...]
    unapplied_credit: Decimal

    @property
    def open_items(self) -> tuple[OpenItem, ...]:
        return tuple(i for i in self.items if i.open > ZERO)

    @property
    def oldest_open_on(self) -> date | None:
        return min((i.entry.entry_date for i in self.open_items), default=None)

    def applied_by(self, credit_entry_id: uuid.UUID) -> list[Application]:
        return [a for a in self.applications if a.credit_entry_id == credit_entry_id]

    def open_for_visit(self, visit_id: uuid.UUID | None) -> Decimal:
        return money(sum((i.open for i in self.items if i.entry.visit_id == visit_id), ZERO))

    def aging(self, today: date) -> Aging:
        totals = {bucket: ZERO for bucket in AgingBucket}
        for item in self.open_items:
            totals[aging_bucket((today - item.entry.entry_date).days)] += item.open
        return Aging(**{bucket.value: money(amount) for bucket, amount in totals.items()})


def allocate(entries: Iterable[LedgerEntry]) -> Allocation:
    ordered = sorted(entries, key=lambda e: e.seq)
    ids = {e.id for e in ordered}
    cancelled = {e.reverses_entry_id for e in ordered if e.reverses_entry_id in ids}
    effective = [e for e in ordered if e.id not in cancelled and e.reverses_entry_id not in ids]
    opened: dict[uuid.UUID, Decimal] = {}
    charges: list[LedgerEntry] = []
    waiting: list[list] = []  # [credit entry, amount left]
    applications: list[Application] = []

    def apply(credit: LedgerEntry, amount: Decimal, targets: list[LedgerEntry]) -> Decimal:
        for charge in targets:
            if amount <= ZERO:
                break
            take = min(amount, opened[charge.id])
            if take > ZERO:
                opened[charge.id] -= take
                amount -= take
                applications.append(Application(credit.id, charge.id, charge.visit_id, charge.encounter_id, take))
        return amount

    def oldest_first(visit_id: uuid.UUID | None = None) -> list[LedgerEntry]:
        chosen = [c for c in charges if opened[c.id] > ZERO and (visit_id is None or c.visit_id == visit_id)]
        return sorted(chosen, key=lambda c: (c.entry_date, c.seq))

    for entry in effective:
        if entry.amount > ZERO:
            charges.append(entry)
            opened[entry.id] = entry.amount
            for credit in waiting:
                credit[1] = apply(credit[0], credit[1], [entry])
            waiting = [c for c in waiting if c[1] > ZERO]
        elif entry.amount < ZERO:
            left = -entry.amount
            if entry.visit_id is not None and entry.entry_type is not EntryType.REVERSAL:
                left = apply(entry, left, oldest_first(entry.visit_id))
            left = apply(entry, left, oldest_first())
            if left > ZERO:
                waiting.append([entry, left])
    return Allocation(
        items=tuple(OpenItem(c, money(opened[c.id])) for c in charges),
        applications=tuple(applications),
        unapplied_credit=money(sum((c[1] for c in waiting), ZERO)),
    )


class Ledger:
    """One guarantor account's entries. Posting methods return the new entry, or None when already posted."""

    def __init__(self, account_id: uuid.UUID, entries: Iterable[LedgerEntry] = ()) -> None:
        self.account_id = account_id
        self._entries: list[LedgerEntry] = []
        self._by_key: dict[str, LedgerEntry] = {}
        self._reversed_ids: set[uuid.UUID] = set()
        self._next_seq = 0
        #: Entries posted since the ledger was loaded, for the repository to insert.
        self.new_entries: list[LedgerEntry] = []
        for entry in sorted(entries, key=lambda e: e.seq):
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

    @property
    def credit_balance(self) -> Decimal:
        """What the practice owes the guarantor (overpayment), never negative."""
        return max(-self.balance, ZERO)

    def allocation(self) -> Allocation:
        return allocate(self._entries)

    def aging(self, today: date) -> Aging:
        """Open charges by the date they were posted; credits are applied oldest first, so they age out first.

        An entry and its reversal leave aging together, wherever each falls.
        """
        return self.allocation().aging(today)

    def payments_since(self, day: date) -> Decimal:
        """What the guarantor paid on or after ``day``, payments reversed since (bounced) left out."""
        return money(sum(
            (-e.amount for e in self._entries
             if e.entry_type is EntryType.PATIENT_PAYMENT and e.entry_date >= day and not self.is_reversed(e)),
            ZERO,
        ))

    def get(self, entry_id: uuid.UUID) -> LedgerEntry | None:
        return next((e for e in self._entries if e.id == entry_id), None)

    def find(self, posting_key: str) -> LedgerEntry | None:
        return self._by_key.get(posting_key)

    def is_reversed(self, entry: LedgerEntry) -> bool:
        return entry.id in self._reversed_ids

    def open_charges(self, visit_id: uuid.UUID) -> list[LedgerEntry]:
        """The visit's self-pay charges, and their self-pay discounts, not yet reversed."""
        return [
            e for e in self._entries
            if e.visit_id == visit_id and not self.is_reversed(e)
            and (e.entry_type is EntryType.PATIENT_CHARGE
                 or (e.entry_type is EntryType.ADJUSTMENT and e.reason is AdjustmentReason.SELF_PAY_DISCOUNT))
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

    def post_self_pay_discount(
        self, *, visit_id: uuid.UUID, encounter_id: uuid.UUID, revision: int, amount: Decimal, on: date,
        source_event_id: uuid.UUID,
    ) -> LedgerEntry | None:
        """The tenant's self-pay discount on a visit's charge: ``amount`` off (posted negative)."""
        amount = money(amount)
        key = self_pay_discount_posting_key(encounter_id, revision)
        if amount <= ZERO or self.find(key) is not None:
            return None
        return self._post(
            LedgerEntry(
                id=uuid.uuid4(), account_id=self.account_id, entry_type=EntryType.ADJUSTMENT, amount=-amount,
                entry_date=on, posting_key=key, source_event_id=source_event_id, visit_id=visit_id,
                encounter_id=encounter_id, reason=AdjustmentReason.SELF_PAY_DISCOUNT,
            )
        )

    def post_payment(
        self, *, amount: Decimal, method: PaymentMethod, on: date, reference: str | None = None,
        visit_id: uuid.UUID | None = None, payment_id: uuid.UUID | None = None,
    ) -> LedgerEntry:
        """Money from the guarantor; ``visit_id`` directs it to that visit's charges first."""
        amount = money(amount)
        if amount <= ZERO:
            raise ValueError("a payment is a positive amount")
        entry_id = payment_id or uuid.uuid4()
        return self._post(
            LedgerEntry(
                id=entry_id, account_id=self.account_id, entry_type=EntryType.PATIENT_PAYMENT, amount=-amount,
                entry_date=on, posting_key=f"payment:{entry_id}", source_event_id=entry_id, visit_id=visit_id,
                method=method, reference=reference,
            )
        )

    def post_reduction(
        self, *, amount: Decimal, reason: AdjustmentReason, on: date, visit_id: uuid.UUID | None = None,
        posting_key: str | None = None, reference: str | None = None,
    ) -> LedgerEntry | None:
        """An adjustment or write-off (by ``reason``) of ``amount`` off the balance; None if already posted."""
        amount = money(amount)
        if amount <= ZERO:
            raise ValueError("an adjustment is a positive amount off the balance")
        entry_id = uuid.uuid4()
        key = posting_key or f"{reason.entry_type.value}:{entry_id}"
        if self.find(key) is not None:
            return None
        return self._post(
            LedgerEntry(
                id=entry_id, account_id=self.account_id, entry_type=reason.entry_type, amount=-amount,
                entry_date=on, posting_key=key, source_event_id=entry_id, visit_id=visit_id, reason=reason,
                reference=reference,
            )
        )

    def post_refund(
        self, *, amount: Decimal, method: PaymentMethod, on: date, refund_id: uuid.UUID, reference: str | None = None,
    ) -> LedgerEntry:
        """Money paid back out of the credit balance; never more than the credit."""
        amount = money(amount)
        if amount <= ZERO or amount > self.credit_balance:
            raise ValueError("a refund is a positive amount no larger than the credit balance")
        entry_id = uuid.uuid4()
        return self._post(
            LedgerEntry(
                id=entry_id, account_id=self.account_id, entry_type=EntryType.REFUND, amount=amount, entry_date=on,
                posting_key=f"refund:{refund_id}", source_event_id=refund_id, method=method, reference=reference,
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
        entry = replace(entry, seq=self._next_seq)
        self._index(entry)
        self.new_entries.append(entry)
        return entry

    def _index(self, entry: LedgerEntry) -> None:
        if entry.account_id != self.account_id:
            raise ValueError("the entry belongs to another account")
        self._entries.append(entry)
        self._next_seq = max(self._next_seq, entry.seq + 1)
        self._by_key[entry.posting_key] = entry
        if entry.reverses_entry_id is not None:
            self._reversed_ids.add(entry.reverses_entry_id)
