"""Use case: an 835 file arrives (uploaded by a payment poster, or picked up from the clearinghouse drop
directory) and each of its payments is staged, and posted when the tenant allows clean ones to post.

* The raw file is stored; the same bytes again (SHA-256) are a no-op answered with the earlier result.
* Each transaction set (ST..SE) is one payment. One already received (payer, trace number, amount),
  in an earlier file or earlier in this one, is reported as a duplicate and not staged again.
* The file is read as a stream, one claim at a time; a claim that cannot be read is kept as a problem
  of its remittance (with segment and element) and the others go on.
* A file whose envelope or payment headers have errors is refused as a whole (422 listing every
  problem) and nothing is stored.
* Everything happens in one transaction; a dry run does all of it and rolls back, so its answer is
  exactly what receiving the file would do.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from openrcm_shared.db import UnitOfWork, utcnow
from openrcm_shared.problems import Conflict, InvalidInput, NotFound
from openrcm_shared.x12 import X12SyntaxError
from payments_svc.adapters.repository import EraFileRepository, PostingSettingsRepository, RemittanceRepository
from payments_svc.adapters.x12_835 import Reader835, Transaction835, read_835
from payments_svc.application.posting import Stager, post_staged
from payments_svc.application.remittances import same_payment
from payments_svc.domain.era_file import EraFile, content_hash
from payments_svc.domain.remittance import RemitClaim, Remittance, RemittanceSummary

log = logging.getLogger(__name__)

#: Claims per remittance a dry run shows one by one (the counts and totals always cover all of them).
PREVIEW_CLAIMS = 1000


@dataclass(frozen=True)
class ReceiveEraFile:
    tenant_id: str
    actor: str
    content: bytes
    filename: str | None = None
    source: str = "upload"  # "upload" or "drop"
    dry_run: bool = False


@dataclass
class EraFileResult:
    era_file: EraFile
    remittances: dict[uuid.UUID, RemittanceSummary]
    replayed: bool = False
    dry_run: bool = False
    previews: dict[uuid.UUID, list[RemitClaim]] = field(default_factory=dict)


class InvalidEraFile(InvalidInput):
    type_slug = "invalid-x12-835"
    title = "The 835 file has errors"


async def receive_era_file(uow: UnitOfWork, command: ReceiveEraFile) -> EraFileResult:
    files = EraFileRepository(uow.session)
    earlier = await files.find_by_hash(command.tenant_id, content_hash(command.content))
    if earlier is not None:
        return await _result(uow, earlier, replayed=True)
    try:
        reader = read_835(command.content, encoding=_encoding(command.content))
    except X12SyntaxError as exc:
        raise InvalidEraFile("The file is not X12: " + str(exc), errors=[
            {"pointer": "/segments/1", "location": "x12", "segment": 1, "segment_id": "ISA", "element": None,
             "message": str(exc), "code": "error"}]) from None
    era_file = EraFile.receive(tenant_id=command.tenant_id, content=command.content, filename=command.filename,
                               source=command.source, actor=command.actor, received_at=utcnow())
    try:
        await files.add(era_file, command.content)
        created = await _receive_transactions(uow, command, era_file, reader)
    except IntegrityError:
        await uow.rollback()  # a concurrent upload of the same file or payment won
        earlier = await files.find_by_hash(command.tenant_id, era_file.content_sha256)
        if earlier is not None:
            return await _result(uow, earlier, replayed=True)
        raise Conflict("A payment of this file was received concurrently by another request; retry to see it.") \
            from None
    finally:
        reader.close()
    await files.save_outcome(era_file)
    uow.audit(
        tenant_id=command.tenant_id, actor=command.actor, action="create", entity_type="era_file",
        entity_id=era_file.id,
        details={"source": command.source, "transactions": len(era_file.transactions),
                 "remittances": [str(r.id) for r in created],
                 "posted": [str(r.id) for r in created if r.posted_at is not None]},
    )
    result = await _result(uow, era_file, dry_run=command.dry_run)
    if command.dry_run:
        remittances = RemittanceRepository(uow.session)
        for remittance in created:
            result.previews[remittance.id] = await remittances.claims_page(
                command.tenant_id, remittance.id, limit=PREVIEW_CLAIMS, offset=0)
        return result  # not committed: the unit of work rolls everything back
    await uow.commit()
    log.info("835 file received", extra={"era_file_id": str(era_file.id), "tenant_id": command.tenant_id,
                                         "transactions": len(era_file.transactions),
                                         "auto_posted": sum(1 for r in created if r.posted_at is not None)})
    return result


async def _receive_transactions(
    uow: UnitOfWork, command: ReceiveEraFile, era_file: EraFile, reader: Reader835
) -> list[Remittance]:
    remittances = RemittanceRepository(uow.session)
    auto_post = (await PostingSettingsRepository(uow.session).get(command.tenant_id)).auto_post_clean_remits
    errors: list[dict[str, Any]] = []
    created: list[Remittance] = []
    seen: dict[tuple[str, str, Decimal], uuid.UUID] = {}
    for transaction in reader.transactions():
        header = transaction.header
        if header is None or errors:  # the file is refused: only collect every problem from here on
            errors += _errors_of(transaction)
            continue
        key = (header.payer.payer_id, header.payment.trace_number, header.payment.amount)
        duplicate_of = seen.get(key) or await same_payment(remittances, command.tenant_id, header)
        if duplicate_of is not None:
            transaction.drain()
            errors += [p.as_error() for p in transaction.trailer_problems if p.severity == "error"]
            era_file.record_transaction(transaction.index, transaction.control_number, duplicate_of=duplicate_of)
            continue
        remittance = Remittance.receive(
            tenant_id=command.tenant_id, actor=command.actor, header=header, received_at=era_file.received_at,
            source=f"x12-{command.source}", era_file_id=era_file.id, transaction_index=transaction.index,
            keep_claims=False,
        )
        seen[key] = remittance.id
        await remittances.add_header(remittance)
        stager = Stager(uow, remittance)
        for parsed in transaction.claims():
            if parsed.claim is None:
                remittance.note_unreadable_claim(p.as_error() for p in parsed.problems)
            else:
                remittance.problems.extend(p.as_error() for p in parsed.problems)  # warnings: the claim is kept
                await stager.add(parsed.sequence, parsed.claim)
        await stager.flush()
        errors += [p.as_error() for p in transaction.trailer_problems if p.severity == "error"]
        remittance.close(transaction.provider_adjustments, [p.as_error() for p in transaction.problems])
        await remittances.add_provider_adjustments(remittance)
        if auto_post and remittance.clean:
            await post_staged(uow, remittance, actor=f"auto-post:{command.actor}", at=utcnow())
        else:
            await remittances.save_header(remittance)
        era_file.record_transaction(transaction.index, transaction.control_number, remittance_id=remittance.id)
        created.append(remittance)
    errors += [p.as_error() for p in reader.problems if p.severity == "error"]
    if errors:
        raise InvalidEraFile(f"{len(errors)} problem(s) in the 835 file; see `errors`. Nothing was stored.",
                             errors=errors)
    era_file.problems = [p.as_error() for p in reader.problems]
    return created


def _errors_of(transaction: Transaction835) -> list[dict[str, Any]]:
    found = [p.as_error() for p in transaction.header_problems if p.severity == "error"]
    for parsed in transaction.claims():
        found += [p.as_error() for p in parsed.errors]
    return found + [p.as_error() for p in transaction.trailer_problems if p.severity == "error"]


def _encoding(content: bytes) -> str:
    """UTF-8 when the bytes are UTF-8 (ASCII included); otherwise Latin-1, which reads any byte."""
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


async def get_era_file(uow: UnitOfWork, *, tenant_id: str, era_file_id: uuid.UUID) -> EraFileResult:
    era_file = await EraFileRepository(uow.session).get(tenant_id, era_file_id)
    if era_file is None:
        raise NotFound("No 835 file with that id.")
    return await _result(uow, era_file)


async def _result(uow: UnitOfWork, era_file: EraFile, *, replayed: bool = False, dry_run: bool = False) -> EraFileResult:
    ids = [uuid.UUID(t["remittance_id"]) for t in era_file.transactions if t["remittance_id"]]
    summaries = await RemittanceRepository(uow.session).list_summaries(era_file.tenant_id, limit=len(ids) or 1,
                                                                        offset=0, ids=ids)
    return EraFileResult(era_file, {s.id: s for s in summaries}, replayed=replayed, dry_run=dry_run)
