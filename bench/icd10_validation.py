"""ICD-10-CM code set benchmark: load time, memory, and the cost of validating one code.

    .venv/bin/python bench/icd10_validation.py [--codes 20000] [--repeat 5] [--service]

In-process: builds the FY2026 code set from the package's tabular XML (as coding-svc does at start-up),
reports the time and the process RSS before and after, then times ``validate`` over a fixed random
sample of real codes (billable, 7th-character, headers) and of invalid ones (unknown, bad 7th
character, missing placeholder), plus ``lookup``, an Excludes1 pair check, search, and the ``dx`` edit
family on a four-diagnosis claim. Times are the best of ``--repeat`` runs, per call.
``--service`` also starts coding-svc as a uvicorn process (PostgreSQL + the local broker) and reads its
RSS once it is live: the budget is 250 MB per service, the ICD-10-CM tables included.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import time
import timeit
from collections.abc import Callable, Sequence
from datetime import date

from coding_svc.adapters.icd10cm_loader import build_code_set, process_rss_mb, read_code_list, source_files
from coding_svc.domain.codesets.icd10cm import ICD10CMCodeSet
from coding_svc.domain.edits.diagnoses import DiagnosisEdits
from coding_svc.domain.edits.findings import CodesUnderEdit

BUDGET_US = 50.0
SERVICE_RSS_BUDGET_MB = 250.0


def samples(code_set: ICD10CMCodeSet, count: int) -> dict[str, list[str]]:
    """Codes to validate, by kind, drawn with a fixed seed from the official code list."""
    rng = random.Random(2026)
    listed = [c for c in read_code_list(source_files().code_list) if c[:1].isalpha() and "-" not in c]
    verdicts = [code_set.validate(c) for c in listed]
    seventh = [v.code for v in verdicts if v.base != v.code]  # completed by a 7th character: not rows of the tables
    billable = [v.code for v in verdicts if v.base == v.code and v.valid]
    headers = [v.code for v in verdicts if v.base == v.code and not v.valid]
    pick = lambda codes: [rng.choice(codes) for _ in range(count)]  # noqa: E731
    valid_seventh = pick(seventh)
    return {
        "billable, no 7th character": pick(billable),
        "billable, with 7th character": valid_seventh,
        "billable, dotted, lower case": [f"{c[:3]}.{c[3:]}".lower() for c in pick(billable)],
        "header (category, subcategory)": pick(headers),
        "unknown (last character mistyped)": [c[:-1] + "Q" if len(c) > 3 else c + "Q9" for c in pick(billable)],
        "invalid 7th character": [c[:6] + "Z" for c in valid_seventh],
        "7th without placeholder X": [c.replace("X", "") for c in pick([c for c in seventh if "XX" in c])],
    }


def per_call_us(function: Callable[[str], object], codes: Sequence[str], repeat: int) -> float:
    def run() -> None:
        for code in codes:
            function(code)
    return min(timeit.repeat(run, number=1, repeat=repeat)) / len(codes) * 1e6


def per_call_us_fixed(function: Callable[[], object], repeat: int, number: int) -> float:
    return min(timeit.repeat(function, number=number, repeat=repeat)) / number * 1e6


def service_rss_mb() -> float:
    """RSS of coding-svc as a uvicorn process (PostgreSQL, local broker) once live and settled."""
    from openrcm_devtools.databases import create_database, drop_database
    from openrcm_devtools.processes import LocalBroker, ServiceProcess
    from openrcm_devtools.pytest_plugin import service_env

    broker = LocalBroker().start()
    database_url = create_database("openrcm_bench")
    service = ServiceProcess("coding-svc", service_env(database_url, broker.bootstrap_servers, log_level="WARNING"))
    try:
        service.start().wait_live(120)
        time.sleep(2)  # the relay and the consumer connect
        pid = service.process.pid if service.process else os.getpid()
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))
    finally:
        service.stop()
        broker.stop()
        drop_database(database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--codes", type=int, default=20_000, help="codes per kind")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--service", action="store_true", help="also measure a running coding-svc's RSS")
    args = parser.parse_args()

    rss_before = process_rss_mb()
    started = time.perf_counter()
    code_set: ICD10CMCodeSet = build_code_set(source_files())
    load_seconds = time.perf_counter() - started
    rss_after = process_rss_mb()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"ICD-10-CM {code_set.version}: {len(code_set):,} tabular codes, {code_set.billable_count:,} billable; "
          f"Python {platform.python_version()}, {os.cpu_count()} cores")
    print(f"{'load (parse XML + build tables)':<40}{load_seconds:>10.2f} s")
    print(f"{'process RSS before load':<40}{rss_before:>10.1f} MB")
    growth = rss_after - rss_before
    print(f"{'process RSS after load':<40}{rss_after:>10.1f} MB  (+{growth:.1f} MB, peak {peak:.1f} MB)")

    print(f"\n{'validate(code), per call':<40}{'codes':>10}{'valid':>8}{'us/code':>10}  budget < {BUDGET_US:.0f} us")
    for kind, codes in samples(code_set, args.codes).items():
        valid = sum(code_set.validate(c).valid for c in codes)
        print(f"{kind:<40}{len(codes):>10,}{valid:>8,}{per_call_us(code_set.validate, codes, args.repeat):>10.2f}")

    dx = DiagnosisEdits(code_set)
    claim = CodesUnderEdit(("E11.42", "I10", "E78.5", "Z79.84"), (), date(2026, 5, 4), date(2026, 5, 4))
    print(f"\n{'other operations, per call':<40}{'us':>10}")
    others = {
        "lookup('S52.501A') (with notes)": lambda: code_set.lookup("S52.501A"),
        "excludes1_conflict('E10.9', 'E11.9')": lambda: code_set.excludes1_conflict("E10.9", "E11.9"),
        "excludes1_conflict('E11.9', 'I10')": lambda: code_set.excludes1_conflict("E11.9", "I10"),
        "dx edits, 4 diagnoses (6 pairs)": lambda: list(dx.check(claim)),
        "search('E11.6', 20)": lambda: code_set.search("E11.6", 20),
        "search('diabetes kidney', 20)": lambda: code_set.search("diabetes kidney", 20),
        "search('fracture', 20)": lambda: code_set.search("fracture", 20),
    }
    for name, function in others.items():
        print(f"{name:<40}{per_call_us_fixed(function, args.repeat, 200):>10.1f}")

    if args.service:
        rss = service_rss_mb()
        verdict = "met" if rss <= SERVICE_RSS_BUDGET_MB else "NOT met"
        print(f"\ncoding-svc (uvicorn, code set warmed up at start-up) RSS when live: {rss:.1f} MB "
              f"(budget {SERVICE_RSS_BUDGET_MB:.0f} MB: {verdict})")


if __name__ == "__main__":
    main()
