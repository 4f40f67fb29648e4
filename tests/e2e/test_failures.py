"""Crash and outage: nothing lost, nothing duplicated."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from openrcm_devtools import samples
from openrcm_devtools.processes import LocalBroker
from openrcm_devtools.pytest_plugin import token_for
from openrcm_devtools.stack import LocalStack, wait_until

from .dbcheck import scalar

pytestmark = pytest.mark.slow
TENANT = "tenant-a"
CLAIMS_PER_ENCOUNTER = """
    SELECT count(*) FROM (SELECT encounter_id FROM claims GROUP BY encounter_id HAVING count(*) <> 1) AS wrong
"""
CLAIM_SUBMITTED_EVENTS = "SELECT count(*) FROM outbox_events WHERE topic = 'claims.claim-submitted.v1'"
DISTINCT_CLAIM_SUBMITTED_HANDLED = (
    "SELECT count(DISTINCT event_id) FROM inbox_events WHERE topic = 'claims.claim-submitted.v1'"
)


def _post_encounters(stack: LocalStack, count: int, prefix: str, on_progress=None) -> list[str]:  # type: ignore[no-untyped-def]
    token = token_for("ehr_integration", tenants=(TENANT,))
    url = f"{stack['coding-svc'].base_url}/v1/encounters"
    ids: list[str] = []
    lock = threading.Lock()

    def post(n: int) -> None:
        body = samples.encounter(f"{prefix}-{n:05d}", patient_id=f"MRN-{n:05d}")
        with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            response = client.post(url, json=body)
        assert response.status_code == 201, response.text
        with lock:
            ids.append(response.json()["id"])
            if on_progress:
                on_progress(len(ids))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(post, range(count)))
    return ids


def test_claims_service_killed_mid_flow_creates_every_claim_exactly_once(stack: LocalStack, database_urls):
    total = 1000
    killed = threading.Event()
    restarted = threading.Event()

    def chaos(done: int) -> None:
        # SIGKILL claims-svc a third of the way in; bring it back at two thirds.
        if done >= total // 3 and not killed.is_set():
            killed.set()
            stack["claims-svc"].kill()
        elif done >= 2 * total // 3 and killed.is_set() and not restarted.is_set():
            restarted.set()
            threading.Thread(target=stack["claims-svc"].start, daemon=True).start()

    encounter_ids = _post_encounters(stack, total, "CRASH", on_progress=chaos)
    assert killed.is_set() and restarted.is_set()
    stack["claims-svc"].wait_live()
    assert len(set(encounter_ids)) == total

    claims_db, payments_db = database_urls["claims-svc"], database_urls["payments-svc"]
    wait_until(lambda: scalar(claims_db, "SELECT count(DISTINCT encounter_id) FROM claims") == total,
               timeout=180, interval=0.5, what="a claim for every encounter")
    wait_until(lambda: scalar(payments_db, DISTINCT_CLAIM_SUBMITTED_HANDLED) == total,
               timeout=120, interval=0.5, what="payments-svc saw every ClaimSubmitted")
    assert scalar(claims_db, "SELECT count(*) FROM claims") == total
    assert scalar(claims_db, CLAIMS_PER_ENCOUNTER) == 0
    assert scalar(claims_db, CLAIM_SUBMITTED_EVENTS) == total
    assert scalar(payments_db, "SELECT count(*) FROM expected_claims") == total


def test_broker_outage_keeps_intake_open_and_delivers_everything_once_when_a_broker_returns(
    stack: LocalStack, own_broker: LocalBroker, database_urls
):
    own_broker.stop()
    coding = stack["coding-svc"]
    wait_until(lambda: stack.readiness("coding-svc")["checks"]["broker"] == "down", what="readiness sees the outage")
    ready = httpx.get(f"{coding.base_url}/health/ready", timeout=10)
    assert ready.status_code == 503

    waiting = 25
    encounter_ids = _post_encounters(stack, waiting, "OUTAGE")
    assert len(encounter_ids) == waiting
    assert scalar(database_urls["coding-svc"], "SELECT count(*) FROM outbox_events WHERE published_at IS NULL") == waiting
    # The relay's sends fail (bounded by the request timeout) and it drops its connection; it
    # re-creates its topics when it reconnects. (A send still in flight when a *fresh* tansu starts
    # is acknowledged for a topic that broker does not have and is lost: a memory-broker artifact;
    # Apache Kafka with auto-create off refuses such a send and the relay retries it.)
    wait_until(lambda: stack.readiness("coding-svc")["checks"]["outbox_relay"] == "reconnecting", timeout=60,
               what="the relay noticed the outage")

    # A fresh process on the same port: the memory-only broker kept nothing, not even topics or offsets.
    own_broker.process = LocalBroker(port=own_broker.port).start().process
    try:
        claims_db = database_urls["claims-svc"]
        wait_until(lambda: scalar(claims_db, "SELECT count(*) FROM claims") == waiting, timeout=120, interval=0.5,
                   what="claims for the waiting encounters")
        wait_until(lambda: scalar(database_urls["payments-svc"], "SELECT count(*) FROM expected_claims") == waiting,
                   timeout=120, interval=0.5, what="payments-svc got every claim")
        wait_until(lambda: stack.readiness("coding-svc")["status"] == "ready", what="ready again")
        assert scalar(claims_db, CLAIMS_PER_ENCOUNTER) == 0
        assert scalar(claims_db, CLAIM_SUBMITTED_EVENTS) == waiting
        assert scalar(database_urls["coding-svc"], "SELECT count(*) FROM outbox_events WHERE published_at IS NULL") == 0
        assert scalar(claims_db, "SELECT count(DISTINCT event_id) FROM inbox_events") == waiting
    finally:
        stack.stop()
