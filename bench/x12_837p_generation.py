"""837P generation benchmark: claims-svc's writer turning batches of claims into one interchange each.

    .venv/bin/python bench/x12_837p_generation.py [--claims 10000] [--lines 3] [--repeat 5] [--validate 200]

Input models are built first (outside the timing): each claim has its own subscriber, a patient
loop on every third claim, a rendering provider, 3 diagnoses, ``--lines`` lines with modifiers and
pointers, and every tenth claim is secondary with 2320/2330 and line adjudication. The timed part
is ``build_837p`` alone: grouping, the TR3 checks, formatting, separator checks, envelopes and the
join into one string. The best and median of ``--repeat`` runs are reported, then how fast the shared
reader reads the file back. ``--validate N`` checks a batch of the first N claims with pyx12 first.
Budget (DESIGN.md): >= 10,000 claims/s.
"""

from __future__ import annotations

import argparse
import gc
import io
import logging
import os
import platform
import statistics
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from claims_svc.domain.x12 import build_837p, transaction_sets_needed
from claims_svc.domain.x12.model_837p import (
    Address, Adjustment, Batch, BillingProvider, Claim, LineAdjudication, OtherPayer, Patient, Payer, PersonName,
    Provider, Receiver, ServiceLine, Submitter, Subscriber,
)
from openrcm_shared.x12 import EnvelopeNumbers, InterchangeHeader, SegmentReader

CREATED_AT = datetime(2026, 11, 23, 9, 30)
PROCEDURES = [("99213", ()), ("99214", ("25",)), ("83036", ()), ("93000", ()), ("J1100", ("JZ",)), ("36415", ())]
DIAGNOSES = ["E119", "I10", "E785", "Z794", "R5383", "J069", "M545", "K219"]
BILLING = BillingProvider(npi="1234567893", tax_id="371234567", taxonomy="207Q00000X",
                          address=Address("123 MAIN ST", "SPRINGFIELD", "IL", "627011234"),
                          organization_name="Prairie Family Medicine")
RENDERING = Provider("1245319599", PersonName("Welby", "Marcus"), "207Q00000X")
PAYER = Payer("Acme Health Plan", "ACME01")
PRIMARY = Payer("Commerce Insurance", "COMM01")


def make_claim(n: int, line_count: int) -> Claim:
    home = Address(f"{n % 9999 + 1} ELM AVE", "SPRINGFIELD", "IL", "62704")
    service_date = date(2026, 1, 1) + timedelta(days=n % 300)
    subscriber = Subscriber(member_id=f"W{n:09d}", name=PersonName(f"Member{n}", "Jane"),
                            date_of_birth=date(1970, 1, 2), sex="F", address=home, group_number="GRP-1")
    patient = Patient("19", PersonName(f"Member{n}", "Tim"), date(2012, 5, 6), "M", home) if n % 3 == 0 else None
    secondary = n % 10 == 0
    lines = []
    for i in range(line_count):
        code, modifiers = PROCEDURES[(n + i) % len(PROCEDURES)]
        charge = Decimal(40 + (n * 7 + i * 13) % 200) + Decimal("0.50") * (i % 2)
        adjudications = ()
        if secondary:
            paid = (charge * Decimal("0.6")).quantize(Decimal("0.01"))
            adjudications = (LineAdjudication("COMM01", paid, code, service_date + timedelta(days=14), modifiers,
                                              adjustments=(Adjustment("CO", "45", charge - paid),)),)
        lines.append(ServiceLine(code, charge, Decimal(1), service_date, (1, 2, 3)[: 1 + i % 3], modifiers,
                                 line_control_number=f"PCN{n:010d}-1-{i + 1}", adjudications=adjudications))
    total = sum((line.charge for line in lines), Decimal(0))
    other_payers = ()
    if secondary:
        paid = sum((line.adjudications[0].paid_amount for line in lines), Decimal(0))
        other_payers = (OtherPayer(PRIMARY, subscriber.name, f"C{n:09d}", "P", "18", "CI", paid_amount=paid,
                                   payer_claim_control_number=f"COMM{n}"),)
        subscriber = Subscriber(subscriber.member_id, subscriber.name, subscriber.date_of_birth, subscriber.sex,
                                home, payer_responsibility="S", claim_filing_indicator="MB", insurance_type_code="12")
    return Claim(
        patient_control_number=f"PCN{n:010d}", total_charge=total, place_of_service="11",
        diagnoses=tuple(DIAGNOSES[(n + k) % len(DIAGNOSES)] for k in range(3)), lines=tuple(lines),
        billing_provider=BILLING, subscriber=subscriber, payer=PAYER, patient=patient, rendering_provider=RENDERING,
        other_payers=other_payers,
    )


