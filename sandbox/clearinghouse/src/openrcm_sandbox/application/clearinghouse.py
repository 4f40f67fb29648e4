"""The sandbox's use cases: receive an 837P, answer 999 and 277CA, adjudicate, run payments into 835s.

State lives in memory only (received files, claims, the payers' memory of claims and accumulators,
pending payments, unanswered responses): a restart starts from the contracts again. That is what a
test double needs; nothing here is durable.

Every state change runs under one ``asyncio.Lock``, so files are taken one at a time in arrival order
and a payment run never sees half a file. pyx12 runs in a worker thread while the lock is held.

Determinism: control numbers (ISA13/GS06) count up from a start derived from the seed, timestamps are
the business date at noon, batch and response ids count up, payer claim numbers and trace numbers
come from the domain (seeded). The same contracts, seed, business date and files in the same order
give byte-identical 999, 277CA and 835 files.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path
from typing import Literal

from openrcm_sandbox.adapters.files import DropDirectory, EraDirectory, UnsafeName, safe_name
from openrcm_sandbox.adapters.reader_837p import Read837Error, read_837p_file
from openrcm_sandbox.adapters.validation import NotX12Error, validate_837p
from openrcm_sandbox.adapters.writer_277ca import ClaimStatus, accepted, build_277ca, rejected
from openrcm_sandbox.adapters.writer_835 import build_835
from openrcm_sandbox.domain.adjudication import Accumulators, Adjudicator
from openrcm_sandbox.domain.claims import SubmittedClaim
from openrcm_sandbox.domain.contracts import SandboxConfig
from openrcm_sandbox.domain.front_end import front_end_edits
from openrcm_sandbox.domain.payment_run import AdjudicatedClaim, PaymentRun
from openrcm_sandbox.domain.remittance import ClaimPayment, Remittance

log = logging.getLogger(__name__)
Channel = Literal["http", "file_drop"]
ClaimState = Literal["received", "rejected", "adjudicated", "paid"]
CLAIM_STATES: tuple[str, ...] = ("received", "rejected", "adjudicated", "paid")
#: The sandbox's own id in the envelopes it writes (ISA06 of 999 and 277CA; NM1*AY).
SANDBOX_ID = "OPENRCMSANDBOX"
_NOON = time(12, 0)
_ZERO = Decimal("0")


class SandboxError(Exception):
    """Bad input a client can fix; ``errors`` lists each problem (no file content)."""

    def __init__(self, detail: str, errors: list[str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class BadInterchange(SandboxError):
    pass


class IdempotencyConflict(SandboxError):
    pass


class UnknownResponse(SandboxError):
    pass


class UnknownMember(SandboxError):
    pass


@dataclass
class BatchReceipt:
    id: str
    tenant_id: str
    file_name: str
    channel: Channel
    received_on: date
    acknowledgment: str  # AK901 of the (first) group: A, E, P, R
    claims: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicate: bool = False  # set on the copy handed back for a file received before

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "tenant_id": self.tenant_id, "file_name": self.file_name, "channel": self.channel,
                "received_on": self.received_on.isoformat(), "acknowledgment": self.acknowledgment,
                "claims": self.claims, "accepted": self.accepted, "rejected": self.rejected,
                "duplicate": self.duplicate}


@dataclass(frozen=True)
class Response:
    id: str
    tenant_id: str
    kind: Literal["999", "277CA"]
    file_name: str
    content: str


@dataclass
class ClaimRecord:
    """One claim as the sandbox saw it, for GET /claims."""

    tenant_id: str
    batch_id: str
    file_name: str
    claim: SubmittedClaim
    status: ClaimState = "received"
    rejections: list[dict[str, str]] = field(default_factory=list)
    payments: list[ClaimPayment] = field(default_factory=list)
    era_files: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        claim = self.claim
        own = [p for p in self.payments if p.status_code != "22"]
        last = own[-1] if own else None
        return {
            "tenant_id": self.tenant_id, "batch_id": self.batch_id, "file_name": self.file_name,
            "patient_control_number": claim.patient_control_number, "payer_id": claim.payer_id,
            "frequency_code": claim.frequency_code, "status": self.status,
            "total_charge": str(claim.total_charge), "received_on": claim.received_on.isoformat(),
            "payer_claim_number": last.payer_claim_number if last else None,
            "claim_status_code": last.status_code if last else None,
            "paid": str(last.paid) if last else None,
            "patient_responsibility": str(last.patient_responsibility) if last else None,
            "reversals": [{"payer_claim_number": p.payer_claim_number, "paid": str(p.paid)}
                          for p in self.payments if p.status_code == "22"],
            "rejections": self.rejections, "era_files": self.era_files,
        }


@dataclass(frozen=True)
class EraFile:
    tenant_id: str
    payer_id: str
    payee_npi: str
    file_name: str
    path: Path
    claims: int
    total_paid: Decimal
    trace_number: str

    def as_dict(self) -> dict[str, object]:
        return {"tenant_id": self.tenant_id, "payer_id": self.payer_id, "payee_npi": self.payee_npi,
                "file_name": self.file_name, "claims": self.claims, "total_paid": str(self.total_paid),
                "trace_number": self.trace_number}


def _digest(content: str) -> str:
    return hashlib.sha256(content.encode()).hexdigest()


def _first_control_number(seed: int) -> int:
    """Where the sandbox's interchange numbers start: from the seed, leaving room for 100 million files."""
    return 1 + int(hashlib.sha256(f"{seed}:interchange".encode()).hexdigest(), 16) % 800_000_000


