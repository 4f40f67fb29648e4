"""The practice's procedure catalog: CSV import, all or nothing, tenant-scoped."""

from __future__ import annotations

from openrcm_devtools.pytest_plugin import auth_headers

ADMIN = auth_headers("practice_admin", subject="admin")
CODER = auth_headers("coder", subject="ann")
OTHER_ADMIN = auth_headers("practice_admin", tenants=("tenant-b",), subject="admin-b")
CSV = {"Content-Type": "text/csv"}

GOOD = """procedure_code,modifier,description,default_charge,active
99213,,Office visit, established, level 3,125.00,true
93000,,ECG with report,60.00,true
93000,26,ECG interpretation only,25.00,true
J1100,,Dexamethasone injection 1 mg,8.50,false
""".replace("Office visit, established, level 3", '"Office visit, established, level 3"')


async def test_a_catalog_imports_and_lists_by_code_prefix(client):
    response = await client.put("/v1/procedure-catalog", content=GOOD, headers={**ADMIN, **CSV})
    assert response.status_code == 200, response.text
    assert response.json() == {"entries": 4}
    listed = (await client.get("/v1/procedure-catalog?code=930", headers=CODER)).json()["items"]
    assert [(e["procedure_code"], e["modifier"], e["default_charge"]) for e in listed] == [
        ("93000", None, "60.00"), ("93000", "26", "25.00"),
    ]
    assert (await client.get("/v1/procedure-catalog?active=false", headers=CODER)).json()["items"][0]["procedure_code"] == "J1100"
    assert (await client.get("/v1/procedure-catalog", headers=OTHER_ADMIN)).json()["items"] == []


async def test_a_bad_file_lists_every_bad_line_and_keeps_the_old_catalog(client):
    await client.put("/v1/procedure-catalog", content=GOOD, headers={**ADMIN, **CSV})
    bad = "procedure_code,modifier,description,default_charge,active\n9921,,Bad code,10.00,true\n99214,ZZ9,Bad modifier,-5,true\n"
    response = await client.put("/v1/procedure-catalog", content=bad, headers={**ADMIN, **CSV})
    assert response.status_code == 422, response.text
    lines = {e["pointer"] for e in response.json()["errors"]}
    assert {"/line/2", "/line/3"} <= lines
    assert len((await client.get("/v1/procedure-catalog", headers=CODER)).json()["items"]) == 4


async def test_only_a_practice_admin_imports_and_an_empty_body_is_422(client):
    assert (await client.put("/v1/procedure-catalog", content=GOOD, headers={**CODER, **CSV})).status_code == 403
    assert (await client.put("/v1/procedure-catalog", content="", headers={**ADMIN, **CSV})).status_code == 422
