"""835 parsing and posting benchmark: payments-svc's streaming 835 reader against pyx12, and the peak memory
of receiving (parse + stage + post) one 835 of 50,000 claims into PostgreSQL.

    .venv/bin/python bench/edi_835_parse.py [--claims 50000] [--repeat 3] [--skip-pyx12] [--skip-post]

1. Builds one 835 (one payment, one transaction set) of ``--claims`` claims: each has a patient NM1,
   statement dates, a coverage amount and two service lines (one with a modifier) with dates, CO-45 and
   PR-1/PR-2 adjustments, REF*6R line control numbers, AMT*B6 and a remark code; every 10th claim is
   denied (CO-50 or CO-16), every 50th has a MOA; a PLB takeback closes the payment.
2. Times our reader (``read_835``: every claim turned into the domain model, best of ``--repeat``) and
   pyx12 reading the same file with its 835 map (``X12ContextReader.iter_segments``, as the tests compare
   them); also pyx12's bare tokenizer (``X12Reader``) for reference. Budget: our reader >= 20x pyx12.
3. In a fresh child process (so the parent's file and pyx12 objects do not count): receives the file as
   the API does (``receive_era_file``: store the raw file, parse, match 50,000 expected claims, stage,
   auto-post, 50,000 RemitReceived + denials into the outbox, one transaction) against a scratch
   PostgreSQL database, and reports the peak RSS (``ru_maxrss``) and its growth over the child's RSS
   after imports. Budget: <= 300 MB peak.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

TENANT = "bench-tenant"
DOS = date(2026, 11, 2)
CODES = [("99213", "125.00", "100.00"), ("99214", "180.00", "140.00"), ("83036", "40.00", "32.00"),
         ("93000", "60.00", "45.00"), ("36415", "15.00", "10.00")]


def claim_lines(n: int) -> list[tuple[str, str, Decimal, Decimal]]:
    """(code, modifier, charge, allowed) of claim n's two lines."""
    first, second = CODES[n % len(CODES)], CODES[(n + 2) % len(CODES)]
    return [(first[0], "25" if n % 3 == 0 else "", Decimal(first[1]), Decimal(first[2])),
            (second[0], "", Decimal(second[1]), Decimal(second[2]))]


def pcn(n: int) -> str:
    return f"PCN{n:010d}"


def build_835(claims: int) -> bytes:
    segments = ["ISA*00*          *00*          *ZZ*ACME01         *ZZ*PRACTICE       *261123*0930*^*00501*000000001*0*P*:",
                "GS*HP*ACME01*PRACTICE*20261123*0930*1*X*005010X221A1", "ST*835*0001", "BPR", "TRN*1*EFT-BENCH-1*1512345678",
                "DTM*405*20261120", "N1*PR*ACME HEALTH PLAN", "N3*1 MAIN ST", "N4*SPRINGFIELD*IL*62701", "REF*2U*ACME01",
                "PER*BL*EDI DESK*TE*8005551212", "N1*PE*PRAIRIE FAMILY MEDICINE*XX*1234567893", "REF*TJ*371234567", "LX*1"]
    total = Decimal("0.00")
    for n in range(claims):
        lines = claim_lines(n)
        charge = sum((c for _, _, c, _ in lines), Decimal("0.00"))
        denied = n % 10 == 0
        body, paid_total, patient = [], Decimal("0.00"), Decimal("0.00")
        for i, (code, modifier, line_charge, allowed) in enumerate(lines, start=1):
            svc = f"HC:{code}" + (f":{modifier}" if modifier else "")
            if denied:
                reason = "50" if n % 20 == 0 else "16"
                body += [f"SVC*{svc}*{line_charge}*0**1", f"DTM*472*{DOS:%Y%m%d}", f"CAS*CO*{reason}*{line_charge}",
                         f"REF*6R*{pcn(n)}-{i}", "LQ*HE*N115" if reason == "50" else "LQ*HE*MA130"]
                continue
            share = Decimal("20.00") if i == 1 else (allowed * Decimal("0.2")).quantize(Decimal("0.01"))
            paid = allowed - share
            paid_total += paid
            patient += share
            body += [f"SVC*{svc}*{line_charge}*{paid}**1", f"DTM*472*{DOS:%Y%m%d}",
                     f"CAS*CO*45*{line_charge - allowed}", f"CAS*PR*{1 if i == 1 else 2}*{share}",
                     f"REF*6R*{pcn(n)}-{i}", f"AMT*B6*{allowed}"]
            if i == 2 and n % 7 == 0:
                body.append("LQ*HE*N130")
        status = "4" if denied else "1"
        segments += [f"CLP*{pcn(n)}*{status}*{charge}*{paid_total}*{patient if patient else ''}*12*ICN{n:012d}*11*1",
                     f"NM1*QC*1*MEMBER{n}*JANE*Q***MI*W{n:09d}", f"DTM*232*{DOS:%Y%m%d}", f"DTM*233*{DOS:%Y%m%d}"]
        if n % 50 == 0:
            segments.append("MOA***MA01")
        if not denied:
            segments.append(f"AMT*AU*{paid_total + patient}")
        segments += body
        total += paid_total
    segments.append("PLB*1234567893*20261231*WO:ICN000000000077*25.00")
    total -= Decimal("25.00")
    segments[3] = (f"BPR*I*{total}*C*ACH*CCP*01*999999992*DA*123456*1512345678**01*999988880*DA*98765*20261123")
    segments += [f"SE*{len(segments) - 1}*0001", "GE*1*1", "IEA*1*000000001"]
    return ("~\n".join(segments) + "~\n").encode()


