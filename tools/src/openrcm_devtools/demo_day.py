"""The demo day: one business day of two practices, three payers and the sandbox clearinghouse.

One story, used by `make run` (openrcm_devtools.demo) and by tests/e2e/test_demo_day.py:

- the data: two tenants (Springfield Family Practice sends claims through the sandbox's HTTP API,
  Riverside Community Health through its file-drop directory), 51 encounters billed to a commercial
  PPO, Medicare Part B and Medicaid, and the payers' contracts (sandbox/.../examples/demo-day.yaml);
- the steps (:class:`DemoDay`): reference data, encounters in, claims out, 999/277CA back, a payment
  run, the denials worked (a coder corrects a coding denial: revision 2 -> replacement claim), the
  secondary claim, a second payment run, a statement run and a patient payment;
- the expected outcome (:data:`EXPECTED_CLAIMS`, :data:`EXPECTED`): worked out by hand from the YAML
  contracts, written as literal amounts, never read back from the system.

Every amount follows the contract rule: allowed = rate x units; CO-45 = charge - allowed; then the
copay, the deductible still open and the coinsurance on what remains are the patient's; the payer
pays the rest. Nothing here is random: the sandbox runs with a fixed seed and business date.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from openrcm_devtools.processes import REPO_ROOT, SandboxProcess
from openrcm_devtools.stack import LocalStack, wait_until

D = Decimal
ZERO = D("0.00")

#: The sandbox payers' "today": received dates of claims, payment dates of the 835s.
BUSINESS_DATE = date(2026, 12, 1)
SEED = 20261201
CONTRACTS = REPO_ROOT / "sandbox" / "clearinghouse" / "src" / "openrcm_sandbox" / "examples" / "demo-day.yaml"
#: claims-svc connection names (CLEARINGHOUSES): one per way of reaching the sandbox.
HTTP_CONNECTION = "sandbox-api"
DROP_CONNECTION = "sandbox-drop"

TokenFor = Callable[[str, str], str]  # (role, tenant) -> bearer token
Say = Callable[[str], None]


# ---------------------------------------------------------------------------------------------- data
@dataclass(frozen=True)
class Practice:
    tenant_id: str
    name: str
    npi: str
    tax_id: str
    submitter_id: str
    connection: str  # the claims-svc clearinghouse connection its route uses
    city: str


SPRINGFIELD = Practice("springfield-fp", "Springfield Family Practice", "1234567893", "371234567", "SFP0001",
                       HTTP_CONNECTION, "Springfield")
RIVERSIDE = Practice("riverside-ch", "Riverside Community Health", "1345678902", "372345678", "RCH0001",
                     DROP_CONNECTION, "Riverside")
PRACTICES = (SPRINGFIELD, RIVERSIDE)
RENDERING_NPI = "1245319599"


@dataclass(frozen=True)
class PayerSetup:
    payer_id: str
    name: str
    claim_filing_indicator: str
    #: What the practices' payer list (claims-svc) says. The PPO's contract says 90 days; the practices still
    #: have the old 180 on file, so claims-svc sends the late claim and the payer denies it (CO-29).
    practice_timely_filing_days: int


PPO = PayerSetup("SBXPPO", "Sandbox Commercial PPO", "CI", 180)
MEDICARE = PayerSetup("SBXMCR", "Sandbox Medicare Part B", "MB", 365)
MEDICAID = PayerSetup("SBXMCD", "Sandbox State Medicaid", "MC", 365)
PAYERS = {p.payer_id: p for p in (PPO, MEDICARE, MEDICAID)}

#: The practices' fee schedule (claims-svc prices claim lines with it; the EHR sends the same charges).
FEES = {"99213": D("125.00"), "99214": D("180.00"), "83036": D("40.00"), "36415": D("15.00"), "93000": D("60.00"),
        "93040": D("35.00"), "72148": D("900.00")}


@dataclass(frozen=True)
class Line:
    code: str
    pointers: tuple[int, ...] = (1,)


@dataclass(frozen=True)
class Visit:
    key: str  # A01..A27 Springfield, B01..B24 Riverside
    practice: Practice
    patient_id: str
    last_name: str
    first_name: str
    birth_date: date
    coverages: tuple[tuple[PayerSetup, str], ...]  # (payer, member id), primary first
    service_date: date
    diagnoses: tuple[str, ...]
    lines: tuple[Line, ...]
    story: str = "clean"

    @property
    def total_charge(self) -> Decimal:
        return sum((FEES[line.code] for line in self.lines), ZERO)

    def encounter(self) -> dict[str, Any]:
        """The EHR's POST /v1/encounters body."""
        return {
            "source_system": "demo-ehr", "external_encounter_id": f"DEMO-DAY-{self.key}",
            "patient": {"patient_id": self.patient_id, "name": {"last": self.last_name, "first": self.first_name},
                        "date_of_birth": self.birth_date.isoformat(), "sex": "F" if self.first_name in _WOMEN else "M",
                        "address": {"line1": f"{10 + int(self.key[1:])} Oak St", "city": self.practice.city,
                                    "state": "IL", "postal_code": "62704"}},
            "notes": [{"type": "progress", "author": "Dr Okafor", "text": f"Office visit ({self.story})."}],
            "coverages": [
                {"sequence": sequence, "payer_id": payer.payer_id, "payer_name": payer.name, "member_id": member_id,
                 "relationship_to_subscriber": "18"}
                for sequence, (payer, member_id) in zip(("primary", "secondary"), self.coverages)
            ],
            "billing_provider": {"npi": self.practice.npi, "organization_name": self.practice.name,
                                 "tax_id": self.practice.tax_id},
            "rendering_provider": {"npi": RENDERING_NPI, "name": {"last": "Okafor", "first": "Chidi"}},
            "place_of_service": "11",
            "service_date_from": self.service_date.isoformat(),
            "diagnoses": list(self.diagnoses),
            "service_lines": [{"procedure_code": line.code, "units": "1", "diagnosis_pointers": list(line.pointers),
                               "charge": str(FEES[line.code])} for line in self.lines],
        }


