"""Why a 999 or 277CA rejected a claim, in plain English, with the fix. Pure domain code.

The descriptions are our own short wording of the X12 code lists (277CA claim status category
codes, claim status codes and entity identifier codes; 999 IK3/IK4/IK5 syntax error codes), for the
codes clearinghouses and payers send most. An unlisted code is still reported, by its number.
"""

from __future__ import annotations

from dataclasses import dataclass

from claims_svc.domain.x12.acknowledgments import ClaimAcknowledgment, SetAcknowledgment, StatusCode

#: 277CA STC01-1: what kind of answer it is.
CATEGORIES = {
    "A0": "forwarded to another entity", "A1": "received, not yet accepted",
    "A2": "accepted into the payer's adjudication system", "A3": "returned as unprocessable",
    "A4": "not found", "A5": "split by the payer", "A6": "rejected for missing information",
    "A7": "rejected for invalid information", "A8": "rejected for a relational field in error",
    "E0": "rejected: the submitted data has errors", "E1": "not processed: the system was unavailable",
    "E2": "not processed: the information holder did not answer",
    "E3": "rejected: fields that must agree with each other do not", "E4": "rejected: a trading partner requirement was not met",
}
ACCEPTED = frozenset({"A2", "A5"})
REJECTED = frozenset({"A3", "A4", "A6", "A7", "A8", "E0", "E3", "E4"})

#: Entity identifier codes (STC01-3): whose data is wrong, and where the biller corrects it.
ENTITIES = {
    "85": ("the billing provider", "the billing provider profile (/v1/billing-profiles)"),
    "87": ("the pay-to provider", "the billing provider profile's pay-to address (/v1/billing-profiles)"),
    "82": ("the rendering provider", "the rendering provider in the EHR (then release the encounter again)"),
    "DN": ("the referring provider", "the referring provider in the EHR (then release the encounter again)"),
    "DK": ("the ordering provider", "the ordering provider in the EHR"),
    "DQ": ("the supervising provider", "the supervising provider in the EHR"),
    "71": ("the attending provider", "the attending provider in the EHR"),
    "77": ("the service location", "the place of service or facility in the EHR"),
    "FA": ("the facility", "the facility in the EHR"),
    "IL": ("the subscriber", "the coverage in the EHR, or the claim's member id (POST /v1/claims/{id}/corrections)"),
    "HK": ("the subscriber", "the coverage in the EHR, or the claim's member id (POST /v1/claims/{id}/corrections)"),
    "QC": ("the patient", "the patient's demographics in the EHR"),
    "03": ("the dependent", "the patient's demographics and relationship to the subscriber in the EHR"),
    "PR": ("the payer", "the payer's reference data (/v1/payers): payer id and claim filing indicator"),
    "40": ("the receiver", "the route's receiver and interchange ids (/v1/routes)"),
    "41": ("the submitter", "the route's submitter id (/v1/routes)"),
    "GB": ("the other insured", "the other coverage in the EHR"),
}

#: Claim status codes (STC01-2) seen in rejections: what is wrong, and what to do about it.
STATUS_CODES = {
    "0": ("no further status is available electronically", "Call the payer or check its portal."),
    "19": ("the payer acknowledges receipt", ""),
    "20": ("accepted for processing", ""),
    "21": ("information is missing or invalid", "Correct the field named with it and resubmit."),
    "24": ("the submitter is not approved to send claims electronically",
           "Ask the clearinghouse to complete payer enrollment for this submitter."),
    "25": ("the entity is not approved by the payer", "Complete the payer's enrollment for this provider."),
    "26": ("the entity is not known to the payer", "Check the id against the payer's enrollment records."),
    "27": ("the policy was cancelled", "Check eligibility; bill the current payer or the patient."),
    "29": ("the subscriber and the policy number do not match", "Verify the member id and group number with eligibility."),
    "30": ("the subscriber and the subscriber id do not match", "Verify the member id, name and date of birth with eligibility."),
    "31": ("the subscriber and the policyholder name do not match", "Verify the subscriber's name as on the card."),
    "32": ("the subscriber and policy number were not found", "Verify the member id and group number with eligibility."),
    "33": ("the subscriber and subscriber id were not found", "Verify the member id, name and date of birth with eligibility."),
    "34": ("the subscriber and policyholder name were not found", "Verify the subscriber's name as on the card."),
    "35": ("the claim was not found", "Check the claim's status with the payer before resubmitting."),
    "54": ("it duplicates a claim the payer already processed", "Do not resubmit; follow up on the first claim."),
    "78": ("it duplicates a claim the payer is already processing", "Do not resubmit; follow up on the first claim."),
    "84": ("the service was not authorized", "Get the prior authorization number and add it to the claim."),
    "85": ("the payer is not primary for this patient", "Check coordination of benefits; bill the primary payer first."),
    "88": ("the patient was not eligible on the dates of service", "Check eligibility; bill the right payer or the patient."),
    "97": ("the payer has no eligibility for the patient", "Check eligibility and the member id."),
    "122": ("missing or invalid data keeps the payer from processing the claim", "Correct the named field and resubmit."),
    "125": ("the name is wrong or missing", "Correct the name."),
    "126": ("the address is wrong or missing", "Correct the address (ZIP+4 for providers)."),
    "128": ("the tax id is wrong or missing", "Correct the tax id (9 digits)."),
    "145": ("the specialty/taxonomy code is wrong or missing", "Correct the taxonomy code as enrolled with the payer."),
    "153": ("the id number is wrong or missing", "Correct the id."),
    "164": ("the contract/member number is wrong or missing", "Correct the member id from the insurance card."),
    "171": ("other insurance information is needed", "Add the other coverage and its payment, or confirm there is none."),
    "187": ("the date(s) of service are wrong", "Correct the dates of service."),
    "190": ("the place of service is wrong", "Correct the place of service code."),
    "254": ("the principal diagnosis code is wrong", "Have coding correct the principal diagnosis (coding-svc)."),
    "255": ("a diagnosis code is wrong", "Have coding correct the diagnosis codes (coding-svc)."),
    "400": ("the claim is out of balance", "Make the total charge the sum of the line charges."),
    "454": ("a procedure code is wrong", "Have coding correct the procedure code (coding-svc)."),
    "458": ("the total charges are wrong", "Correct the charges."),
    "481": ("the claim's format is invalid", "Report it: the 837P writer produced something the receiver refuses."),
    "562": ("the National Provider Identifier (NPI) is wrong or missing", "Correct the NPI (check it in NPPES)."),
    "563": ("an additional/secondary provider id is wrong or missing", "Correct the provider's secondary id."),
}