def time_ours(content: bytes) -> tuple[float, int]:
    from payments_svc.adapters.x12_835 import read_835

    gc.collect()
    started, count = time.perf_counter(), 0
    reader = read_835(content)
    for transaction in reader.transactions():
        for parsed in transaction.claims():
            assert parsed.claim is not None, parsed.problems
            count += 1
    return time.perf_counter() - started, count


def time_pyx12(path: Path) -> tuple[float, int, float, int]:
    import pyx12.error_handler
    import pyx12.params
    import pyx12.x12context
    import pyx12.x12file

    gc.collect()
    started, claims = time.perf_counter(), 0
    with path.open() as handle:
        reader = pyx12.x12context.X12ContextReader(pyx12.params.params(), pyx12.error_handler.errh_null(), handle)
        for node in reader.iter_segments():
            if node.id == "CLP":
                claims += 1
    mapped = time.perf_counter() - started
    gc.collect()
    started, segments = time.perf_counter(), 0
    with path.open() as handle:
        for _ in pyx12.x12file.X12Reader(handle):
            segments += 1
    return mapped, claims, time.perf_counter() - started, segments


# ---------------------------------------------------------------- memory of parse + post (child process)
async def seed_expected_claims(database_url: str, claims: int) -> None:
    from sqlalchemy import insert

    from openrcm_shared.contracts import PartyName, Patient, PayerRef, SubmittedServiceLine
    from openrcm_shared.db import create_engine
    from payments_svc.adapters.orm import expected_claims, posting_settings
    from payments_svc.adapters.repository import _expected_claim_row
    from payments_svc.domain.expected_claim import ExpectedClaim

    engine = create_engine(database_url)
    now = datetime.now(timezone.utc)
    async with engine.begin() as connection:
        for start in range(0, claims, 2000):
            rows = []
            for n in range(start, min(start + 2000, claims)):
                lines = tuple(
                    SubmittedServiceLine(line_number=i, line_control_number=f"{pcn(n)}-{i}", procedure_code=code,
                                         modifiers=[modifier] if modifier else [], units=Decimal(1), charge=charge,
                                         service_date=DOS)
                    for i, (code, modifier, charge, _) in enumerate(claim_lines(n), start=1)
                )
                claim = ExpectedClaim(
                    id=uuid.uuid4(), tenant_id=TENANT, claim_id=uuid.uuid4(), encounter_id=uuid.uuid4(),
                    encounter_revision=1, patient_control_number=pcn(n), frequency_code="1",
                    payer=PayerRef(payer_id="ACME01", name="Acme Health Plan"), coverage_sequence="primary",
                    patient=Patient(patient_id=f"MRN{n}", name=PartyName(last=f"Member{n}", first="Jane"),
                                    date_of_birth=date(1970, 1, 2), sex="F"),
                    lines=lines, total_charge=sum((line.charge for line in lines), Decimal("0.00")),
                    service_date_from=DOS, service_date_to=DOS, submitted_at=now - timedelta(days=20),
                )
                rows.append({**_expected_claim_row(claim), "created_at": now, "updated_at": now})
            await connection.execute(insert(expected_claims), rows)
        await connection.execute(insert(posting_settings).values(tenant_id=TENANT, auto_post_clean_remits=True,
                                                                 updated_by="bench", updated_at=now))
    await engine.dispose()


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def child_post(database_url: str, path: str) -> dict:
    from sqlalchemy import func, select
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from openrcm_shared.db import UnitOfWorkFactory, create_engine, outbox_events
    from payments_svc.application.era_files import ReceiveEraFile, receive_era_file

    engine = create_engine(database_url)
    factory = UnitOfWorkFactory(async_sessionmaker(engine, expire_on_commit=False))
    gc.collect()
    baseline = rss_mb()
    started = time.perf_counter()
    content = Path(path).read_bytes()
    async with factory() as uow:
        result = await receive_era_file(uow, ReceiveEraFile(tenant_id=TENANT, actor="bench", content=content,
                                                            filename="bench.835"))
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    [summary] = result.remittances.values()
    async with factory.session_factory() as session:
        events = await session.scalar(select(func.count()).select_from(outbox_events))
    await engine.dispose()
    return {"seconds": elapsed, "baseline_rss_mb": baseline, "peak_rss_mb": peak, "status": summary.status.value,
            "posted": summary.posted_count, "denials": summary.denial_count, "outbox_events": events,
            "balanced": summary.balance_problem is None}