_FIRST = ("Ana", "Ben", "Carla", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonah", "Kira", "Luis", "Maya",
          "Nico", "Olga", "Pavel", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wes", "Xenia", "Yusuf", "Zoe")
_WOMEN = frozenset({"Ana", "Carla", "Elena", "Grace", "Ines", "Kira", "Maya", "Olga", "Quinn", "Rosa", "Tara", "Vera",
                    "Xenia", "Zoe"})
_LAST = ("Rivera", "Chen", "Novak", "Okoye", "Larsen", "Haddad", "Moreau", "Tanaka", "Silva", "Brennan", "Kowalski",
         "Mendez", "Patel", "Rossi", "Ivanova", "Dvorak", "Murphy", "Alvarez", "Nguyen", "Shah", "Farouk", "Lindqvist",
         "Adeyemi", "Petrov", "Yilmaz", "Fischer", "Garcia", "Kim")

# Visit kinds: (lines, diagnoses). Diagnoses support every line (no medical-necessity denial).
OFFICE_3 = ((Line("99213"),), ("I10",))
OFFICE_4 = ((Line("99214"),), ("E78.5",))
DIABETES = ((Line("99213"), Line("83036")), ("E11.9",))
HEART = ((Line("99213"), Line("93000")), ("I10",))
LIPIDS = ((Line("99213"), Line("36415")), ("E78.5",))


def _visit(key: str, kind: tuple[tuple[Line, ...], tuple[str, ...]], coverages: tuple[tuple[PayerSetup, str], ...], *,
           story: str = "clean", service_date: date | None = None, senior: bool = False) -> Visit:
    practice = SPRINGFIELD if key[0] == "A" else RIVERSIDE
    n = int(key[1:])
    index = n + (0 if key[0] == "A" else 30)
    birth_year = (1944 if senior else 1962) + index % 17
    return Visit(
        key=key, practice=practice, patient_id=f"{'SFP' if key[0] == 'A' else 'RCH'}-{n:04d}",
        last_name=_LAST[index % len(_LAST)], first_name=_FIRST[index % len(_FIRST)],
        birth_date=date(birth_year, 1 + index % 12, 1 + index % 28), coverages=coverages,
        service_date=service_date or date(2026, 11, 16) + timedelta(days=n % 10),
        diagnoses=kind[1], lines=kind[0], story=story,
    )


def _mbi(n: int) -> str:
    """A Medicare Beneficiary Identifier (11 characters in the CMS pattern) for member n."""
    return f"1EG4TE5MK{n:02d}"


def _visits() -> tuple[Visit, ...]:
    visits: list[Visit] = []
    # Springfield (HTTP): twelve PPO office visits, deductibles met.
    for n, kind in zip(range(1, 13), (OFFICE_3, OFFICE_4, DIABETES) * 4):
        visits.append(_visit(f"A{n:02d}", kind, ((PPO, f"PPO{1000 + n}"),)))
    visits += [
        _visit("A13", OFFICE_4, ((PPO, "PPO1013"),), story="50.00 of the deductible left"),
        _visit("A14", ((Line("99213"), Line("83036")), ("I10",)), ((PPO, "PPO1014"),),
               story="A1c without a supporting diagnosis: coding denial CO-50, reworked"),
        _visit("A15", ((Line("72148"),), ("M54.50",)), ((PPO, "PPO1015"),),
               story="lumbar MRI without prior authorization: billing denial CO-197"),
        _visit("A16", OFFICE_3, ((PPO, "PPO1016"),), story="coverage ended 2026-10-31: billing denial CO-27"),
        _visit("A17", OFFICE_3, ((PPO, "PPO1017"),), service_date=date(2026, 8, 3),
               story="filed 120 days after the visit: billing denial CO-29"),
    ]
    # Springfield: Medicare Part B, deductibles met.
    for n, kind in zip(range(18, 26), (OFFICE_3, OFFICE_4, HEART) * 3):
        visits.append(_visit(f"A{n:02d}", kind, ((MEDICARE, _mbi(n)),), senior=True))
    visits += [
        _visit("A26", ((Line("93000"), Line("93040")), ("R00.2",)), ((MEDICARE, _mbi(26)),), senior=True,
               story="ECG and rhythm strip the same day: coding denial CO-97"),
        _visit("A27", OFFICE_4, ((MEDICARE, _mbi(27)), (PPO, "PPO1027")), senior=True,
               story="Medicare primary, the PPO secondary"),
    ]
    # Riverside (file drop): Medicaid.
    for n, kind in zip(range(1, 11), (OFFICE_3, OFFICE_4, LIPIDS, OFFICE_3, OFFICE_4, LIPIDS, OFFICE_3, OFFICE_4,
                                      LIPIDS, OFFICE_3)):
        visits.append(_visit(f"B{n:02d}", kind, ((MEDICAID, f"MCD3{n:07d}"),)))
    # Riverside: PPO, deductibles met.
    for n, kind in zip(range(11, 21), (OFFICE_3, OFFICE_4, DIABETES, OFFICE_3, OFFICE_4, DIABETES, OFFICE_3,
                                       OFFICE_4, DIABETES, OFFICE_3)):
        visits.append(_visit(f"B{n:02d}", kind, ((PPO, f"PPO{2000 + n}"),)))
    visits += [
        _visit("B21", OFFICE_3, ((PPO, "PPO2021"),), story="20.00 of the deductible left"),
        _visit("B22", OFFICE_3, ((MEDICAID, "MCD3000022"),),
               story="member id mistyped (a digit short): rejected by the payer's front end"),
        _visit("B23", ((Line("72148"),), ("M54.50",)), ((MEDICAID, "MCD30000023"),),
               story="lumbar MRI without prior authorization: billing denial CO-197"),
        _visit("B24", ((Line("99214"), Line("83036")), ("J06.9",)), ((PPO, "PPO2024"),),
               story="A1c without a supporting diagnosis: coding denial CO-50 (left in the rework queue)"),
    ]
    return tuple(visits)


VISITS: tuple[Visit, ...] = _visits()
BY_KEY = {visit.key: visit for visit in VISITS}
#: The coding denial a coder corrects in the demo: 83036 now points to prediabetes (R73.03), which supports it.
REWORK_KEY = "A14"
REWORK_CODES = {"diagnoses": ["I10", "R73.03"],
                "service_lines": [{"procedure_code": "99213", "diagnosis_pointers": [1], "charge": "125.00"},
                                  {"procedure_code": "83036", "diagnosis_pointers": [2], "charge": "40.00"}]}
SECONDARY_KEY = "A27"
#: The patient who pays after the statement: the whole balance, by card.
PAYING_KEY = "A13"


# ------------------------------------------------------------------------------------ expected outcome
@dataclass(frozen=True)
class Outcome:
    status: str  # claims-svc status once the payer answered
    paid: Decimal
    patient: Decimal  # patient responsibility on the payer's remit


# Per payer and visit kind, from demo-day.yaml (deductible met unless said otherwise):
_KIND_OUTCOMES: dict[tuple[str, tuple[str, ...]], Outcome] = {
    # PPO 99213: allowed 92.00 (CO-45 33.00); copay 25.00; coinsurance 20% x 67.00 = 13.40; paid 67.00 - 13.40
    ("SBXPPO", ("99213",)): Outcome("paid", D("53.60"), D("38.40")),
    # PPO 99214: allowed 130.00; copay 25.00; coinsurance 20% x 105.00 = 21.00; paid 84.00
    ("SBXPPO", ("99214",)): Outcome("paid", D("84.00"), D("46.00")),
    # PPO 99213 + 83036: 53.60 + (allowed 13.00, coinsurance 2.60, paid 10.40) = 64.00; patient 38.40 + 2.60
    ("SBXPPO", ("99213", "83036")): Outcome("paid", D("64.00"), D("41.00")),
    # Medicare 99213: allowed 88.00; coinsurance 20% = 17.60; paid 70.40
    ("SBXMCR", ("99213",)): Outcome("paid", D("70.40"), D("17.60")),
    # Medicare 99214: allowed 125.00; coinsurance 25.00; paid 100.00
    ("SBXMCR", ("99214",)): Outcome("paid", D("100.00"), D("25.00")),
    # Medicare 99213 + 93000: 70.40 + (allowed 16.00, coinsurance 3.20, paid 12.80) = 83.20; patient 17.60 + 3.20
    ("SBXMCR", ("99213", "93000")): Outcome("paid", D("83.20"), D("20.80")),
    # Medicaid 99213: allowed 60.00; copay 4.00; paid 56.00
    ("SBXMCD", ("99213",)): Outcome("paid", D("56.00"), D("4.00")),
    # Medicaid 99214: allowed 85.00; copay 4.00; paid 81.00
    ("SBXMCD", ("99214",)): Outcome("paid", D("81.00"), D("4.00")),
    # Medicaid 99213 + 36415: 56.00 + 3.00 = 59.00; patient the 4.00 copay
    ("SBXMCD", ("99213", "36415")): Outcome("paid", D("59.00"), D("4.00")),
}

#: The special claims, each worked out by hand. Key: (visit, coverage sequence, encounter revision).
_SPECIAL_OUTCOMES: dict[tuple[str, str, int], Outcome] = {
    # A13 PPO 99214: allowed 130.00; copay 25.00; the 50.00 deductible left; coinsurance 20% x 55.00 = 11.00;
    # paid 130.00 - 25.00 - 50.00 - 11.00 = 44.00; patient 86.00
    ("A13", "primary", 1): Outcome("paid", D("44.00"), D("86.00")),
    # A14 revision 1: 99213 paid 53.60 (patient 38.40); 83036 denied CO-50 (I10 does not support an A1c)
    ("A14", "primary", 1): Outcome("partially_paid", D("53.60"), D("38.40")),
    # A14 revision 2 (the replacement, 83036 -> R73.03): like any PPO 99213 + 83036: 53.60 + 10.40
    ("A14", "primary", 2): Outcome("paid", D("64.00"), D("41.00")),
    ("A15", "primary", 1): Outcome("denied", ZERO, ZERO),  # CO-197 on the only line (900.00)
    ("A16", "primary", 1): Outcome("denied", ZERO, ZERO),  # CO-27: the visit is after eligible_to
    ("A17", "primary", 1): Outcome("denied", ZERO, ZERO),  # CO-29: 2026-08-03 -> 2026-12-01 is 120 days > 90
    # A26 Medicare 93000 + 93040: 93000 allowed 16.00, coinsurance 3.20, paid 12.80; 93040 denied CO-97 (bundled)
    ("A26", "primary", 1): Outcome("partially_paid", D("12.80"), D("3.20")),
    # A27 Medicare 99214 with 50.00 of the deductible left: allowed 125.00; deductible 50.00;
    # coinsurance 20% x 75.00 = 15.00; paid 125.00 - 50.00 - 15.00 = 60.00; left to the patient 65.00
    ("A27", "primary", 1): Outcome("paid", D("60.00"), D("65.00")),
    # A27 PPO as secondary: pays what Medicare left to the patient (65.00), at most its own allowed minus
    # Medicare's payment (130.00 - 60.00 = 70.00): 65.00; nothing left to the patient
    ("A27", "secondary", 1): Outcome("paid", D("65.00"), ZERO),
    # B21 PPO 99213 with 20.00 of the deductible left: allowed 92.00; copay 25.00; deductible 20.00;
    # coinsurance 20% x 47.00 = 9.40; paid 37.60; patient 25.00 + 20.00 + 9.40 = 54.40
    ("B21", "primary", 1): Outcome("paid", D("37.60"), D("54.40")),
    ("B23", "primary", 1): Outcome("denied", ZERO, ZERO),  # CO-197 on the only line
    # B24 PPO 99214 + 83036 (J06.9): 99214 paid 84.00 (patient 46.00); 83036 denied CO-50
    ("B24", "primary", 1): Outcome("partially_paid", D("84.00"), D("46.00")),
}
#: B22 never reaches adjudication: the 277CA rejects it (STC A7:33:IL, the member id is not on file).
REJECTED_KEYS = ("B22",)


def _expected_claims() -> dict[tuple[str, str, int], Outcome]:
    expected = dict(_SPECIAL_OUTCOMES)
    for visit in VISITS:
        key = (visit.key, "primary", 1)
        if key not in expected and visit.key not in REJECTED_KEYS:
            payer = visit.coverages[0][0].payer_id
            expected[key] = _KIND_OUTCOMES[(payer, tuple(line.code for line in visit.lines))]
    return expected


EXPECTED_CLAIMS = _expected_claims()


class Expected:
    """The day's totals, by hand (each sum written out)."""

    # What the 835s paid, per tenant and payer, net of the reversal of A14's first payment:
    paid_by_payer = {
        # Springfield PPO: A01-A12 (4 x 53.60 + 4 x 84.00 + 4 x 64.00 = 806.40) + A13 44.00 + A14 rev 2 64.00
        # (run 1 paid 53.60 for rev 1; run 2 takes it back and pays 64.00) + A27 secondary 65.00 = 979.40
        ("springfield-fp", "SBXPPO"): D("979.40"),
        # Springfield Medicare: A18-A25 (3 x 70.40 + 3 x 100.00 + 2 x 83.20 = 677.60) + A26 12.80 + A27 60.00
        ("springfield-fp", "SBXMCR"): D("750.40"),
        # Riverside Medicaid: 4 x 56.00 + 3 x 81.00 + 3 x 59.00 (B01-B10) = 644.00; B22 rejected, B23 denied
        ("riverside-ch", "SBXMCD"): D("644.00"),
        # Riverside PPO: B11-B20 (4 x 53.60 + 3 x 84.00 + 3 x 64.00 = 658.40) + B21 37.60 + B24 84.00 = 780.00
        ("riverside-ch", "SBXPPO"): D("780.00"),
    }
    # Payment run 1 pays everything but A14's replacement and A27's secondary; run 2 pays 64.00 - 53.60 + 65.00.
    second_run_paid = D("75.40")
    total_paid = D("3153.80")  # 979.40 + 750.40 + 644.00 + 780.00
    # Claims handed to the sandbox: 51 originals + A14's replacement + A27's secondary.
    claims_submitted = 53
    claims_accepted = 52  # all but B22
    claims_rejected = 1
    # Paid in full or in part: the 52 expected claims less A14's first (replaced) and the four billing denials.
    claims_paid = 47
    # Denials by owner (payments-svc's CARC catalog): coding CO-50 (A14, B24) and CO-97 (A26);
    # billing CO-197 (A15, B23), CO-27 (A16), CO-29 (A17).
    coding_denials = {"springfield-fp": 2, "riverside-ch": 1}
    billing_denials = {"springfield-fp": 3, "riverside-ch": 1}
    # Patient balances after the day (sum of every account), before the patient payment:
    patient_balance_before_payment = {
        # A01-A12 (4 x 38.40 + 4 x 46.00 + 4 x 41.00 = 501.60) + A13 86.00 + A14 41.00
        # + A18-A25 (3 x 17.60 + 3 x 25.00 + 2 x 20.80 = 169.40) + A26 3.20 + A27 0.00 = 801.20
        "springfield-fp": D("801.20"),
        # B01-B10 10 x 4.00 = 40.00 + B11-B20 (4 x 38.40 + 3 x 46.00 + 3 x 41.00 = 414.60) + B21 54.40 + B24 46.00
        "riverside-ch": D("555.00"),
    }
    # Statements (on demand, minimum balance 5.00): Springfield A01-A14 and A18-A25 = 22 (A26 owes 3.20,
    # A15-A17 and A27 nothing); Riverside B11-B21 and B24 = 12 (Medicaid copays of 4.00 are below the minimum).
    statements = {"springfield-fp": 22, "riverside-ch": 12}
    patient_payment = D("86.00")  # A13 pays the statement in full
    patient_balance_after_payment = {"springfield-fp": D("715.20"), "riverside-ch": D("555.00")}


EXPECTED = Expected()


# ---------------------------------------------------------------------------------------------- steps
@dataclass
class Sandbox:
    """The sandbox clearinghouse's own API (inspection and payment runs)."""

    base_url: str
    api_key: str

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {self.api_key}"}, timeout=30)


@dataclass
class DemoDayResult:
    """What the services hold at the end of the day (read from their APIs)."""

    claims: dict[tuple[str, str, int], dict[str, Any]] = field(default_factory=dict)
    submitted: int = 0
    accepted: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)  # the rejected claims (with findings)
    paid_by_payer: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # from payments-svc
    payment_runs: list[dict[str, Any]] = field(default_factory=list)
    coding_denials: dict[str, int] = field(default_factory=dict)
    billing_denials: dict[str, int] = field(default_factory=dict)
    balances_before_payment: dict[str, Decimal] = field(default_factory=dict)
    balances: dict[str, Decimal] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # by patient id
    statements: dict[str, int] = field(default_factory=dict)
    patient_payments: Decimal = ZERO

    @property
    def total_paid(self) -> Decimal:
        return sum(self.paid_by_payer.values(), ZERO)

    def paid_claims(self) -> list[dict[str, Any]]:
        """Claims the payers paid (in full or in part), without those a later revision replaced."""
        latest: dict[tuple[str, str], int] = {}
        for (key, sequence, revision) in self.claims:
            latest[(key, sequence)] = max(revision, latest.get((key, sequence), 0))
        return [claim for (key, sequence, revision), claim in self.claims.items()
                if revision == latest[(key, sequence)] and claim["status"] in ("paid", "partially_paid")]