class Sandbox:
    def __init__(self, config: SandboxConfig, *, era_directory: Path, drop_directory: Path | None = None,
                 seed: int | None = None, business_date: date | None = None,
                 today: Callable[[], date] = lambda: datetime.now(timezone.utc).date()) -> None:
        self.config = config
        self.seed = config.seed if seed is None else seed
        self._business_date = business_date or config.business_date
        self._today = today
        self.era = EraDirectory(era_directory)
        self.drop = DropDirectory(drop_directory) if drop_directory is not None else None
        self.adjudicator = Adjudicator(config, self.seed)
        self.payment_run = PaymentRun(config, self.seed)
        self.lock = asyncio.Lock()
        self._next_control = _first_control_number(self.seed)
        self._batches = 0
        self._response_count = 0
        self._receipts: dict[tuple[str, ...], tuple[str, BatchReceipt]] = {}  # key -> (content digest, receipt)
        self._responses: dict[str, Response] = {}  # insertion order = oldest first
        self._claims: list[ClaimRecord] = []
        self._pending: list[tuple[AdjudicatedClaim, ClaimRecord]] = []
        # built 835s whose write failed: (remittance, file name, content, its claims), oldest first
        self._unwritten: list[tuple[Remittance, str, str, list[ClaimRecord]]] = []

    # ------------------------------------------------------------ clock and numbers
    def business_date(self) -> date:
        return self._business_date or self._today()

    def _stamp(self) -> datetime:
        return datetime.combine(self.business_date(), _NOON)

    def _control_number(self) -> int:
        number = self._next_control
        self._next_control = number + 1 if number < 999_999_999 else 1
        return number

    # ------------------------------------------------------------ receiving
    async def receive(self, tenant_id: str, content: str, *, file_name: str = "", idempotency_key: str = "",
                      channel: Channel = "http") -> BatchReceipt:
        """Take one 837P file: 999, front end, 277CA, adjudication. A file received before answers its first receipt."""
        problems = []
        try:
            safe_name(tenant_id, "the tenant id")
        except UnsafeName as exc:
            problems.append(str(exc))
        if file_name:
            try:
                safe_name(file_name, "the file name")
            except UnsafeName as exc:
                problems.append(str(exc))
        if len(idempotency_key) > 200:
            problems.append("the idempotency key is longer than 200 characters")
        if problems:
            raise SandboxError("the batch cannot be received", problems)
        digest = _digest(content)
        async with self.lock:
            by_key = (tenant_id, "key", idempotency_key) if idempotency_key else None
            by_name = (tenant_id, "name", file_name or "", digest)
            if by_key is not None and by_key in self._receipts:
                seen_digest, receipt = self._receipts[by_key]
                if seen_digest != digest:
                    raise IdempotencyConflict("this idempotency key was used for a different file",
                                              ["Idempotency-Key: already used with other content"])
                return _duplicate(receipt)
            if file_name and by_name in self._receipts:
                return _duplicate(self._receipts[by_name][1])
            receipt = await self._receive(tenant_id, content, file_name, channel)
            if by_key is not None:
                self._receipts[by_key] = (digest, receipt)
            if file_name:
                self._receipts[by_name] = (digest, receipt)
            return receipt

    async def _receive(self, tenant_id: str, content: str, file_name: str, channel: Channel) -> BatchReceipt:
        received_on = self.business_date()
        control = self._next_control  # taken only if the file is an interchange at all
        try:
            validation = await asyncio.to_thread(validate_837p, content, control_number=control,
                                                 created_at=self._stamp(), sender_id=SANDBOX_ID)
            read = read_837p_file(content, tenant_id=tenant_id, file_name=file_name, received_on=received_on)
        except (NotX12Error, Read837Error) as exc:
            raise BadInterchange("the body is not an X12 interchange", [str(exc)]) from None
        self._control_number()
        self._batches += 1
        batch_id = f"batch-{self._batches:06d}"
        name = file_name or f"{batch_id}.x12"
        codes = {group.code for group in validation.groups}
        receipt = BatchReceipt(batch_id, tenant_id, name, channel, received_on,
                               next(iter(codes)) if len(codes) == 1 else "P")
        # The batch id keeps answers to two files of the same name apart (an answer is never overwritten).
        base = f"{name.rsplit('.', 1)[0][:96]}-{batch_id}"
        self._answer(tenant_id, channel, "999", f"{base}.999.x12", validation.acknowledgment)

        accepted_sets = validation.accepted_sets
        statuses: list[ClaimStatus] = []
        for transaction_set in read.transaction_sets:
            if transaction_set.control_number not in accepted_sets:
                continue  # the 999 rejected it: not read further
            if transaction_set.control_number in read.unreadable:
                log.warning("accepted transaction set could not be read", extra={
                    "tenant_id": tenant_id, "batch_id": batch_id, "problem": read.unreadable[transaction_set.control_number]})
            for claim in transaction_set.claims:
                statuses.append(self._front_end_and_adjudicate(claim, batch_id, name))
        receipt.claims = len(statuses)
        receipt.accepted = sum(1 for s in statuses if s.accepted)
        receipt.rejected = receipt.claims - receipt.accepted
        if statuses:
            control = self._control_number()
            answer = build_277ca(read.envelope, statuses, control_number=control, created_at=self._stamp(),
                                 trace_number=f"{control:09d}", received_on=received_on, sender_id=SANDBOX_ID)
            self._answer(tenant_id, channel, "277CA", f"{base}.277ca.x12", answer)
        log.info("batch received", extra={
            "tenant_id": tenant_id, "batch_id": batch_id, "channel": channel, "acknowledgment": receipt.acknowledgment,
            "claims": receipt.claims, "accepted": receipt.accepted, "rejected": receipt.rejected,
            "pyx12_findings": validation.finding_count})
        return receipt

    def _front_end_and_adjudicate(self, claim: SubmittedClaim, batch_id: str, file_name: str) -> ClaimStatus:
        record = ClaimRecord(claim.tenant_id, batch_id, file_name, claim)
        self._claims.append(record)
        rejections = front_end_edits(claim, self.config)
        if rejections:
            record.status = "rejected"
            record.rejections = [{"code": r.code, "message": r.message} for r in rejections]
            return rejected(claim, [(r.category, r.status, r.entity) for r in rejections])
        payments = self.adjudicator.adjudicate(claim)
        record.payments = list(payments)
        record.status = "adjudicated"
        for payment in payments:
            self._pending.append((AdjudicatedClaim(claim, payment), record))
        return accepted(claim, payments[-1].payer_claim_number if payments else "")

    def _answer(self, tenant_id: str, channel: Channel, kind: Literal["999", "277CA"], file_name: str,
                content: str) -> None:
        if channel == "file_drop" and self.drop is not None:
            self.drop.answer(tenant_id, file_name, content)
            return
        self._response_count += 1
        response = Response(f"r{self._response_count:06d}", tenant_id, kind, file_name, content)
        self._responses[response.id] = response

    # ------------------------------------------------------------ responses (HTTP clients)
    async def responses(self, tenant_id: str | None = None) -> list[Response]:
        async with self.lock:
            return [r for r in self._responses.values() if tenant_id is None or r.tenant_id == tenant_id]

    async def acknowledge_response(self, response_id: str) -> None:
        async with self.lock:
            if self._responses.pop(response_id, None) is None:
                raise UnknownResponse("no waiting response has this id (acknowledged already?)")

    # ------------------------------------------------------------ payments
    async def run_payments(self, payment_date: date | None = None) -> list[EraFile]:
        """One 835 per (tenant, payer, billing provider) for every claim adjudicated since the last run.

        An 835 that could not be written (disk full, permissions) is kept as built and written first
        by the next run, so no payment is lost and none is adjudicated twice.
        """
        async with self.lock:
            pending, self._pending = self._pending, []
            day = payment_date or self.business_date()
            if pending:
                for remittance in self.payment_run.run([item for item, _ in pending], day):
                    records = [record for _, record in pending
                               if (record.tenant_id, record.claim.payer_id, record.claim.billing_provider_npi)
                               == (remittance.tenant_id, remittance.payer_id, remittance.payee.npi)]
                    control = self._control_number()
                    content = build_835(remittance, control_number=control, created_at=self._stamp())
                    self._unwritten.append((remittance, f"{day:%Y%m%d}-{control:09d}.835", content, records))
            written: list[EraFile] = []
            while self._unwritten:
                remittance, name, content, records = self._unwritten[0]
                try:
                    path = await asyncio.to_thread(self.era.write, remittance.tenant_id, name, content)
                except OSError as exc:
                    log.warning("835 not written; the next payment run tries again",
                                extra={"file": name, "error": type(exc).__name__, "waiting": len(self._unwritten)})
                    break
                self._unwritten.pop(0)
                written.append(EraFile(remittance.tenant_id, remittance.payer_id, remittance.payee.npi, name, path,
                                       len(remittance.claims), remittance.total_paid, remittance.trace_number))
                for record in records:
                    record.status = "paid"
                    if name not in record.era_files:
                        record.era_files.append(name)
            if pending or written:
                log.info("payment run", extra={"files": len(written), "claims": len(pending),
                                               "payment_date": day.isoformat()})
            return written

    # ------------------------------------------------------------ inspection
    async def claims(self, tenant_id: str | None = None, status: str | None = None) -> list[ClaimRecord]:
        if status is not None and status not in CLAIM_STATES:
            raise SandboxError("unknown claim status", [f"status: one of {', '.join(CLAIM_STATES)}"])
        async with self.lock:
            return [c for c in self._claims if (tenant_id is None or c.tenant_id == tenant_id)
                    and (status is None or c.status == status)]

    async def accumulators(self, payer_id: str, member_id: str, year: int | None = None) -> Accumulators:
        async with self.lock:
            try:
                return self.adjudicator.accumulators(payer_id, member_id, year or self.business_date().year)
            except KeyError:
                raise UnknownMember("no such payer, or the member is not on the payer's file") from None


def _duplicate(receipt: BatchReceipt) -> BatchReceipt:
    copy = BatchReceipt(**{**receipt.__dict__})
    copy.duplicate = True
    return copy