def measure_post(path: Path, claims: int) -> dict:
    from openrcm_devtools.databases import create_database, drop_database
    from openrcm_shared.migrations import upgrade_to_head
    from payments_svc.main import MIGRATIONS_DIR

    url = create_database()
    try:
        upgrade_to_head(MIGRATIONS_DIR, url)
        asyncio.run(seed_expected_claims(url, claims))
        output = subprocess.run([sys.executable, __file__, "--child-post", url, str(path)], capture_output=True,
                                text=True, check=True, env={**os.environ, "LOG_LEVEL": "WARNING"})
        return json.loads(output.stdout.strip().splitlines()[-1])
    finally:
        drop_database(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-pyx12", action="store_true")
    parser.add_argument("--skip-post", action="store_true")
    parser.add_argument("--child-post", nargs=2, metavar=("DATABASE_URL", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_post:
        print(json.dumps(asyncio.run(child_post(*args.child_post))))
        return

    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}")
    content = build_835(args.claims)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "bench.835"
        path.write_bytes(content)
        segments = content.count(b"~")
        print(f"835: {args.claims:,} claims, {segments:,} segments, {len(content) / 2**20:.1f} MB")
        runs = [time_ours(content) for _ in range(args.repeat)]
        best = min(seconds for seconds, _ in runs)
        assert all(count == args.claims for _, count in runs)
        print(f"ours:  best {best:.2f} s of {args.repeat} ({args.claims / best:,.0f} claims/s, "
              f"{segments / best:,.0f} segments/s); all: {', '.join(f'{s:.2f}' for s, _ in runs)}")
        if not args.skip_pyx12:
            mapped, claims, tokens, token_segments = time_pyx12(path)
            assert claims == args.claims
            print(f"pyx12: X12ContextReader with the 835 map {mapped:.1f} s ({args.claims / mapped:,.0f} claims/s); "
                  f"bare X12Reader {tokens:.1f} s ({token_segments:,} segments)")
            print(f"ratio: {mapped / best:.1f}x faster than pyx12 reading the 835 (budget >= 20x); "
                  f"{tokens / best:.1f}x its bare tokenizer")
        if not args.skip_post:
            post = measure_post(path, args.claims)
            print(f"receive (store + parse + match + stage + auto-post, one transaction, PostgreSQL): "
                  f"{post['seconds']:.1f} s; {post['posted']:,} claims posted, {post['denials']:,} denials, "
                  f"{post['outbox_events']:,} outbox events, status {post['status']}, balanced {post['balanced']}")
            print(f"memory: peak RSS {post['peak_rss_mb']:.0f} MB (budget <= 300 MB); the process had "
                  f"{post['baseline_rss_mb']:.0f} MB after imports, so +{post['peak_rss_mb'] - post['baseline_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