def practice_timely_filing_days(payer: PayerSetup, today: date) -> int:
    """claims-svc checks filing limits against the real clock while the sandbox's day is fixed: the practices'
    limits are moved on by how far the real date has run past the business date, so the story keeps working."""
    return payer.practice_timely_filing_days + max(0, (today - BUSINESS_DATE).days)


def billing_reference(practice: Practice, *, today: date) -> dict[str, Any]:
    """claims-svc reference data of one practice: route to the sandbox, the three payers, profile, fees."""
    return {
        "route": {
            "route_id": "sandbox", "clearinghouse": practice.connection,
            "submitter": {"name": practice.name, "id": practice.submitter_id, "contact_name": "Billing Office",
                          "phone": "2175550100"},
            "receiver": {"name": "OpenRCM Sandbox Clearinghouse", "id": "SANDBOX01"},
            "interchange": {"sender_id": practice.submitter_id, "receiver_id": "SANDBOX01", "usage": "T"},
            "application_sender_code": practice.submitter_id, "application_receiver_code": "SANDBOX01",
        },
        "payers": [
            {"payer_id": payer.payer_id, "name": payer.name, "claim_filing_indicator": payer.claim_filing_indicator,
             "timely_filing_days": practice_timely_filing_days(payer, today), "prior_auth_procedures": [],
             "route_id": "sandbox"}
            for payer in PAYERS.values()
        ],
        "billing_profile": {"npi": practice.npi, "organization_name": practice.name, "tax_id": practice.tax_id,
                            "taxonomy": "207Q00000X",
                            "address": {"line1": "100 Main St", "city": practice.city, "state": "IL",
                                        "postal_code": "627011234"}},
        "fee_schedule_csv": "procedure_code,modifier,charge,effective_from,effective_to\n" + "".join(
            f"{code},,{charge},2025-01-01,\n" for code, charge in FEES.items()),
    }