#: 999 IK304 segment errors and IK403 element errors.
SEGMENT_ERRORS = {
    "1": "an unrecognized segment", "2": "an unexpected segment", "3": "a required segment is missing",
    "4": "a loop occurs too often", "5": "a segment occurs too often", "6": "a segment not in the transaction",
    "7": "a segment out of order", "8": "a segment with data element errors",
    "I4": "a segment the implementation guide does not use", "I6": "a segment the guide requires in this case is missing",
    "I7": "a loop occurs too few times", "I8": "a segment occurs too few times",
    "I9": "a segment the guide does not use in this case",
}
ELEMENT_ERRORS = {
    "1": "a required element is missing", "2": "a conditionally required element is missing",
    "3": "too many elements", "4": "an element is too short", "5": "an element is too long",
    "6": "an element has an invalid character", "7": "an element has an invalid code value",
    "8": "an element has an invalid date", "9": "an element has an invalid time", "10": "an element that excludes another is present",
    "12": "an element repeats too often", "13": "too many components", "I6": "a code value the guide does not use",
    "I9": "an element the guide requires in this case is missing", "I10": "an element the guide does not use",
    "I12": "an element does not match the guide's pattern", "I13": "an element the guide does not use in this case",
}
SET_ERRORS = {
    "1": "the transaction set is not supported", "2": "the trailer (SE) is missing",
    "3": "the control numbers of header and trailer differ", "4": "the segment count is wrong",
    "5": "one or more segments are in error", "6": "the transaction set id is missing or invalid",
    "7": "the control number is missing or invalid", "23": "the control number repeats within the group",
    "I5": "one or more segments are in error (implementation guide)", "I6": "the implementation convention is not supported",
}
_X12_FIX = ("The clearinghouse refused the file's structure: check the fields named above in the claim and the "
            "reference data (billing profile, payer, route), correct them, scrub the claim again and resubmit.")


@dataclass(frozen=True)
class Rejection:
    source: str  # "999" or "277CA"
    code: str
    description: str
    suggested_fix: str


def is_rejected_277(ack: ClaimAcknowledgment) -> bool:
    return bool(ack.categories & REJECTED)


def is_accepted_277(ack: ClaimAcknowledgment) -> bool:
    return bool(ack.categories & ACCEPTED) and not is_rejected_277(ack)


def explain_277(status: StatusCode) -> Rejection:
    category = CATEGORIES.get(status.category, f"category {status.category}")
    entity, where = ENTITIES.get(status.entity, ("", ""))
    what, fix = STATUS_CODES.get(status.status, (f"claim status code {status.status}", ""))
    subject = f"{entity}: " if entity else ""
    description = f"The payer {category} the claim: {subject}{what}."
    if status.category not in REJECTED:
        description = f"The payer {category} the claim ({what})."
    fix_parts = [fix] if fix else []
    if where:
        fix_parts.append(f"Correct it in {where}.")
    fix_parts.append("Then scrub the claim again; it goes out in the next batch.")
    return Rejection("277CA", status.code, description, " ".join(fix_parts))


def rejections_277(ack: ClaimAcknowledgment) -> list[Rejection]:
    """The reasons of a rejected claim: its STC composites that are not plain receipts."""
    found = [explain_277(status) for status in ack.statuses if status.category in REJECTED]
    return found or [explain_277(status) for status in ack.statuses]


def rejections_999(answer: SetAcknowledgment) -> list[Rejection]:
    found = []
    for error in answer.errors:
        segment = SEGMENT_ERRORS.get(error.segment_error, f"segment error {error.segment_error}")
        text = f"The clearinghouse rejected the file: {segment} at {error.segment_id} (segment {error.segment_position}"
        text += f", loop {error.loop})" if error.loop else ")"
        if error.element_error:
            element = ELEMENT_ERRORS.get(error.element_error, f"element error {error.element_error}")
            text += f", {element} in {error.segment_id}{error.element_position.zfill(2)}"
        code = f"IK3:{error.segment_id}:{error.segment_error}" + (f":IK4:{error.element_error}" if error.element_error else "")
        found.append(Rejection("999", code, text + ".", _X12_FIX))
    if not found:
        reasons = ", ".join(SET_ERRORS.get(code, f"error {code}") for code in answer.syntax_errors) or "no reason given"
        found.append(Rejection("999", f"IK5:{answer.code}:{':'.join(answer.syntax_errors)}".rstrip(":"),
                               f"The clearinghouse rejected the transaction set: {reasons}.", _X12_FIX))
    return found
