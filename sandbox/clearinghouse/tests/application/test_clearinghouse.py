"""The sandbox's use cases end to end in process: receive, 999, front end, 277CA, adjudication, payment runs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from claims_svc.domain.x12.acknowledgments import parse_277ca, parse_999
from openrcm_sandbox.application.clearinghouse import BadInterchange, IdempotencyConflict, SandboxError
from payments_svc.adapters.x12_835 import parse_835
from payments_svc.domain.balancing import claim_balance_problems, payment_balances


def mixed_batch(x837, reference: str = "BATCH0001"):
    """Accepted (paid), rejected (unknown member) and accepted (a bundled line denied) claims."""
    return x837.build(x837.batch(
        x837.claim("PCN-OK"),
        x837.claim("PCN-NOBODY", subscriber=x837.subscriber("NOT-A-MEMBER")),
        x837.claim("PCN-BUNDLE", lines=(x837.line("99213", "125.00", line_control_number="B-1"),
                                        x837.line("36415", "10.00", line_control_number="B-2"))),
        reference=reference))


async def test_a_batch_is_answered_by_999_and_277ca_and_its_claims_adjudicated(make_sandbox, x837) -> None:
    sandbox = make_sandbox()
    receipt = await sandbox.receive("tenant-a", mixed_batch(x837), file_name="b1.x12", idempotency_key="k-1")
    assert (receipt.acknowledgment, receipt.claims, receipt.accepted, receipt.rejected) == ("A", 3, 2, 1)
    assert receipt.received_on == date(2026, 12, 1)  # the contract file's business date
    first, second = await sandbox.responses()
    assert (first.kind, second.kind) == ("999", "277CA") and first.tenant_id == "tenant-a"
    (ack,) = parse_999(first.content)
    assert ack.code == "A"
    statuses = {a.patient_control_number: a for a in parse_277ca(second.content)}
    assert [s.code for s in statuses["PCN-OK"].statuses] == ["A2:20:PR"]
    assert statuses["PCN-OK"].payer_claim_control_number.startswith("SBX01")
    assert [s.code for s in statuses["PCN-NOBODY"].statuses] == ["A7:33:IL"]
    claims = {c.claim.patient_control_number: c for c in await sandbox.claims()}
    assert claims["PCN-NOBODY"].status == "rejected"
    assert claims["PCN-OK"].status == "adjudicated"
    assert claims["PCN-OK"].as_dict()["payer_claim_number"] == statuses["PCN-OK"].payer_claim_control_number
    assert [c.claim.patient_control_number for c in await sandbox.claims(status="adjudicated")] == [
        "PCN-OK", "PCN-BUNDLE"]
    assert await sandbox.claims(tenant_id="tenant-b") == []
    with pytest.raises(SandboxError):
        await sandbox.claims(status="lost")


async def test_the_same_file_is_received_once(make_sandbox, x837) -> None:
    sandbox = make_sandbox()
    content = mixed_batch(x837)
    first = await sandbox.receive("tenant-a", content, file_name="b1.x12", idempotency_key="k-1")
    again = await sandbox.receive("tenant-a", content, file_name="b1.x12", idempotency_key="k-1")
    by_name = await sandbox.receive("tenant-a", content, file_name="b1.x12")  # e.g. the file dropped again
    assert again.id == by_name.id == first.id and again.duplicate and not first.duplicate
    assert len(await sandbox.responses()) == 2
    assert len(await sandbox.claims()) == 3
    with pytest.raises(IdempotencyConflict):
        await sandbox.receive("tenant-a", mixed_batch(x837, "OTHER"), file_name="b1.x12", idempotency_key="k-1")
    other_tenant = await sandbox.receive("tenant-b", content, file_name="b1.x12", idempotency_key="k-1")
    assert other_tenant.id != first.id  # keys are scoped to the tenant


async def test_a_rejected_set_gets_a_999_and_nothing_else(make_sandbox, x837) -> None:
    sandbox = make_sandbox()
    broken = mixed_batch(x837).replace("CLM*PCN-OK*125*", "CLM*PCN-OK*1X5*")
    receipt = await sandbox.receive("tenant-a", broken, file_name="bad.x12")
    assert receipt.acknowledgment == "R" and receipt.claims == 0
    (only,) = await sandbox.responses()
    assert only.kind == "999" and parse_999(only.content)[0].sets[0].claims_named == ["PCN-OK"]
    assert await sandbox.claims() == []


async def test_text_that_is_not_x12_is_refused_and_nothing_is_remembered(make_sandbox) -> None:
    sandbox = make_sandbox()
    with pytest.raises(BadInterchange):
        await sandbox.receive("tenant-a", "hello", file_name="x.x12", idempotency_key="k")
    with pytest.raises(SandboxError) as refused:
        await sandbox.receive("../etc", "ISA", file_name="x.x12")
    assert "tenant id" in refused.value.errors[0]
    assert await sandbox.responses() == []


async def test_payment_run_writes_balanced_835_files_into_the_era_directory(make_sandbox, x837, tmp_path) -> None:
    sandbox = make_sandbox()
    await sandbox.receive("tenant-a", mixed_batch(x837), file_name="b1.x12")
    medicaid = x837.claim("PCN-MCD", subscriber=x837.subscriber("SBX200001"),
                          payer=x837.claim().payer.__class__("Sandbox State Medicaid", "SBX02"))
    await sandbox.receive("tenant-b", x837.build(x837.batch(medicaid)), file_name="m1.x12")
    files = await sandbox.run_payments()
    assert [(f.tenant_id, f.payer_id, f.claims) for f in files] == [("tenant-a", "SBX01", 2), ("tenant-b", "SBX02", 1)]
    for era in files:
        assert era.path.parent == tmp_path / "one" / "era" / era.tenant_id
        assert not [p for p in era.path.parent.iterdir() if p.name.startswith(".")]  # no part file left behind
        parsed = parse_835(era.path.read_text())
        assert parsed.errors == []
        (document,) = parsed.documents
        assert payment_balances(document) and all(claim_balance_problems(c) == [] for c in document.claims)
        assert document.payment.amount == era.total_paid
    sbx01 = parse_835(files[0].path.read_text()).documents[0]
    assert [p.reason_code for p in sbx01.provider_adjustments] == ["WO"]
    assert sbx01.payment.method == "ACH"
    assert parse_835(files[1].path.read_text()).documents[0].payment.method == "CHK"
    assert {c.status for c in await sandbox.claims() if c.status != "rejected"} == {"paid"}
    assert await sandbox.run_payments() == []  # nothing adjudicated since


async def test_an_835_that_cannot_be_written_waits_for_the_next_run(make_sandbox, x837, tmp_path) -> None:
    sandbox = make_sandbox()
    await sandbox.receive("tenant-a", mixed_batch(x837), file_name="b1.x12")
    blocker = tmp_path / "one" / "era" / "tenant-a"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a directory")  # the tenant's ERA folder cannot be created
    assert await sandbox.run_payments() == []
    assert {c.status for c in await sandbox.claims() if c.status != "rejected"} == {"adjudicated"}
    blocker.unlink()
    (era,) = await sandbox.run_payments()  # the same 835, built once, written now
    assert (era.tenant_id, era.claims) == ("tenant-a", 2)
    assert {c.status for c in await sandbox.claims() if c.status != "rejected"} == {"paid"}
    assert await sandbox.run_payments() == []


async def test_a_replacement_reverses_the_original_in_the_next_835(make_sandbox, x837) -> None:
    sandbox = make_sandbox()
    await sandbox.receive("tenant-a", x837.build(x837.batch(x837.claim("PCN-R"))), file_name="r1.x12")
    (_, claim_ack) = await sandbox.responses()
    (status,) = parse_277ca(claim_ack.content)
    (first_run,) = await sandbox.run_payments()
    replacement = x837.claim("PCN-R", frequency_code="7",
                             payer_claim_control_number=status.payer_claim_control_number,
                             lines=(x837.line("99214", "160.00", line_control_number="PCN-R-1"),))
    await sandbox.receive("tenant-a", x837.build(x837.batch(replacement, reference="BATCH0002")), file_name="r2.x12")
    (second_run,) = await sandbox.run_payments()
    (document,) = parse_835(second_run.path.read_text()).documents
    assert [(c.status_code, c.payer_claim_control_number == status.payer_claim_control_number)
            for c in document.claims] == [("22", True), ("1", False)]
    original = parse_835(first_run.path.read_text()).documents[0].claims[0]
    assert document.claims[0].total_paid == -original.total_paid
    assert payment_balances(document)


async def test_accumulators_move_with_adjudication(make_sandbox, x837) -> None:
    sandbox = make_sandbox()
    before = await sandbox.accumulators("SBX01", "SBX100003")
    member = x837.subscriber("SBX100003")
    await sandbox.receive("tenant-a", x837.build(x837.batch(x837.claim("PCN-D", subscriber=member))), file_name="d.x12")
    after = await sandbox.accumulators("SBX01", "SBX100003", 2026)
    assert before.deductible_met == Decimal("0") and after.deductible_met > before.deductible_met
    with pytest.raises(SandboxError):
        await sandbox.accumulators("SBX01", "NOBODY")


async def test_same_inputs_and_seed_give_byte_identical_files(make_sandbox, x837) -> None:
    async def session(name: str, seed: int | None = None) -> dict[str, str]:
        sandbox = make_sandbox(name, seed=seed)
        await sandbox.receive("tenant-a", mixed_batch(x837), file_name="b1.x12", idempotency_key="k-1")
        await sandbox.receive("tenant-a", x837.build(x837.batch(x837.claim("PCN-2"), reference="B2")),
                              file_name="b2.x12")
        outputs = {f"{r.kind}:{r.file_name}": r.content for r in await sandbox.responses()}
        outputs.update({f"835:{f.file_name}": f.path.read_text() for f in await sandbox.run_payments()})
        return outputs

    first, second = await session("first"), await session("second")
    assert len(first) == 5 and first == second
    other_seed = await session("third", seed=7)
    assert other_seed.keys() != first.keys() or other_seed != first


async def test_logs_hold_no_patient_data(make_sandbox, x837, caplog) -> None:
    sandbox = make_sandbox()
    caplog.set_level("DEBUG")
    broken = mixed_batch(x837).replace("DMG*D8*19700102", "DMG*D8*19701302")  # pyx12 finds a bad birth date
    await sandbox.receive("tenant-a", broken, file_name="b1.x12")
    await sandbox.receive("tenant-a", mixed_batch(x837, "B2"), file_name="b2.x12")
    await sandbox.run_payments()
    logged = " ".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "batch received" in logged and "payment run" in logged
    for phi in ("DOE", "JANE", "SBX100001", "19700102", "19701302", "NOT-A-MEMBER"):
        assert phi not in logged.upper()