def clearinghouse_connections(*, sandbox_url: str, api_key: str, drop_directory: Path) -> dict[str, dict[str, Any]]:
    """claims-svc's CLEARINGHOUSES: the sandbox's HTTP API and its file-drop directory."""
    return {HTTP_CONNECTION: {"adapter": "http", "url": sandbox_url, "api_key": api_key, "timeout_seconds": 10},
            DROP_CONNECTION: {"adapter": "file_drop", "directory": str(drop_directory)}}


def sandbox_process(workdir: Path, *, api_key: str) -> SandboxProcess:
    """The sandbox for the demo day: the demo contracts, fixed seed and business date, payment runs on request."""
    return SandboxProcess(config=CONTRACTS, era_directory=workdir / "era", drop_directory=workdir / "clearinghouse",
                          api_key=api_key, seed=SEED, business_date=BUSINESS_DATE.isoformat(), payment_run_interval=0)


def service_env(sandbox: SandboxProcess) -> dict[str, dict[str, str]]:
    """Per-service settings that point claims-svc and payments-svc at the sandbox."""
    return {
        "claims-svc": {"CLEARINGHOUSES": json.dumps(clearinghouse_connections(
            sandbox_url=sandbox.base_url, api_key=sandbox.api_key, drop_directory=sandbox.drop_directory))},
        "payments-svc": {"ERA_DROP_DIRECTORY": str(sandbox.era_directory), "ERA_DROP_POLL_SECONDS": "0.5"},
    }


