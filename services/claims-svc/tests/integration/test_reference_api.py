"""The tenant's reference data over HTTP: CRUD, CSV import (all or nothing), every problem listed, tenancy, roles."""

from __future__ import annotations

import pytest

from claims_svc.adapters.orm import fee_schedule_entries, payers
from openrcm_devtools.pytest_plugin import auth_headers

PAYERS_CSV_HEADER = ("payer_id,name,claim_filing_indicator,timely_filing_days,prior_auth_procedures,route_id,"
                     "appeal_days,address_line1,address_line2,address_city,address_state,address_postal_code\n")


def _pointers(response) -> list[str]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["pointer"] for error in response.json()["errors"]]


async def test_payer_crud(client, as_role, reference_bodies):
    headers = as_role("biller")
    await client.post("/v1/routes", json=reference_bodies["route"], headers=headers)
    payer = reference_bodies["payer"]
    created = await client.post("/v1/payers", json=payer, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["prior_auth_procedures"] == ["70553"]
    assert (await client.post("/v1/payers", json=payer, headers=headers)).status_code == 409

    changed = {**payer, "timely_filing_days": 90, "prior_auth_procedures": ["72148", "70553"]}
    replaced = await client.put("/v1/payers/ACME01", json=changed, headers=headers)
    assert replaced.status_code == 200 and replaced.json()["prior_auth_procedures"] == ["70553", "72148"]
    assert (await client.get("/v1/payers/ACME01", headers=headers)).json()["timely_filing_days"] == 90
    assert _pointers(await client.put("/v1/payers/OTHER", json=changed, headers=headers)) == ["/payer_id"]
    assert (await client.put("/v1/payers/NOPE", json={**changed, "payer_id": "NOPE"}, headers=headers)).status_code == 404

    assert (await client.delete("/v1/payers/ACME01", headers=headers)).status_code == 204
    assert (await client.get("/v1/payers/ACME01", headers=headers)).status_code == 404
    assert (await client.delete("/v1/payers/ACME01", headers=headers)).status_code == 404


async def test_every_bad_field_is_listed_and_nothing_is_stored(client, as_role, count, tenant):
    bad = {"payer_id": "A*B", "name": "", "claim_filing_indicator": "XX", "timely_filing_days": 0,
           "prior_auth_procedures": ["99213", "nope"], "address": {"line1": "1 Main", "city": "X", "state": "il",
                                                                   "postal_code": "123"}}
    pointers = _pointers(await client.post("/v1/payers", json=bad, headers=as_role("biller")))
    assert sorted(pointers) == ["/address/postal_code", "/address/state", "/claim_filing_indicator", "/name",
                                "/payer_id", "/prior_auth_procedures", "/timely_filing_days"]
    unknown_route = {"payer_id": "P1", "name": "P", "claim_filing_indicator": "CI", "timely_filing_days": 90,
                     "route_id": "missing"}
    assert _pointers(await client.post("/v1/payers", json=unknown_route, headers=as_role("biller"))) == ["/route_id"]
    assert await count(payers, payers.c.tenant_id == tenant) == 0


async def test_billing_profiles_and_routes_check_what_an_837p_needs(client, as_role, reference_bodies):
    headers = as_role("practice_admin")
    profile = reference_bodies["billing_profile"]
    bad = {**profile, "npi": "1234567890", "tax_id": "37-1234567", "taxonomy": "bad",
           "address": {**profile["address"], "line1": "P.O. Box 12", "postal_code": "62701"}}
    assert sorted(_pointers(await client.post("/v1/billing-profiles", json=bad, headers=headers))) == [
        "/address/line1", "/address/postal_code", "/npi", "/tax_id", "/taxonomy"]
    assert (await client.post("/v1/billing-profiles", json=profile, headers=headers)).status_code == 201

    route = {**reference_bodies["route"], "clearinghouse": "nowhere"}
    response = await client.post("/v1/routes", json=route, headers=headers)
    assert _pointers(response) == ["/clearinghouse"] and "local-drop" in response.json()["errors"][0]["message"]
    assert (await client.post("/v1/routes", json=reference_bodies["route"], headers=headers)).status_code == 201
    await client.post("/v1/payers", json=reference_bodies["payer"], headers=headers)
    in_use = await client.delete("/v1/routes/gateway", headers=headers)
    assert in_use.status_code == 409 and in_use.headers["content-type"] == "application/problem+json"


async def test_payers_csv_import_creates_and_replaces_all_or_nothing(client, as_role, reference_bodies, count, tenant):
    headers = {**as_role("biller"), "content-type": "text/csv"}
    await client.post("/v1/routes", json=reference_bodies["route"], headers=as_role("biller"))
    good = PAYERS_CSV_HEADER + (
        "ACME01,Acme Health Plan,CI,365,70553;72148,gateway,90,,,,,\n"
        "MCR01,Medicare Part B,MB,365,,gateway,,PO Box 1,,Springfield,IL,62701\n")
    imported = await client.post("/v1/payers/import", content=good, headers=headers)
    assert imported.status_code == 200, imported.text
    assert imported.json() == {"created": 2, "replaced": 0}
    again = await client.post("/v1/payers/import", content=good.replace(",365,70553", ",180,70553"), headers=headers)
    assert again.json() == {"created": 0, "replaced": 2}
    medicare = (await client.get("/v1/payers/MCR01", headers=as_role("biller"))).json()
    assert medicare["address"]["postal_code"] == "62701" and medicare["claim_filing_indicator"] == "MB"
    assert medicare["appeal_days"] == 180
    assert (await client.get("/v1/payers/ACME01", headers=as_role("biller"))).json()["appeal_days"] == 90

    bad = PAYERS_CSV_HEADER + (
        "NEW01,New Payer,CI,30,,gateway,,,,,,\n"
        "BAD01,,ZZZ,-1,,gateway,,,,,,\n"
        "NEW01,Again,CI,30,,gateway,,,,,,\n"
        "BAD02,Bad Route,CI,30,,elsewhere,,1 Main,,Town,IL,1\n")
    response = await client.post("/v1/payers/import", content=bad, headers=headers)
    assert _pointers(response) == ["/rows/3/name", "/rows/3/claim_filing_indicator", "/rows/3/timely_filing_days",
                                   "/rows/5/address_postal_code"]
    assert response.json()["detail"].endswith("nothing was imported. See `errors`.")
    dupes = PAYERS_CSV_HEADER + "NEW01,New,CI,30,,gateway,,,,,,\nNEW01,Again,CI,30,,elsewhere,,,,,,\n"
    assert _pointers(await client.post("/v1/payers/import", content=dupes, headers=headers)) == [
        "/rows/3", "/rows/3/route_id"]
    assert await count(payers, payers.c.tenant_id == tenant) == 2

    with_follow_up = (PAYERS_CSV_HEADER.rstrip("\n") + ",follow_up_days\n"
                      + "ACME01,Acme Health Plan,CI,365,,gateway,90,,,,,,21\n")
    assert (await client.post("/v1/payers/import", content=with_follow_up, headers=headers)).status_code == 200
    acme = (await client.get("/v1/payers/ACME01", headers=as_role("biller"))).json()
    assert acme["follow_up_days"] == 21 and medicare["follow_up_days"] == 30  # optional column; 30 by default

    wrong_header = "payer,name\nX,Y\n"
    assert _pointers(await client.post("/v1/payers/import", content=wrong_header, headers=headers))[:2] == [
        "/header/payer_id", "/header/claim_filing_indicator"]


async def test_fee_schedule_ranges_may_not_overlap_and_csv_rows_replace_by_code_modifier_and_date(
    client, as_role, count, tenant
):
    headers = as_role("biller")
    first = {"procedure_code": "99213", "charge": "120.00", "effective_from": "2025-01-01", "effective_to": "2025-12-31"}
    created = await client.post("/v1/fee-schedule", json=first, headers=headers)
    assert created.status_code == 201 and created.json()["modifier"] == ""
    overlapping = {"procedure_code": "99213", "charge": "130.00", "effective_from": "2025-06-01"}
    assert _pointers(await client.post("/v1/fee-schedule", json=overlapping, headers=headers)) == ["/effective_from"]
    bad = {"procedure_code": "ABCDE", "modifier": "G", "charge": "-1", "effective_from": "2026-02-01",
           "effective_to": "2026-01-01"}
    assert sorted(_pointers(await client.post("/v1/fee-schedule", json=bad, headers=headers))) == [
        "/charge", "/modifier", "/procedure_code"]

    csv_text = ("procedure_code,modifier,charge,effective_from,effective_to\n"
                "99213,,125.00,2025-01-01,2025-12-31\n99213,,130.00,2026-01-01,\n99213,GT,104.00,2026-01-01,\n")
    imported = await client.post("/v1/fee-schedule/import", content=csv_text,
                                 headers={**headers, "content-type": "text/csv"})
    assert imported.json() == {"created": 2, "replaced": 1}
    listed = (await client.get("/v1/fee-schedule", params={"procedure_code": "99213"}, headers=headers)).json()
    assert [(e["modifier"], e["charge"], e["effective_from"]) for e in listed["items"]] == [
        ("", "125.00", "2025-01-01"), ("", "130.00", "2026-01-01"), ("GT", "104.00", "2026-01-01")]
    entry_id = listed["items"][0]["id"]
    replaced = await client.put(f"/v1/fee-schedule/{entry_id}", json={**first, "charge": "121.00"}, headers=headers)
    assert replaced.status_code == 200 and replaced.json()["id"] == entry_id
    assert await count(fee_schedule_entries, fee_schedule_entries.c.tenant_id == tenant) == 3


async def test_another_tenant_sees_none_of_it_and_roles_are_checked(client, as_role, reference_bodies):
    await client.post("/v1/routes", json=reference_bodies["route"], headers=as_role("biller"))
    other = auth_headers("biller", tenants=("someone-else",))
    assert (await client.get("/v1/routes/gateway", headers=other)).status_code == 404
    assert (await client.get("/v1/routes", headers=other)).json()["items"] == []
    assert (await client.delete("/v1/routes/gateway", headers=other)).status_code == 404
    for role in ("coder", "payment_poster", "ehr_integration", "patient_accounts"):
        response = await client.get("/v1/payers", headers=as_role(role))
        assert response.status_code == 403 and response.headers["content-type"] == "application/problem+json"
    assert (await client.get("/v1/payers")).status_code == 401


async def test_lists_are_paged(client, as_role):
    headers = as_role("biller")
    for code in ("99211", "99212", "99213"):
        await client.post("/v1/fee-schedule", json={"procedure_code": code, "charge": "1.00",
                                                    "effective_from": "2026-01-01"}, headers=headers)
    first = (await client.get("/v1/fee-schedule", params={"limit": 2}, headers=headers)).json()
    second = (await client.get("/v1/fee-schedule", params={"limit": 2, "offset": first["next_offset"]},
                               headers=headers)).json()
    assert [e["procedure_code"] for e in first["items"] + second["items"]] == ["99211", "99212", "99213"]
    assert second["next_offset"] is None


@pytest.mark.parametrize("path", ["/v1/payers/import", "/v1/fee-schedule/import", "/v1/billing-profiles/import"])
async def test_an_empty_or_non_utf8_file_is_refused(client, as_role, path):
    headers = {**as_role("biller"), "content-type": "text/csv"}
    assert (await client.post(path, content=b"\xff\xfe\x00", headers=headers)).status_code == 422
    assert (await client.post(path, content=b"", headers=headers)).status_code == 422