def make_batch(claims: list[Claim]) -> Batch:
    return Batch(
        submitter=Submitter("Prairie Billing Services", "SUB123", "Pat Biller", "2175550100"),
        receiver=Receiver("Gateway Clearinghouse", "GATEWAY1"),
        interchange=InterchangeHeader(sender_id="SUB123", receiver_id="GATEWAY1"),
        application_sender_code="SUB123", application_receiver_code="GATEWAY1", reference="BENCH", claims=claims,
    )


def numbers_for(count: int) -> EnvelopeNumbers:
    return EnvelopeNumbers(1, 1, tuple(range(1, transaction_sets_needed(count) + 1)))


def validate(claims: list[Claim]) -> list[str]:
    import pyx12.params
    import pyx12.x12n_document

    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            messages.append(record.getMessage())

    logger = logging.getLogger("pyx12")
    logger.addHandler(Collect(logging.ERROR))
    logger.propagate = False
    text = build_837p(make_batch(claims), numbers_for(len(claims)), created_at=CREATED_AT)
    ok = pyx12.x12n_document.x12n_document(param=pyx12.params.params(), src_file=io.StringIO(text), fd_997=None,
                                           fd_html=None)
    return messages if messages or ok else ["pyx12 failed without a message"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=10_000, help="claims per batch")
    parser.add_argument("--lines", type=int, default=3, help="service lines per claim")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--validate", type=int, default=200, help="pyx12-check a batch of this many claims (0: skip)")
    args = parser.parse_args()

    claims = [make_claim(n, args.lines) for n in range(args.claims)]
    if args.validate:
        errors = validate(claims[: args.validate])
        print(f"pyx12 on a batch of {args.validate} claims: {'OK' if not errors else f'{len(errors)} errors'}")
        for error in errors[:20]:
            print("  ", error)
    batch, numbers = make_batch(claims), numbers_for(len(claims))
    build_837p(make_batch(claims[:100]), numbers_for(100), created_at=CREATED_AT)  # warm-up
    timings = []
    text = ""
    for _ in range(args.repeat):
        gc.collect()
        started = time.perf_counter()
        text = build_837p(batch, numbers, created_at=CREATED_AT)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    segments = sum(1 for _ in SegmentReader(text))
    read_seconds = time.perf_counter() - started

    best, median = min(timings), statistics.median(timings)
    print(f"837P generation: {args.claims} claims x {args.lines} lines per batch, {numbers.transactions[-1]} "
          f"transaction set(s), {segments} segments, {len(text) / 1e6:.1f} MB; Python {platform.python_version()}, "
          f"{os.cpu_count()} cores, one process")
    print(f"{'run':<10}{'seconds':>10}{'claims/s':>12}{'segments/s':>14}")
    print(f"{'best':<10}{best:>10.3f}{args.claims / best:>12,.0f}{segments / best:>14,.0f}")
    print(f"{'median':<10}{median:>10.3f}{args.claims / median:>12,.0f}{segments / median:>14,.0f}")
    print(f"read back with the shared SegmentReader: {read_seconds:.3f} s, {segments / read_seconds:,.0f} segments/s")
    print(f"budget >= 10,000 claims/s: {'met' if args.claims / median >= 10_000 else 'NOT met'} (median)")


if __name__ == "__main__":
    main()
