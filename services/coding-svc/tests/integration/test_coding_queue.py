"""The coding queue on real PostgreSQL: intake routing, claims, drafts, edits, releases, queue order."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import date, datetime, timedelta

from sqlalchemy import select, update

from coding_svc.adapters.orm import coding_releases, encounters
from openrcm_devtools.pytest_plugin import auth_headers
from openrcm_devtools.samples import encounter as encounter_body
from openrcm_shared.contracts import EncounterCoded
from openrcm_shared.db import audit_log, outbox_events, utcnow

EHR = auth_headers("ehr_integration", subject="ehr-epic")
ANN = auth_headers("coder", subject="ann")
BOB = auth_headers("coder", subject="bob")
AUDITOR = auth_headers("coding_auditor", subject="aud")

#: The coder's corrected codes: hypertension first, a line for each diagnosis.
CODER_CODES = {
    "diagnoses": ["I10", "E11.9"],
    "service_lines": [
        {"procedure_code": "99214", "units": "1", "diagnosis_pointers": [1, 2], "charge": "180.00"},
        {"procedure_code": "83036", "units": "1", "diagnosis_pointers": [2], "charge": "40.00"},
    ],
}


async def submit(client, external_id: str, **sample) -> dict:  # type: ignore[no-untyped-def]
    response = await client.post("/v1/encounters", json=encounter_body(external_id, **sample), headers=EHR)
    assert response.status_code == 201, response.text
    return response.json()


async def emitted(app, tenant: str = "tenant-a") -> list[EncounterCoded]:  # type: ignore[no-untyped-def]
    async with app.state.runtime.session_factory() as session:
        rows = await session.scalars(
            select(outbox_events.c.envelope).where(outbox_events.c.tenant_id == tenant).order_by(outbox_events.c.id)
        )
        return [EncounterCoded.model_validate(json.loads(row)["payload"]) for row in rows]


# ---------------------------------------------------------------- intake routing

async def test_provider_codes_wait_for_a_coder_unless_the_tenant_auto_releases(client, app, count, set_policy):
    waiting = await submit(client, "ENC-Q1")
    assert (waiting["status"], waiting["revision"], waiting["findings"]) == ("awaiting_coding", 0, [])
    assert waiting["codes"] == {"diagnoses": ["E119", "I10"], "service_lines": waiting["service_lines"], "entered_by": None}
    assert await emitted(app) == []

    await set_policy(auto_release_clean_provider_codes=True)
    released = await submit(client, "ENC-Q2")
    assert (released["status"], released["revision"]) == ("coded", 1)
    # Codes failing an edit still wait, with the findings that say why.
    failing = await submit(client, "ENC-Q3", diagnoses=["E11", "I10"])  # E11 is a category, not a billable code
    assert failing["status"] == "awaiting_coding"
    assert failing["findings"] and all(f["suggested_fix"] for f in failing["findings"])
    assert "error" in {f["severity"] for f in failing["findings"]}
    [event] = await emitted(app)
    assert event.encounter_id == uuid.UUID(released["id"]) and event.revision == 1
    [record] = await _releases(app)
    assert (record["coder"], record["auto_released"], record["claimed_at"], record["revision"]) == (None, True, None, 1)


async def test_an_encounter_without_codes_waits_with_no_findings(client):
    body = encounter_body("ENC-Q4")
    body["diagnoses"], body["service_lines"] = [], []
    response = await client.post("/v1/encounters", json=body, headers=EHR)
    assert (response.json()["status"], response.json()["findings"], response.json()["codes"]["diagnoses"]) == (
        "awaiting_coding", [], [])


# ---------------------------------------------------------------- claims

async def test_two_coders_claiming_at_once_one_wins(client, app):
    enc = await submit(client, "ENC-RACE")
    for _ in range(3):  # a few rounds, each a fresh race
        first, second = await asyncio.gather(
            client.post(f"/v1/encounters/{enc['id']}/claim", headers=ANN),
            client.post(f"/v1/encounters/{enc['id']}/claim", headers=BOB),
        )
        assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
        winner, loser = (first, second) if first.status_code == 200 else (second, first)
        assert loser.headers["content-type"] == "application/problem+json"
        problem = loser.json()
        assert problem["type"].endswith("/claimed-by-another-coder")
        assert problem["claimed_by"] == winner.json()["claim"]["claimed_by"]
        holder = ANN if winner.json()["claim"]["claimed_by"] == "ann" else BOB
        assert (await client.delete(f"/v1/encounters/{enc['id']}/claim", headers=holder)).status_code == 204


async def test_claiming_again_extends_and_giving_back_frees(client):
    enc = await submit(client, "ENC-C1")
    first = (await client.post(f"/v1/encounters/{enc['id']}/claim", headers=ANN)).json()["claim"]
    again = (await client.post(f"/v1/encounters/{enc['id']}/claim", headers=ANN)).json()["claim"]
    assert again["claimed_at"] == first["claimed_at"] and again["expires_at"] >= first["expires_at"] and again["active"]
    assert (await client.delete(f"/v1/encounters/{enc['id']}/claim", headers=BOB)).status_code == 409
    assert (await client.delete(f"/v1/encounters/{enc['id']}/claim", headers=ANN)).status_code == 204
    assert (await client.post(f"/v1/encounters/{enc['id']}/claim", headers=BOB)).status_code == 200


async def test_an_expired_claim_is_anyones_and_its_old_holder_gets_409(client, app):
    enc = await submit(client, "ENC-EXP")
    assert (await client.post(f"/v1/encounters/{enc['id']}/claim", headers=ANN)).status_code == 200
    async with app.state.runtime.session_factory() as session:
        await session.execute(update(encounters).values(claim_expires_at=utcnow() - timedelta(seconds=1)))
        await session.commit()

    expired = await client.put(f"/v1/encounters/{enc['id']}/draft", json=CODER_CODES, headers=ANN)
    assert expired.status_code == 409 and expired.json()["type"].endswith("/claim-expired")
    queue = (await client.get("/v1/work-queue", params={"claimed": "false"}, headers=BOB)).json()["items"]
    assert [(i["encounter_id"], i["claimed_by"]) for i in queue] == [(enc["id"], None)]

    assert (await client.post(f"/v1/encounters/{enc['id']}/claim", headers=BOB)).status_code == 200
    late = await client.post(f"/v1/encounters/{enc['id']}/release", headers=ANN)
    assert late.status_code == 409 and late.json()["type"].endswith("/claimed-by-another-coder")


async def test_claim_minutes_come_from_the_policy(client, set_policy):
    await set_policy(claim_minutes=5)
    enc = await submit(client, "ENC-C5")
    claim = (await client.post(f"/v1/encounters/{enc['id']}/claim", headers=ANN)).json()["claim"]
    length = datetime.fromisoformat(claim["expires_at"]) - datetime.fromisoformat(claim["claimed_at"])
    assert timedelta(minutes=4, seconds=59) <= length <= timedelta(minutes=5, seconds=1)


async def test_next_claims_the_most_urgent_free_encounter_and_concurrent_coders_get_different_ones(client):
    urgent = await submit(client, "ENC-N1", days_ago=30)
    later = await submit(client, "ENC-N2", days_ago=3)
    first, second = await asyncio.gather(
        client.post("/v1/work-queue/next", headers=ANN), client.post("/v1/work-queue/next", headers=BOB)
    )
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    assert {first.json()["id"], second.json()["id"]} == {urgent["id"], later["id"]}
    assert (await client.post("/v1/work-queue/next", headers=ANN)).status_code == 204


# ---------------------------------------------------------------- drafts, edits, release

async def test_draft_then_release_emits_one_encounter_coded_with_the_coders_codes(client, app, count):
    enc = await submit(client, "ENC-R1")
    claimed = (await client.post(f"/v1/encounters/{enc['id']}/claim", headers=ANN)).json()["claim"]
    draft = await client.put(f"/v1/encounters/{enc['id']}/draft", json=CODER_CODES, headers=ANN)
    assert draft.status_code == 200, draft.text
    assert draft.json()["codes"]["diagnoses"] == ["I10", "E119"] and draft.json()["codes"]["entered_by"] == "ann"
    assert draft.json()["diagnoses"] == ["E119", "I10"]  # the document as sent

    released = await client.post(f"/v1/encounters/{enc['id']}/release", headers=ANN)
    assert released.status_code == 200, released.text
    assert (released.json()["status"], released.json()["revision"], released.json()["claim"]) == ("coded", 1, None)
    [event] = await emitted(app)
    assert [d.code for d in event.diagnoses] == ["I10", "E119"]
    assert [(line.procedure_code, line.diagnosis_pointers, str(line.charge)) for line in event.service_lines] == [
        ("99214", [1, 2], "180.00"), ("83036", [2], "40.00")]
    [record] = await _releases(app)
    assert (record["coder"], record["revision"], record["auto_released"], record["from_status"]) == (
        "ann", 1, False, "awaiting_coding")
    assert record["claimed_at"].isoformat().startswith(claimed["claimed_at"][:19])
    assert record["codes"]["diagnoses"] == ["I10", "E119"]
    # Released: nobody can claim or release it again.
    again = await client.post(f"/v1/encounters/{enc['id']}/release", headers=ANN)
    assert again.status_code == 409 and again.json()["type"].endswith("/encounter-not-workable")
    assert await count(audit_log, audit_log.c.action.in_(["claim", "draft", "release"])) == 3


async def test_a_pointer_error_blocks_the_release_with_the_findings_and_emits_nothing(client, app, count):
    enc = await submit(client, "ENC-R2")
    await client.post(f"/v1/encounters/{enc['id']}/claim", headers=ANN)
    bad = {"diagnoses": ["E11.9"], "service_lines": [{"procedure_code": "99213", "diagnosis_pointers": [1, 2]}]}
    draft = await client.put(f"/v1/encounters/{enc['id']}/draft", json=bad, headers=ANN)
    assert draft.status_code == 200  # a draft is saved whatever the edits find
    assert [f["edit_id"] for f in draft.json()["findings"]] == ["line.pointer_unknown"]

    blocked = await client.post(f"/v1/encounters/{enc['id']}/release", headers=ANN)
    assert blocked.status_code == 422 and blocked.headers["content-type"] == "application/problem+json"
    problem = blocked.json()
    assert problem["type"].endswith("/release-blocked-by-edits")
    [finding] = problem["findings"]
    assert (finding["edit_id"], finding["severity"], finding["lines"]) == ("line.pointer_unknown", "error", [1])
    assert finding["message"] and finding["suggested_fix"]
    stored = (await client.get(f"/v1/encounters/{enc['id']}", headers=ANN)).json()
    assert (stored["status"], stored["revision"], stored["claim"]["claimed_by"]) == ("awaiting_coding", 0, "ann")
    assert [f["edit_id"] for f in stored["findings"]] == ["line.pointer_unknown"]
    assert await emitted(app) == [] and await count(coding_releases) == 0

    fixed = await client.put(f"/v1/encounters/{enc['id']}/draft", json=CODER_CODES, headers=ANN)
    assert fixed.json()["findings"] == []
    assert (await client.post(f"/v1/encounters/{enc['id']}/release", headers=ANN)).status_code == 200
    assert len(await emitted(app)) == 1


async def test_drafts_are_validated_like_intake(client, count):
    enc = await submit(client, "ENC-R3")
    await client.post(f"/v1/encounters/{enc['id']}/claim", headers=ANN)
    bad = {"diagnoses": ["E11.9", "123"], "service_lines": [{"procedure_code": "9921", "modifiers": ["5"],
                                                             "diagnosis_pointers": [1]}], "extra": 1}
    response = await client.put(f"/v1/encounters/{enc['id']}/draft", json=bad, headers=ANN)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    assert {"/diagnoses/1", "/service_lines/0/procedure_code", "/service_lines/0/modifiers/0", "/extra"} <= {
        e["pointer"] for e in response.json()["errors"]}
    stored = (await client.get(f"/v1/encounters/{enc['id']}", headers=ANN)).json()
    assert stored["codes"]["entered_by"] is None


async def test_only_the_holder_drafts(client):
    enc = await submit(client, "ENC-R4")
    unclaimed = await client.put(f"/v1/encounters/{enc['id']}/draft", json=CODER_CODES, headers=ANN)
    assert unclaimed.status_code == 409 and unclaimed.json()["type"].endswith("/claim-not-held")
    await client.post(f"/v1/encounters/{enc['id']}/claim", headers=ANN)
    other = await client.put(f"/v1/encounters/{enc['id']}/draft", json=CODER_CODES, headers=BOB)
    assert other.status_code == 409 and other.json()["claimed_by"] == "ann"


async def test_the_edits_endpoint_checks_without_saving(client, app):
    enc = await submit(client, "ENC-E1")
    working = await client.post(f"/v1/encounters/{enc['id']}/edits", headers=AUDITOR)
    assert working.status_code == 200, working.text
    assert working.json() == {"clean": True, "errors": 0, "warnings": 0, "findings": []}

    bad = {"diagnoses": ["E11.9"], "service_lines": [
        {"procedure_code": "99213", "diagnosis_pointers": [2]},
        {"procedure_code": "83036", "diagnosis_pointers": [1], "service_date": (date.today() + timedelta(days=40)).isoformat()},
    ]}
    checked = await client.post(f"/v1/encounters/{enc['id']}/edits", json=bad, headers=ANN)
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["clean"] is False and body["errors"] == 2
    assert [(f["edit_id"], f["lines"]) for f in body["findings"]] == [("line.pointer_unknown", [1]), ("line.date_outside", [2])]
    assert all(set(f) >= {"edit_id", "severity", "message", "suggested_fix"} for f in body["findings"])
    async with app.state.runtime.session_factory() as session:
        row = (await session.execute(select(encounters.c.codes, encounters.c.findings, encounters.c.claimed_by))).one()
    assert (row.codes["diagnoses"], row.findings, row.claimed_by) == (["E119", "I10"], [], None)
    assert await emitted(app) == []


# ---------------------------------------------------------------- the queue

async def test_the_queue_is_ordered_by_filing_deadline_then_age(client, set_policy):
    await set_policy(default_filing_days=365, filing_days_by_payer={"FAST": 30})
    slow_old = await submit(client, "ENC-O1", payer_id="SLOW", days_ago=3)
    fast_older_dos = await submit(client, "ENC-O2", payer_id="FAST", days_ago=10)
    fast = await submit(client, "ENC-O3", payer_id="FAST", days_ago=3)
    slow_new = await submit(client, "ENC-O4", payer_id="SLOW", days_ago=3, patient_id="MRN-2002")
    coded_elsewhere = await submit(client, "ENC-O5", payer_id="FAST", days_ago=20)
    await client.post(f"/v1/encounters/{coded_elsewhere['id']}/claim", headers=BOB)
    await client.put(f"/v1/encounters/{coded_elsewhere['id']}/draft", json=CODER_CODES, headers=BOB)
    await client.post(f"/v1/encounters/{coded_elsewhere['id']}/release", headers=BOB)
    await client.post(f"/v1/encounters/{fast['id']}/claim", headers=ANN)

    page = await client.get("/v1/work-queue", params={"queue": "coding"}, headers=AUDITOR)
    assert page.status_code == 200, page.text
    items = page.json()["items"]
    assert [i["encounter_id"] for i in items] == [fast_older_dos["id"], fast["id"], slow_old["id"], slow_new["id"]]
    today = date.today()
    assert [i["days_left"] for i in items] == [20, 27, 362, 362]
    assert items[0]["filing_deadline"] == (today + timedelta(days=20)).isoformat()
    assert (items[1]["claimed_by"], items[1]["claim_expires_at"] is not None) == ("ann", True)
    assert all(i["status"] == "awaiting_coding" and i["has_codes"] and i["errors"] == 0 for i in items)
    assert items[0]["age_days"] == 0 and items[0]["payer_id"] == "FAST"

    free = (await client.get("/v1/work-queue", params={"claimed": "false"}, headers=ANN)).json()["items"]
    assert fast["id"] not in [i["encounter_id"] for i in free]
    held = (await client.get("/v1/work-queue", params={"claimed": "true"}, headers=ANN)).json()["items"]
    assert [i["encounter_id"] for i in held] == [fast["id"]]
    slow = (await client.get("/v1/work-queue", params={"payer_id": "SLOW", "limit": 1}, headers=ANN)).json()
    assert [i["encounter_id"] for i in slow["items"]] == [slow_old["id"]] and slow["next_offset"] == 1

    # A policy change moves the deadlines of what is waiting at once.
    await set_policy(default_filing_days=10, filing_days_by_payer={"FAST": 30})
    reordered = (await client.get("/v1/work-queue", headers=ANN)).json()["items"]
    assert [i["encounter_id"] for i in reordered][:2] == [slow_old["id"], slow_new["id"]]


async def test_queue_and_workflow_endpoints_check_roles_and_tenants(client):
    enc = await submit(client, "ENC-T1")
    other_tenant = auth_headers("coder", tenants=("tenant-b",), subject="ann")
    for method, path, body in (
        ("POST", f"/v1/encounters/{enc['id']}/claim", None),
        ("DELETE", f"/v1/encounters/{enc['id']}/claim", None),
        ("PUT", f"/v1/encounters/{enc['id']}/draft", CODER_CODES),
        ("POST", f"/v1/encounters/{enc['id']}/release", None),
        ("POST", f"/v1/encounters/{enc['id']}/edits", None),
        ("POST", f"/v1/encounters/{enc['id']}/queries", {"question": "Which type?"}),
    ):
        response = await client.request(method, path, json=body, headers=other_tenant)
        assert response.status_code == 404, (method, path, response.text)
    assert (await client.get("/v1/work-queue", headers=other_tenant)).json()["items"] == []
    assert (await client.post("/v1/work-queue/next", headers=other_tenant)).status_code == 204

    assert (await client.post(f"/v1/encounters/{enc['id']}/claim", headers=AUDITOR)).status_code == 403
    assert (await client.post(f"/v1/encounters/{enc['id']}/claim", headers=EHR)).status_code == 403
    assert (await client.get("/v1/work-queue", headers=EHR)).status_code == 403
    assert (await client.get("/v1/work-queue", headers=auth_headers("practice_admin"))).status_code == 200
    assert (await client.post(f"/v1/encounters/{enc['id']}/edits", headers=auth_headers("biller"))).status_code == 403
    assert (await client.get("/v1/work-queue")).status_code == 401


async def _releases(app) -> list[dict]:  # type: ignore[no-untyped-def]
    async with app.state.runtime.session_factory() as session:
        rows = await session.execute(select(coding_releases).order_by(coding_releases.c.released_at))
        return [dict(row) for row in rows.mappings()]