class DemoDay:
    """Runs the story against a running stack and sandbox; ``say`` narrates (the demo prints, tests may not)."""

    def __init__(self, stack: LocalStack, sandbox: Sandbox, token_for: TokenFor, *, say: Say = lambda _: None,
                 timeout: float = 90.0) -> None:
        self.stack = stack
        self.sandbox = sandbox
        self.token_for = token_for
        self.say = say
        self.timeout = timeout
        self.encounters: dict[str, dict[str, Any]] = {}  # visit key -> coding-svc encounter
        self.result = DemoDayResult()

    # -- helpers
    def api(self, service: str, role: str, practice: Practice) -> httpx.Client:
        return self.stack.client(service, self.token_for(role, practice.tenant_id))

    def wait(self, probe: Callable[[], Any], what: str) -> Any:
        return wait_until(probe, timeout=self.timeout, interval=0.2, what=what)

    def run(self) -> DemoDayResult:
        self.set_up()
        self.submit_encounters()
        self.acknowledgements()
        self.payment_run("3. The sandbox's first payment run: every claim the payers adjudicated today",
                         expected_claims=len(EXPECTED_CLAIMS) - 2)
        self.denials_routed()
        self.rework()
        self.payment_run("6. The second payment run: the corrected claim and the secondary claim", expected_claims=2)
        self.patient_billing()
        self.summary()
        return self.result

    # -- 0. reference data
    def set_up(self) -> None:
        self.say("\n0. Each practice's set-up: coding policy, claims-svc reference data, posting and billing policy")
        today = datetime.now(timezone.utc).date()
        for practice in PRACTICES:
            with self.api("coding-svc", "practice_admin", practice) as coding:
                coding.put("/v1/coding-policy", json={"auto_release_clean_provider_codes": True}).raise_for_status()
            reference = billing_reference(practice, today=today)
            with self.api("claims-svc", "practice_admin", practice) as claims:
                claims.post("/v1/routes", json=reference["route"]).raise_for_status()
                for payer in reference["payers"]:
                    claims.post("/v1/payers", json=payer).raise_for_status()
                claims.post("/v1/billing-profiles", json=reference["billing_profile"]).raise_for_status()
                claims.post("/v1/fee-schedule/import", content=reference["fee_schedule_csv"],
                            headers={"content-type": "text/csv"}).raise_for_status()
            with self.api("payments-svc", "practice_admin", practice) as payments:
                payments.put("/v1/posting-settings", json={"auto_post_clean_remits": True}).raise_for_status()
            with self.api("patient-billing-svc", "practice_admin", practice) as billing:
                billing.put("/v1/policy", json=_billing_policy(practice)).raise_for_status()
            how = "the sandbox's HTTP API" if practice.connection == HTTP_CONNECTION else "the sandbox's drop directory"
            self.say(f"   {practice.name} ({practice.tenant_id}): claims travel by {how}; "
                     f"payers {', '.join(PAYERS)}; clean 835s post automatically")

    # -- 1. encounters
    def submit_encounters(self) -> None:
        per_practice = Counter(visit.practice.tenant_id for visit in VISITS)
        self.say(f"\n1. The EHRs send {len(VISITS)} coded encounters "
                 f"({', '.join(f'{n} for {t}' for t, n in per_practice.items())}); clean codes release at intake")
        for practice in PRACTICES:
            with self.api("coding-svc", "ehr_integration", practice) as coding:
                for visit in (v for v in VISITS if v.practice is practice):
                    response = coding.post("/v1/encounters", json=visit.encounter())
                    if response.status_code != 201:
                        raise RuntimeError(f"encounter {visit.key} refused: {response.status_code} {response.text}")
                    self.encounters[visit.key] = response.json()
        coded = Counter(e["status"] for e in self.encounters.values())
        self.say(f"   coding-svc: {dict(coded)}")

    # -- 2. claims out, 999/277CA back
    def claims_of(self, visit: Visit) -> list[dict[str, Any]]:
        encounter_id = self.encounters[visit.key]["id"]
        with self.api("claims-svc", "biller", visit.practice) as claims:
            items = claims.get("/v1/claims", params={"encounter_id": encounter_id}).json()["items"]
            return [claims.get(f"/v1/claims/{item['id']}").json() for item in items]

    def acknowledgements(self) -> None:
        self.say("\n2. claims-svc scrubs and batches the claims; the sandbox answers 999 and 277CA")
        answered = {"accepted", "rejected"}

        def all_answered() -> bool:
            for practice in PRACTICES:
                with self.api("claims-svc", "biller", practice) as claims:
                    items = _all(claims, "/v1/claims")
                acknowledged = [c for c in items if c["status"] in answered]
                if len(acknowledged) < sum(1 for v in VISITS if v.practice is practice):
                    return False
            return True

        self.wait(all_answered, "every claim acknowledged by the sandbox (277CA)")
        for practice in PRACTICES:
            with self.api("claims-svc", "biller", practice) as claims:
                batches = _all(claims, "/v1/batches")
                items = _all(claims, "/v1/claims")
            status = Counter(c["status"] for c in items)
            self.say(f"   {practice.tenant_id}: {len(batches)} batch(es) to {practice.connection}; "
                     f"claims {dict(status)}")
        for key in REJECTED_KEYS:
            visit = BY_KEY[key]
            claim = next(c for c in self.claims_of(visit) if c["status"] == "rejected")
            for finding in claim["scrub_findings"]:
                self.say(f"   277CA rejected {key} ({visit.practice.tenant_id}, claim "
                         f"{claim['patient_control_number']}): {finding['message']} Fix: {finding['fix']}")

    # -- 3. payment runs
    def sandbox_adjudicated(self) -> list[dict[str, Any]]:
        with self.sandbox.client() as sandbox:
            found = []
            for practice in PRACTICES:
                response = sandbox.get("/claims", params={"tenant_id": practice.tenant_id,
                                                          "status": "adjudicated"})
                response.raise_for_status()
                found += response.json()["items"]
            return found

    def payment_run(self, title: str, *, expected_claims: int) -> None:
        self.say(f"\n{title}")
        self.wait(lambda: len(self.sandbox_adjudicated()) >= expected_claims,
                  f"{expected_claims} claims adjudicated by the sandbox")
        before = {p.tenant_id: self.remittances(p) for p in PRACTICES}
        with self.sandbox.client() as sandbox:
            response = sandbox.post("/payment-runs")
            response.raise_for_status()
            run = response.json()
        self.result.payment_runs.append(run)
        files = run["files"]
        self.say(f"   sandbox: payment date {run['payment_date']}, {len(files)} 835 file(s) into the ERA drop "
                 "directory")
        expected_files = Counter(f["tenant_id"] for f in files)

        def new_remittances(practice: Practice) -> list[dict[str, Any]]:
            known = {b["id"] for b in before[practice.tenant_id]}
            return [r for r in self.remittances(practice) if r["id"] not in known]

        def posted() -> bool:
            for practice in PRACTICES:
                new = new_remittances(practice)
                if len(new) < expected_files.get(practice.tenant_id, 0):
                    return False
                for remittance in new:
                    if remittance["status"] == "pending":
                        with self.api("payments-svc", "payment_poster", practice) as payments:
                            payments.post(f"/v1/remittances/{remittance['id']}/post").raise_for_status()
                        self.say(f"   payments-svc: {practice.tenant_id} remittance "
                                 f"{remittance['payment']['trace_number']} needed a look "
                                 f"({remittance['balance_problem'] or 'notes'}); posted by the payment poster")
                        return False
            return True

        self.wait(posted, "the payment run's 835s posted by payments-svc")
        for practice in PRACTICES:
            for remittance in new_remittances(practice):
                self.say(f"   {practice.tenant_id}: 835 from {remittance['payer']['payer_id']} "
                         f"{remittance['payment']['method']} {remittance['payment']['amount']} "
                         f"({remittance['claim_count']} claims, {remittance['denial_count']} denials, "
                         f"{remittance['status']})")

    def remittances(self, practice: Practice) -> list[dict[str, Any]]:
        with self.api("payments-svc", "payment_poster", practice) as payments:
            return _all(payments, "/v1/remittances")

    # -- 4. denials reach their owners
    def denials_routed(self) -> None:
        self.say("\n4. Denials reach their owners: coding-svc's rework queue and claims-svc's billing denial queue")
        for practice in PRACTICES:
            want_billing = EXPECTED.billing_denials[practice.tenant_id]
            want_coding = EXPECTED.coding_denials[practice.tenant_id]
            with self.api("claims-svc", "biller", practice) as claims:
                billing = self.wait(lambda c=claims, n=want_billing: _at_least(n, _all(c, "/v1/denials")),
                                    f"{practice.tenant_id} billing denials")
            with self.api("coding-svc", "coder", practice) as coding:
                rework = self.wait(
                    lambda c=coding, n=want_coding: _at_least(n, _all(c, "/v1/work-queue", queue="rework")),
                    f"{practice.tenant_id} coding rework")
            for denial in billing:
                self.say(f"   {practice.tenant_id} billing queue: {','.join(denial['reason_codes'])} "
                         f"{denial['category']} {denial['denied_amount']} -> {denial['recommended_action']}")
            for item in rework:
                self.say(f"   {practice.tenant_id} coding rework: encounter {item['encounter_id'][:8]} "
                         f"({_key_of(self.encounters, item['encounter_id'])})")

    # -- 5. a coder corrects the coding denial
    def rework(self) -> None:
        visit = BY_KEY[REWORK_KEY]
        encounter_id = self.encounters[REWORK_KEY]["id"]
        self.say(f"\n5. A coder works {REWORK_KEY}'s CO-50 denial (83036 now points to R73.03, prediabetes); "
                 f"{SECONDARY_KEY}'s secondary claim follows Medicare's 835")
        with self.api("coding-svc", "coder", visit.practice) as coding:
            encounter = coding.get(f"/v1/encounters/{encounter_id}").json()
            for reason in encounter.get("rework_reasons", []):
                self.say(f"   why: {', '.join(reason['reason_codes'])} - {reason['explanation']}")
            coding.post(f"/v1/encounters/{encounter_id}/claim").raise_for_status()
            coding.put(f"/v1/encounters/{encounter_id}/draft", json=REWORK_CODES).raise_for_status()
            released = coding.post(f"/v1/encounters/{encounter_id}/release")
            released.raise_for_status()
            done = released.json()
        self.say(f"   released: revision {done['revision']} -> EncounterCoded -> claims-svc sends a replacement (7)")

        def replacement_accepted() -> Any:
            claims = self.claims_of(visit)
            return next((c for c in claims if c["encounter_revision"] == 2 and c["status"] == "accepted"), None)

        replacement = self.wait(replacement_accepted, "the replacement claim accepted by the sandbox")
        self.say(f"   replacement claim {replacement['patient_control_number']} frequency "
                 f"{replacement['frequency_code']} (replaces payer claim {replacement['original_payer_claim_number']}):"
                 f" accepted")
        secondary_visit = BY_KEY[SECONDARY_KEY]
        secondary = self.wait(
            lambda: next((c for c in self.claims_of(secondary_visit)
                          if c["coverage_sequence"] == "secondary" and c["status"] == "accepted"), None),
            "the secondary claim accepted by the sandbox")
        self.say(f"   secondary claim {secondary['patient_control_number']} to {secondary['payer']['payer_id']} "
                 f"after Medicare's 835: accepted")

    # -- 6. patient billing
    def patient_billing(self) -> None:
        self.say("\n7. patient-billing-svc: balances, the statement run and a patient payment")
        for visit in VISITS:
            expected = _patient_share(visit)
            with self.api("patient-billing-svc", "patient_accounts", visit.practice) as billing:
                def settled(b: httpx.Client = billing, v: Visit = visit, want: Decimal = expected) -> Any:
                    response = b.get(f"/v1/accounts/by-patient/{v.patient_id}")
                    if response.status_code != 200:
                        return None
                    account = response.json()
                    return account if (D(account["balance"]) == want and D(account["insurance_pending"]) == 0
                                       or v.key in REJECTED_KEYS) else None
                self.result.accounts[visit.patient_id] = self.wait(settled, f"{visit.key}'s balance")
        for practice in PRACTICES:
            self.result.balances_before_payment[practice.tenant_id] = self.balance_total(practice)
        as_of = datetime.now(timezone.utc).date()
        for practice in PRACTICES:
            with self.api("patient-billing-svc", "patient_accounts", practice) as billing:
                run = billing.post("/v1/jobs/statement-run", params={"as_of": as_of.isoformat(), "on_demand": "true"})
                run.raise_for_status()
                statements = _all(billing, "/v1/statements")
            self.result.statements[practice.tenant_id] = len(statements)
            self.say(f"   {practice.tenant_id}: statement run as of {as_of}: {len(statements)} statement(s) issued "
                     f"(balance {self.result.balances_before_payment[practice.tenant_id]})")
        payer = BY_KEY[PAYING_KEY]
        account = self.result.accounts[payer.patient_id]
        with self.api("patient-billing-svc", "patient_accounts", payer.practice) as billing:
            paid = billing.post(f"/v1/accounts/{account['id']}/payments",
                                json={"amount": str(EXPECTED.patient_payment), "method": "card",
                                      "reference": "DEMO-CARD-0001"},
                                headers={"Idempotency-Key": f"demo-day-{PAYING_KEY}-payment"})
            paid.raise_for_status()
            self.result.accounts[payer.patient_id] = billing.get(f"/v1/accounts/{account['id']}").json()
        self.result.patient_payments += EXPECTED.patient_payment
        self.say(f"   {PAYING_KEY} pays {EXPECTED.patient_payment} by card: balance now "
                 f"{self.result.accounts[payer.patient_id]['balance']}")
        for practice in PRACTICES:
            self.result.balances[practice.tenant_id] = self.balance_total(practice)

    def balance_total(self, practice: Practice) -> Decimal:
        with self.api("patient-billing-svc", "patient_accounts", practice) as billing:
            return sum((D(a["balance"]) for a in _all(billing, "/v1/accounts")), ZERO)

    # -- 7. summary
    def summary(self) -> None:
        result = self.result
        for practice in PRACTICES:
            with self.api("claims-svc", "biller", practice) as claims:
                items = _all(claims, "/v1/claims")
                details = [claims.get(f"/v1/claims/{item['id']}").json() for item in items]
                result.billing_denials[practice.tenant_id] = len(_all(claims, "/v1/denials"))
            for claim in details:
                visit = BY_KEY[_key_of(self.encounters, claim["encounter_id"])]
                result.claims[(visit.key, claim["coverage_sequence"], claim["encounter_revision"])] = claim
                moves = {change["to_status"] for change in claim["status_history"]}
                result.submitted += "submitted" in moves
                result.accepted += "accepted" in moves
                if claim["status"] == "rejected":
                    result.rejected.append(claim)
            with self.api("coding-svc", "coder", practice) as coding:
                # Encounters a coding denial sent back to coding (reworked since, or still waiting).
                result.coding_denials[practice.tenant_id] = sum(
                    bool(coding.get(f"/v1/encounters/{encounter['id']}").json().get("rework_reasons"))
                    for key, encounter in self.encounters.items() if BY_KEY[key].practice is practice)
            for remittance in self.remittances(practice):
                key = (practice.tenant_id, remittance["payer"]["payer_id"])
                result.paid_by_payer[key] = result.paid_by_payer.get(key, ZERO) + D(remittance["payment"]["amount"])

        say = self.say
        say("\nRevenue-cycle summary")
        say(f"   claims submitted {result.submitted}, accepted {result.accepted}, rejected {len(result.rejected)}")
        say(f"   claims paid {len(result.paid_claims())}: {result.total_paid} from the payers")
        for (tenant, payer), amount in sorted(result.paid_by_payer.items()):
            say(f"      {tenant:<16} {payer:<8} {amount:>10}")
        say(f"   denied: coding {sum(result.coding_denials.values())} (rework), "
            f"billing {sum(result.billing_denials.values())} (billing denial queue)")
        for tenant in result.balances:
            say(f"   {tenant}: patient balances {result.balances[tenant]}, "
                f"statements issued {result.statements.get(tenant, 0)}")
        say(f"   patient payments received {result.patient_payments}")


