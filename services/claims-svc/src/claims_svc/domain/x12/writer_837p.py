"""The 837P (005010X222A1) writer: a batch of claims in, one interchange out. Pure: no I/O, no clock.

Layout of each transaction set (loop ids of the TR3)::

    ST  BHT  1000A NM1*41 PER  1000B NM1*40
    2000A HL*20  PRV*BI  2010AA NM1*85 N3 N4 REF*EI  [2010AB NM1*87 N3 N4]
      2000B HL*22  SBR  2010BA NM1*IL [N3 N4 DMG]  2010BB NM1*PR [N3 N4]
        [2000C HL*23  PAT  2010CA NM1*QC N3 N4 DMG]
          2300 CLM [REF*G1] [REF*F8] HI  [2310A NM1*DN]  [2310B NM1*82 PRV*PE]
            [2320 SBR CAS AMT*D AMT*EAF OI  2330A NM1*IL [N3 N4]  2330B NM1*PR [DTP*573] [REF*F8]]
            2400 LX SV1 DTP*472 [REF*6R]  [2430 SVD CAS DTP*573]
    SE

Equal billing providers, subscriber/payer pairs and patients share one HL loop. A batch of more
than :data:`MAX_CLAIMS_PER_TRANSACTION` claims is split into several transaction sets in one group.
The builder checks what the TR3 requires of the data (totals, pointers, COB balancing, REF*F8 for
replacements and voids) and raises :class:`Claim837Error` naming the claim by its CLM01.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal

from openrcm_shared.x12.values import d8, decimal_text, hhmm, money
from claims_svc.domain.x12.model_837p import (
    Address, Adjustment, Batch, BillingProvider, Claim, OtherPayer, Patient, Payer, PersonName, ServiceLine, Subscriber,
)
from openrcm_shared.x12 import (
    DEFAULT_SEPARATORS, EnvelopeNumbers, GroupHeader, InterchangeWriter, SegmentWriter, Separators,
)

IMPLEMENTATION = "005010X222A1"
#: The TR3 recommends at most 5,000 CLM segments per transaction set.
MAX_CLAIMS_PER_TRANSACTION = 5000
MAX_DIAGNOSES = 12
MAX_LINES = 50
MAX_POINTERS = 4
MAX_MODIFIERS = 4
MAX_OTHER_PAYERS = 10
MAX_REASONS_PER_CAS = 6
_REPLACEMENT_OR_VOID = frozenset({"7", "8"})


class Claim837Error(ValueError):
    """A claim cannot be written as a valid 837P."""

    def __init__(self, patient_control_number: str, problem: str) -> None:
        super().__init__(f"claim {patient_control_number}: {problem}")
        self.patient_control_number = patient_control_number
        self.problem = problem


def transaction_sets_needed(claim_count: int) -> int:
    """How many ST/SE sets a batch of ``claim_count`` claims takes (allocate that many ST control numbers)."""
    return max(1, -(-claim_count // MAX_CLAIMS_PER_TRANSACTION))


def build_837p(batch: Batch, numbers: EnvelopeNumbers, *, created_at: datetime,
               separators: Separators = DEFAULT_SEPARATORS, line_break: bool = False) -> str:
    """The interchange for ``batch``, stamped ``created_at`` in ISA, GS and BHT.

    ``numbers.transactions`` needs :func:`transaction_sets_needed` numbers. ``line_break`` puts a
    newline after each segment terminator, for people reading the file.
    """
    claims = batch.claims
    if not claims:
        raise ValueError("a batch needs at least one claim")
    chunks = [claims[start:start + MAX_CLAIMS_PER_TRANSACTION]
              for start in range(0, len(claims), MAX_CLAIMS_PER_TRANSACTION)]
    if len(numbers.transactions) != len(chunks):
        raise ValueError(f"{len(claims)} claims take {len(chunks)} transaction set(s); "
                         f"{len(numbers.transactions)} control number(s) were given")
    interchange = InterchangeWriter(batch.interchange, numbers.interchange, created_at, separators=separators,
                                    line_break=line_break)
    interchange.begin_group(
        GroupHeader("HC", batch.application_sender_code, batch.application_receiver_code, IMPLEMENTATION),
        numbers.group,
    )
    for st02, chunk in zip(numbers.transactions, chunks):
        interchange.begin_transaction("837", st02, IMPLEMENTATION)
        reference = batch.reference if len(chunks) == 1 else f"{batch.reference}-{st02}"
        _TransactionSet(interchange.segments).write(batch, chunk, reference, created_at)
        interchange.end_transaction()
    interchange.end_group()
    return interchange.finish()


SubscriberKey = tuple[Subscriber, Payer, bool]
Hierarchy = dict[BillingProvider, dict[SubscriberKey, dict[Patient | None, list[Claim]]]]


def _hierarchy(claims: Sequence[Claim]) -> Hierarchy:
    """Claims grouped billing provider -> (subscriber, payer, is the patient) -> patient, in first-seen order.

    A subscriber who is the patient on some claims and not on others gets two 2000B loops, so no
    2000B holds both claims and 2000C children.
    """
    tree: Hierarchy = {}
    for claim in claims:
        subscribers = tree.get(claim.billing_provider)
        if subscribers is None:
            subscribers = tree[claim.billing_provider] = {}
        key = (claim.subscriber, claim.payer, claim.patient is None)
        patients = subscribers.get(key)
        if patients is None:
            patients = subscribers[key] = {}
        same_patient = patients.get(claim.patient)
        if same_patient is None:
            patients[claim.patient] = [claim]
        else:
            same_patient.append(claim)
    return tree


class _TransactionSet:
    """The body of one ST/SE: everything between them."""

    __slots__ = ("add", "add_composite", "hl")

    def __init__(self, segments: SegmentWriter) -> None:
        self.add = segments.add
        self.add_composite = segments.add_composite
        self.hl = 0

    def _next_hl(self) -> int:
        self.hl += 1
        return self.hl

    def write(self, batch: Batch, claims: Sequence[Claim], reference: str, created_at: datetime) -> None:
        add = self.add
        submitter, receiver = batch.submitter, batch.receiver
        add("BHT", "0019", "00", reference, d8(created_at.date()), hhmm(created_at), "CH")
        add("NM1", "41", "2", submitter.name.upper(), "", "", "", "", "46", submitter.id)
        add("PER", "IC", submitter.contact_name.upper(), "TE", submitter.phone,
            *(("EM", submitter.email) if submitter.email else ()))
        add("NM1", "40", "2", receiver.name.upper(), "", "", "", "", "46", receiver.id)
        for provider, subscribers in _hierarchy(claims).items():
            provider_hl = self._billing_provider(provider)
            for (subscriber, payer, is_patient), patients in subscribers.items():
                subscriber_hl = self._next_hl()
                add("HL", str(subscriber_hl), str(provider_hl), "22", "0" if is_patient else "1")
                self._subscriber(subscriber, payer, is_patient)
                for patient, patient_claims in patients.items():
                    if patient is not None:
                        add("HL", str(self._next_hl()), str(subscriber_hl), "23", "0")
                        add("PAT", patient.relationship)
                        self._person("QC", patient.name, "", "")
                        self._address(patient.address)
                        add("DMG", "D8", d8(patient.date_of_birth), patient.sex)
                    for claim in patient_claims:
                        self._claim(claim)

    # ------------------------------------------------------------ parties
    def _person(self, entity: str, name: PersonName, id_qualifier: str, id_value: str) -> None:
        self.add("NM1", entity, "1", name.last.upper(), name.first.upper(), name.middle.upper(), "",
                 name.suffix.upper(), id_qualifier, id_value)

    def _organization(self, entity: str, name: str, id_qualifier: str, id_value: str) -> None:
        self.add("NM1", entity, "2", name.upper(), "", "", "", "", id_qualifier, id_value)

    def _address(self, address: Address | None) -> None:
        if address is not None:
            self.add("N3", address.line1.upper(), address.line2.upper())
            self.add("N4", address.city.upper(), address.state, address.postal_code)

    def _billing_provider(self, provider: BillingProvider) -> int:
        add = self.add
        hl = self._next_hl()
        add("HL", str(hl), "", "20", "1")
        if provider.taxonomy:
            add("PRV", "BI", "PXC", provider.taxonomy)
        if provider.person_name is not None:
            self._person("85", provider.person_name, "XX", provider.npi)
        else:
            self._organization("85", provider.organization_name, "XX", provider.npi)
        self._address(provider.address)
        add("REF", provider.tax_id_qualifier, provider.tax_id)
        if provider.pay_to_address is not None:
            add("NM1", "87", "2")
            self._address(provider.pay_to_address)
        return hl

    def _subscriber(self, subscriber: Subscriber, payer: Payer, is_patient: bool) -> None:
        add = self.add
        add("SBR", subscriber.payer_responsibility, "18" if is_patient else "", subscriber.group_number,
            subscriber.group_name, subscriber.insurance_type_code, "", "", "", subscriber.claim_filing_indicator)
        self._person("IL", subscriber.name, "MI", subscriber.member_id)
        self._address(subscriber.address)
        if subscriber.date_of_birth is not None:
            add("DMG", "D8", d8(subscriber.date_of_birth), subscriber.sex)
        self._organization("PR", payer.name, "PI", payer.payer_id)
        self._address(payer.address)

    # ------------------------------------------------------------ claim
    def _claim(self, claim: Claim) -> None:
        add = self.add
        pcn = claim.patient_control_number
        diagnoses = claim.diagnoses
        _check_claim(claim)
        self.add_composite(
            "CLM", pcn, money(claim.total_charge), "", "", (claim.place_of_service, "B", claim.frequency_code),
            claim.provider_signature, claim.assignment, claim.benefits_assignment, claim.release_of_information)
        if claim.prior_authorization:
            add("REF", "G1", claim.prior_authorization)
        if claim.payer_claim_control_number:
            add("REF", "F8", claim.payer_claim_control_number)
        self.add_composite("HI", ("ABK", diagnoses[0].replace(".", "")),
                           *[("ABF", code.replace(".", "")) for code in diagnoses[1:]])
        if claim.referring_provider is not None:
            self._person("DN", claim.referring_provider.name, "XX", claim.referring_provider.npi)
        rendering = claim.rendering_provider
        if rendering is not None:
            self._person("82", rendering.name, "XX", rendering.npi)
            if rendering.taxonomy:
                add("PRV", "PE", "PXC", rendering.taxonomy)
        for other in claim.other_payers:
            self._other_payer(claim, other)
        for number, line in enumerate(claim.lines, start=1):
            self._line(claim, number, line)

    def _other_payer(self, claim: Claim, other: OtherPayer) -> None:
        add = self.add
        add("SBR", other.responsibility, other.relationship, other.group_number, "", other.insurance_type_code,
            "", "", "", other.claim_filing_indicator)
        self._adjustments(other.claim_adjustments)
        if other.paid_amount is not None:
            add("AMT", "D", money(other.paid_amount))
        if other.remaining_patient_liability is not None:
            add("AMT", "EAF", money(other.remaining_patient_liability))
        add("OI", "", "", other.benefits_assignment, "", "", other.release_of_information)
        self._person("IL", other.subscriber_name, "MI", other.subscriber_member_id)
        self._address(other.subscriber_address)
        self._organization("PR", other.payer.name, "PI", other.payer.payer_id)
        self._address(other.payer.address)
        payer_id = other.payer.payer_id
        lines_adjudicated = any(a.payer_id == payer_id for line in claim.lines for a in line.adjudications)
        if other.adjudication_date is not None and not lines_adjudicated:
            add("DTP", "573", "D8", d8(other.adjudication_date))
        if other.payer_claim_control_number:
            add("REF", "F8", other.payer_claim_control_number)

    def _adjustments(self, adjustments: tuple[Adjustment, ...]) -> None:
        """One CAS per group code, in first-seen order, up to six reason/amount/quantity triplets each."""
        by_group: dict[str, list[str]] = {}
        for adjustment in adjustments:
            triplets = by_group.setdefault(adjustment.group, [])
            triplets += (adjustment.reason_code, money(adjustment.amount),
                         "" if adjustment.quantity is None else decimal_text(adjustment.quantity))
        for group, triplets in by_group.items():
            self.add("CAS", group, *triplets)

    def _line(self, claim: Claim, number: int, line: ServiceLine) -> None:
        add = self.add
        procedure = ("HC", line.procedure_code, *line.modifiers)
        place = line.place_of_service if line.place_of_service != claim.place_of_service else ""
        add("LX", str(number))
        self.add_composite("SV1", procedure, money(line.charge), line.unit_basis, decimal_text(line.units), place, "",
            tuple([str(pointer) for pointer in line.diagnosis_pointers]))
        if line.service_date_to is None or line.service_date_to == line.service_date:
            add("DTP", "472", "D8", d8(line.service_date))
        else:
            add("DTP", "472", "RD8", f"{d8(line.service_date)}-{d8(line.service_date_to)}")
        if line.line_control_number:
            add("REF", "6R", line.line_control_number)
        for adjudication in line.adjudications:
            self.add_composite("SVD", adjudication.payer_id, money(adjudication.paid_amount),
                               ("HC", adjudication.procedure_code, *adjudication.modifiers), "",
                               decimal_text(adjudication.paid_units))
            self._adjustments(adjudication.adjustments)
            add("DTP", "573", "D8", d8(adjudication.adjudication_date))


# ---------------------------------------------------------------- what the TR3 requires of the data
def _check_claim(claim: Claim) -> None:
    pcn = claim.patient_control_number

    def fail(problem: str) -> None:
        raise Claim837Error(pcn, problem)

    if not 1 <= len(claim.diagnoses) <= MAX_DIAGNOSES:
        fail(f"a claim has 1 to {MAX_DIAGNOSES} diagnoses, not {len(claim.diagnoses)}")
    if not 1 <= len(claim.lines) <= MAX_LINES:
        fail(f"a claim has 1 to {MAX_LINES} service lines, not {len(claim.lines)}")
    if claim.frequency_code in _REPLACEMENT_OR_VOID and not claim.payer_claim_control_number:
        fail(f"frequency {claim.frequency_code} (replacement or void) needs the payer's claim control number (REF*F8)")
    provider = claim.billing_provider
    if len(provider.address.postal_code) != 9 or not provider.address.postal_code.isdigit():
        fail("the billing provider's ZIP code needs 9 digits, ZIP+4 (2010AA N403)")
    if len(provider.tax_id) != 9 or not provider.tax_id.isdigit():
        fail("the billing provider's tax id (REF*EI or SY) needs 9 digits, no dash")
    if claim.patient is None and (claim.subscriber.date_of_birth is None or claim.subscriber.sex is None
                                  or claim.subscriber.address is None):
        fail("the subscriber is the patient, so their address, date of birth and sex are required")
    diagnosis_count = len(claim.diagnoses)
    total = Decimal(0)
    for number, line in enumerate(claim.lines, start=1):
        total += line.charge
        pointers = line.diagnosis_pointers
        if not 1 <= len(pointers) <= MAX_POINTERS or not all(1 <= p <= diagnosis_count for p in pointers):
            fail(f"line {number}: 1 to {MAX_POINTERS} diagnosis pointers, each to one of the claim's "
                 f"{diagnosis_count} diagnoses")
        if len(line.modifiers) > MAX_MODIFIERS:
            fail(f"line {number}: at most {MAX_MODIFIERS} modifiers")
    if total != claim.total_charge:
        fail("the total charge (CLM02) is not the sum of the line charges (SV102)")
    if claim.other_payers:
        _check_other_payers(claim, fail)


def _check_other_payers(claim: Claim, fail: Callable[[str], None]) -> None:
    if len(claim.other_payers) > MAX_OTHER_PAYERS:
        fail(f"at most {MAX_OTHER_PAYERS} other payers")
    payer_ids = {other.payer.payer_id for other in claim.other_payers}
    for number, line in enumerate(claim.lines, start=1):
        for adjudication in line.adjudications:
            if adjudication.payer_id not in payer_ids:
                fail(f"line {number}: the adjudicating payer (SVD01) is none of the claim's other payers (2330B)")
    for other in claim.other_payers:
        _check_adjustment_groups(other.claim_adjustments, fail)
        if other.paid_amount is None:
            continue  # not adjudicated yet: nothing to balance
        payer_id = other.payer.payer_id
        accounted = other.paid_amount + sum((a.amount for a in other.claim_adjustments), Decimal(0))
        for number, line in enumerate(claim.lines, start=1):
            mine = [a for a in line.adjudications if a.payer_id == payer_id]
            if not mine:
                continue
            line_adjustments = Decimal(0)
            for adjudication in mine:
                _check_adjustment_groups(adjudication.adjustments, fail)
                line_adjustments += sum((a.amount for a in adjudication.adjustments), Decimal(0))
            accounted += line_adjustments
            if sum((a.paid_amount for a in mine), Decimal(0)) + line_adjustments != line.charge:
                fail(f"line {number}: paid (SVD02) plus adjustments (CAS) of payer {payer_id} "
                     f"do not equal the line charge (SV102)")
        if accounted != claim.total_charge:
            fail(f"payer {payer_id}: paid (AMT*D) plus claim and line adjustments (CAS) "
                 f"do not equal the total charge (CLM02)")


def _check_adjustment_groups(adjustments: tuple[Adjustment, ...], fail: Callable[[str], None]) -> None:
    counts: dict[str, int] = {}
    for adjustment in adjustments:
        counts[adjustment.group] = counts.get(adjustment.group, 0) + 1
        if counts[adjustment.group] > MAX_REASONS_PER_CAS:
            fail(f"at most {MAX_REASONS_PER_CAS} adjustments of group {adjustment.group} per CAS")
