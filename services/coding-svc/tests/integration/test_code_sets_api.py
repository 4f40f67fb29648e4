"""GET /v1/code-sets/icd10cm: search and look-up, through the running app (loaded at start-up)."""

from __future__ import annotations

import pytest

from coding_svc.adapters.icd10cm_loader import icd10cm_loaded
from openrcm_devtools.pytest_plugin import auth_headers

CODER = auth_headers("coder")


async def test_the_code_set_is_loaded_at_start_up(client):
    assert icd10cm_loaded()


async def test_search_by_code_prefix(client):
    response = await client.get("/v1/code-sets/icd10cm", params={"q": "e11.6", "limit": 3}, headers=CODER)
    assert response.status_code == 200, response.text
    page = response.json()
    assert [item["code"] for item in page["items"]] == ["E11.6", "E11.61", "E11.62"]
    assert (page["limit"], page["offset"], page["next_offset"]) == (3, 0, 3)
    first = page["items"][0]
    assert first["billable"] is False and first["header"] is True
    assert {"kind": "excludes1", "text": "type 1 diabetes mellitus (E10.-)", "source": "E11"} in first["notes"]


async def test_search_by_words(client):
    response = await client.get(
        "/v1/code-sets/icd10cm", params={"q": "diabetes kidney"}, headers=auth_headers("biller"),
    )
    assert response.status_code == 200
    items = response.json()["items"]
    assert items and all("kidney" in item["description"].lower() for item in items)
    assert items[0]["billable"] is True
    assert response.json()["next_offset"] is None  # 15 matches, under the default limit of 20


async def test_look_up_a_code_with_its_7th_characters(client):
    response = await client.get("/v1/code-sets/icd10cm/s52.501", headers=auth_headers("coding_auditor"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["code"], body["billable"], body["seventh_character_required"]) == ("S52.501", False, True)
    assert body["version"].startswith("FY2026")
    assert {"character": "A", "meaning": "initial encounter for closed fracture"} in body["seventh_characters"]
    assert body["more_specific"][0] == {
        "code": "S52.501A", "billable": True,
        "description": "Unspecified fracture of the lower end of right radius, initial encounter for closed fracture",
    }


async def test_look_up_a_billable_and_a_manifestation_code(client):
    billable = (await client.get("/v1/code-sets/icd10cm/E119", headers=auth_headers("ehr_integration"))).json()
    assert (billable["code"], billable["billable"], billable["more_specific"]) == ("E11.9", True, [])
    manifestation = (await client.get("/v1/code-sets/icd10cm/G63", headers=auth_headers("practice_admin"))).json()
    assert manifestation["sequencing"] == "manifestation"


async def test_an_unknown_code_is_404_problem(client):
    response = await client.get("/v1/code-sets/icd10cm/Q99.99", headers=CODER)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/not-found")


@pytest.mark.parametrize("params", [{"q": "   "}, {"q": ""}, {}, {"q": "E11", "limit": 101}, {"q": "E11", "limit": 0}])
async def test_a_blank_query_or_a_bad_limit_is_422_problem(client, params):
    response = await client.get("/v1/code-sets/icd10cm", params=params, headers=CODER)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_without_a_token_401_and_with_another_role_403(client):
    assert (await client.get("/v1/code-sets/icd10cm", params={"q": "E11"})).status_code == 401
    assert (await client.get("/v1/code-sets/icd10cm/E119")).status_code == 401
    denied = await client.get("/v1/code-sets/icd10cm/E119", headers=auth_headers("payment_poster"))
    assert denied.status_code == 403
