"""`make run`: the whole system on embedded defaults, with demo data pushed through it.

Starts the memory-only tansu broker on a free port and the four services as local processes, each
with its own SQLite file under var/, sets the demo practice's coding policy to release clean
provider codes at intake, submits sample encounters (three already coded by the provider, one that a
coder takes from the coding queue, codes and releases), posts a remittance that pays one claim and
denies two, prints what every service now holds, and keeps serving until Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import signal
import sys
import threading
from decimal import Decimal
from pathlib import Path

from openrcm_devtools import samples
from openrcm_devtools.processes import REPO_ROOT, SERVICES, LocalBroker
from openrcm_devtools.stack import LocalStack, wait_until
from openrcm_shared.auth.tokens import mint_token

TENANT = "demo-clinic"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, default=REPO_ROOT / "var", help="SQLite files and logs (wiped first)")
    parser.add_argument("--no-serve", action="store_true", help="stop after the demo instead of serving until Ctrl-C")
    args = parser.parse_args(argv)

    workdir: Path = args.workdir
    if workdir.exists():
        shutil.rmtree(workdir)
    (workdir / "data").mkdir(parents=True)
    log_dir = workdir / "logs"
    secret = secrets.token_urlsafe(32)
    (workdir / "dev-jwt-secret").write_text(secret)

    say(f"OpenRCM embedded run - data and logs in {workdir}")
    broker = LocalBroker(log_path=workdir / "broker.log")
    stack: LocalStack | None = None
    try:
        broker.start()
        say(f"  broker     tansu (memory-only) on {broker.bootstrap_servers}")
        stack = LocalStack(
            database_urls={name: f"sqlite+aiosqlite:///{workdir / 'data' / name}.db" for name in SERVICES},
            broker=broker, jwt_secret=secret, log_dir=log_dir,
            extra_env={"KAFKA_SESSION_TIMEOUT_MS": "3000", "KAFKA_TOPIC_PARTITIONS": "3",
                       # claims-svc batches READY claims every second into a file-drop clearinghouse under var/
                       "BATCH_INTERVAL_SECONDS": "1", "CLEARINGHOUSES": json.dumps(
                           {"local-drop": {"adapter": "file_drop", "directory": str(workdir / "clearinghouse")}})},
        )
        stack.start()
        stack.wait_ready()
        for name, process in stack.services.items():
            say(f"  {name:<20} {process.base_url}/docs   (log: {process.log_path})")
        tokens = {role: mint_token(secret=secret, subject=f"demo-{role}", roles=[role], tenants=[TENANT])
                  for role in ("ehr_integration", "coder", "biller", "payment_poster", "patient_accounts",
                               "practice_admin")}
        run_demo(stack, tokens)
        say("")
        say(f"Tokens for tenant '{TENANT}' (valid 8 h); mint more with:")
        say(f"  .venv/bin/openrcm-token --secret $(cat {workdir / 'dev-jwt-secret'}) --tenant {TENANT} --role biller")
        say(f"  biller token: {tokens['biller']}")
        if args.no_serve:
            return
        say("\nServing. Press Ctrl-C to stop every process this run started.")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    finally:
        say("Stopping services and broker...")
        if stack is not None:
            stack.stop()
        broker.stop()


def run_demo(stack: LocalStack, tokens: dict[str, str]) -> None:
    say("\n0. coding-svc: the practice's coding policy releases clean provider codes at intake")
    with stack.client("coding-svc", tokens["practice_admin"]) as coding:
        coding.put("/v1/coding-policy", json={"auto_release_clean_provider_codes": True}).raise_for_status()

    say("\n0b. claims-svc: the practice's billing reference data (route, payer, billing profile, fee schedule CSV)")
    with stack.client("claims-svc", tokens["practice_admin"]) as claims_api:
        samples.post_billing_reference(claims_api)

    say("\n1. coding-svc: an EHR submits three coded encounters")
    encounters = {}
    with stack.client("coding-svc", tokens["ehr_integration"]) as coding:
        for key, patient_id, last in (("paid", "MRN-1001", "Rivera"), ("coding", "MRN-1002", "Chen"),
                                      ("billing", "MRN-1003", "Novak")):
            response = coding.post("/v1/encounters", json=samples.encounter(f"DEMO-{key.upper()}", patient_id=patient_id,
                                                                         last_name=last))
            response.raise_for_status()
            encounters[key] = response.json()
            enc = encounters[key]
            say(f"   encounter {enc['id']} patient {patient_id}: {enc['status']} rev {enc['revision']}, "
                f"dx {','.join(enc['diagnoses'])}, {len(enc['service_lines'])} lines")

    coder_queue_demo(stack, tokens)

    say("\n2. claims-svc: EncounterCoded -> scrubbed claim -> 837P batch to the clearinghouse -> ClaimSubmitted")
    claims = {}
    with stack.client("claims-svc", tokens["biller"]) as claims_api:
        for key, enc in encounters.items():
            summary = wait_until(lambda e=enc: [c for c in claims_api.get("/v1/claims", params={"encounter_id": e["id"]})
                                                .json()["items"] if c["status"] == "submitted"], what="claim submitted")[0]
            claims[key] = claims_api.get(f"/v1/claims/{summary['id']}").json()
            claim = claims[key]
            say(f"   claim {claim['patient_control_number']} for encounter {enc['id'][:8]}: {claim['status']}, "
                f"charge {claim['total_charge']} to {claim['payer']['name'] if isinstance(claim.get('payer'), dict) else claim.get('payer_id')}")

        for batch in claims_api.get("/v1/batches").json()["items"]:
            say(f"   batch {batch['file_name']}: {batch['claim_count']} claim(s), ISA13 {batch['interchange_control_number']},"
                f" {batch['status']} to {batch['clearinghouse']}")

    say("\n3. payments-svc: ClaimSubmitted -> expected claims; the payer's remittance arrives")
    with stack.client("payments-svc", tokens["payment_poster"]) as payments:
        for claim in claims.values():
            wait_until(lambda c=claim: payments.get("/v1/expected-claims",
                                                    params={"patient_control_number": c["patient_control_number"]}).json()["items"],
                       what="expected claim")
        remit = samples.remittance(
            [samples.remit_claim_paid(claims["paid"], deductible=Decimal("20.00")),
             samples.remit_claim_denied(claims["coding"], group="CO", reason_code="50", remark_codes=["N115"]),
             samples.remit_claim_denied(claims["billing"], group="CO", reason_code="16", remark_codes=["MA130"])],
            trace_number="DEMO-EFT-0001",
        )
        posted = payments.post("/v1/remittances", json=remit)
        posted.raise_for_status()
        remittance = payments.get(f"/v1/remittances/{posted.json()['id']}").json()
        say(f"   remittance {remittance['id']}: payment {remit['payment']['amount']} ({remit['payment']['method']} "
            f"{remit['payment']['trace_number']}), {len(remit['claims'])} claims")
        say("   CLP paid 112.00 (CO-45 contractual 33.00, PR-1 deductible 20.00); two claims denied: CO-50, CO-16")

    say("\n4. RemitReceived / DenialRaised reach their owners")
    with stack.client("claims-svc", tokens["biller"]) as claims_api:
        for key, claim in claims.items():
            status = wait_until(lambda c=claim: (s := claims_api.get(f"/v1/claims/{c['id']}").json()["status"]) != "submitted" and s,
                                what="claim adjudicated")
            say(f"   claims-svc  claim {claim['patient_control_number']}: {status}")
        denials = wait_until(lambda: claims_api.get("/v1/denials").json()["items"], what="billing denial queue")
        for denial in denials:
            say(f"   claims-svc  billing denial queue: claim {denial['claim_id'][:8]} {denial['category']} -> "
                f"{denial['recommended_action']}")
    with stack.client("coding-svc", tokens["coder"]) as coding:
        enc = wait_until(lambda: (e := coding.get(f"/v1/encounters/{encounters['coding']['id']}").json())["status"] == "rework" and e,
                         what="coding rework")
        reason = enc["rework_reasons"][0]
        say(f"   coding-svc  encounter {enc['id'][:8]} back in rework: {', '.join(reason['reason_codes'])} - {reason['explanation']}")

    say("\n5. patient-billing-svc: RemitReceived -> the patient's share becomes a balance")
    with stack.client("patient-billing-svc", tokens["patient_accounts"]) as billing:
        account = wait_until(
            lambda: (a := billing.get("/v1/accounts/by-patient/MRN-1001")).status_code == 200
            and Decimal(a.json()["balance"]) > 0 and a.json(),
            what="patient balance",
        )
        say(f"   account {account['id']} (patient MRN-1001): balance {account['balance']}, "
            f"patient due {account['patient_due']}")
        say("   " + json.dumps({k: account[k] for k in ("balance", "patient_due", "insurance_pending") if k in account}))
    say("\nThe revenue cycle ran end to end: encounter -> claim -> remit -> patient balance, denials routed.")


def coder_queue_demo(stack: LocalStack, tokens: dict[str, str]) -> None:
    """An encounter the provider did not code waits in the coding queue; a coder claims, codes and releases it."""
    say("\n1b. coding-svc: an encounter without codes waits in the coding queue; a coder works it")
    body = samples.encounter("DEMO-QUEUE", patient_id="MRN-1004", last_name="Okoye")
    body["diagnoses"], body["service_lines"] = [], []
    body["notes"] = [{"type": "progress", "author": "Dr Okafor", "text": "Follow-up of type 2 diabetes; A1c drawn."}]
    with stack.client("coding-svc", tokens["ehr_integration"]) as ehr:
        submitted = ehr.post("/v1/encounters", json=body)
        submitted.raise_for_status()
    with stack.client("coding-svc", tokens["coder"]) as coding:
        queue = coding.get("/v1/work-queue", params={"queue": "coding"}).json()["items"]
        for item in queue:
            say(f"   queue: encounter {item['encounter_id'][:8]} {item['status']}, filing deadline "
                f"{item['filing_deadline']} ({item['days_left']} days left), age {item['age_days']} d")
        claimed = coding.post("/v1/work-queue/next", params={"queue": "coding"})
        claimed.raise_for_status()
        enc = claimed.json()
        say(f"   claim: {enc['claim']['claimed_by']} holds encounter {enc['id'][:8]} until {enc['claim']['expires_at'][11:16]} UTC")
        draft = coding.put(f"/v1/encounters/{enc['id']}/draft", json={
            "diagnoses": ["E11.9"],
            "service_lines": [{"procedure_code": "99213", "diagnosis_pointers": [1, 2], "charge": "125.00"}],
        })
        draft.raise_for_status()
        for finding in draft.json()["findings"]:
            say(f"   draft: {finding['severity']} {finding['edit_id']}: {finding['message']} Fix: {finding['suggested_fix']}")
        blocked = coding.post(f"/v1/encounters/{enc['id']}/release")
        say(f"   release refused ({blocked.status_code}): {blocked.json()['detail']}")
        coding.put(f"/v1/encounters/{enc['id']}/draft", json={
            "diagnoses": ["E11.9"],
            "service_lines": [{"procedure_code": "99213", "diagnosis_pointers": [1], "charge": "125.00"},
                              {"procedure_code": "83036", "diagnosis_pointers": [1], "charge": "40.00"}],
        }).raise_for_status()
        released = coding.post(f"/v1/encounters/{enc['id']}/release")
        released.raise_for_status()
        done = released.json()
        say(f"   released by the coder: encounter {done['id'][:8]} {done['status']} rev {done['revision']}, "
            f"dx {','.join(done['codes']['diagnoses'])}, {len(done['codes']['service_lines'])} lines -> EncounterCoded")


def say(text: str) -> None:
    print(text, flush=True)


if __name__ == "__main__":
    sys.exit(main())