def _patient_share(visit: Visit) -> Decimal:
    """What the patient owes for the visit once every payer answered (the latest revision's claims)."""
    if visit.key in REJECTED_KEYS:
        return ZERO
    latest = max(revision for (key, _, revision) in EXPECTED_CLAIMS if key == visit.key)
    last_payer = ("primary", "secondary")[len(visit.coverages) - 1]
    return EXPECTED_CLAIMS[(visit.key, last_payer, latest)].patient


def expected_patient_share(key: str) -> Decimal:
    return _patient_share(BY_KEY[key])


def _billing_policy(practice: Practice) -> dict[str, Any]:
    from openrcm_devtools import samples

    policy = samples.billing_policy()
    policy["how_to_pay"] = {**policy["how_to_pay"], "practice_name": practice.name}
    return policy


def _at_least(count: int, items: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    return items if len(items) >= count else None


def _key_of(encounters: dict[str, dict[str, Any]], encounter_id: str) -> str:
    return next(key for key, encounter in encounters.items() if encounter["id"] == str(encounter_id))


def _all(client: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paged list."""
    items: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        response = client.get(path, params={**params, "limit": 200, "offset": offset})
        response.raise_for_status()
        page = response.json()
        items += page["items"]
        offset = page.get("next_offset")
    return items
