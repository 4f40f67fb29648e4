"""Request and response bodies of the tenant's reference data, and their CSV layouts.

Every text that ends up in an 837P is checked for the X12 separators (``* : ^ ~``) here, so a
claim never fails late because of a character in a payer's name.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from claims_svc.domain.reference import (
    CLAIM_FILING_INDICATORS, BillingProfile, FeeScheduleEntry, Payer, SubmissionRoute,
)
from claims_svc.domain.x12.model_837p import Address, Receiver, Submitter
from openrcm_shared.identifiers import modifier_format_is_valid, npi_is_valid, procedure_code_system
from openrcm_shared.x12 import InterchangeHeader

#: Text without X12 separators or line breaks.
_SAFE = r"^[^*:^~\r\n]*$"
Text = Annotated[str, Field(min_length=1, max_length=60, pattern=_SAFE)]
OptionalText = Annotated[str, Field(max_length=60, pattern=_SAFE)]
Identifier = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _procedure_code(code: str) -> str:
    if procedure_code_system(code) is None:
        raise ValueError("not a CPT or HCPCS Level II code")
    return code


class AddressIn(_In):
    line1: Text
    line2: OptionalText = ""
    city: Annotated[str, Field(min_length=1, max_length=30, pattern=_SAFE)]
    state: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    postal_code: Annotated[str, Field(pattern=r"^\d{5}(\d{4})?$", description="5 digits, or 9 for ZIP+4.")]

    def to_domain(self) -> Address:
        return Address(line1=self.line1, line2=self.line2, city=self.city, state=self.state,
                       postal_code=self.postal_code)

    @classmethod
    def of(cls, address: Address | None) -> "AddressIn | None":
        return None if address is None else cls(**asdict(address))


class StreetAddressIn(AddressIn):
    """The billing provider's address: a street address (no post office box) with ZIP+4 (2010AA N3/N4)."""

    postal_code: Annotated[str, Field(pattern=r"^\d{9}$", description="ZIP+4: 9 digits.")]

    @field_validator("line1")
    @classmethod
    def _not_a_box(cls, value: str) -> str:
        if value.upper().replace(".", "").replace(" ", "").startswith(("POBOX", "POSTOFFICEBOX")):
            raise ValueError("the billing provider's address must be a street address; put a PO box in pay_to_address")
        return value


class PayerIn(_In):
    payer_id: Identifier = Field(description="The id the clearinghouse knows the payer by (2010BB NM109).")
    name: Text
    claim_filing_indicator: str = Field(description="SBR09: " + ", ".join(f"{k} {v}" for k, v in CLAIM_FILING_INDICATORS.items()))
    timely_filing_days: int = Field(ge=1, le=3650, description="Days after the date of service the payer accepts claims.")
    prior_auth_procedures: list[str] = Field(default_factory=list, max_length=2000,
                                             description="Procedure codes this payer authorizes in advance.")
    route_id: Identifier | None = Field(default=None, description="The route (/v1/routes) its claims travel by.")
    address: AddressIn | None = None
    appeal_days: int = Field(default=180, ge=1, le=3650, description="Days after a denial the payer takes an appeal.")
    follow_up_days: int = Field(default=30, ge=1, le=3650,
                                description="Days without news from the payer before a claim enters A/R follow-up.")

    @field_validator("claim_filing_indicator")
    @classmethod
    def _indicator(cls, value: str) -> str:
        if value not in CLAIM_FILING_INDICATORS:
            raise ValueError("not an SBR09 claim filing indicator code")
        return value

    @field_validator("prior_auth_procedures")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        return sorted({_procedure_code(code.strip().upper()) for code in value})

    def to_domain(self) -> Payer:
        return Payer(payer_id=self.payer_id, name=self.name, claim_filing_indicator=self.claim_filing_indicator,
                     timely_filing_days=self.timely_filing_days, prior_auth_procedures=frozenset(self.prior_auth_procedures),
                     route_id=self.route_id, address=self.address.to_domain() if self.address else None,
                     appeal_days=self.appeal_days, follow_up_days=self.follow_up_days)

    @classmethod
    def of(cls, payer: Payer) -> "PayerIn":
        return cls(payer_id=payer.payer_id, name=payer.name, claim_filing_indicator=payer.claim_filing_indicator,
                   timely_filing_days=payer.timely_filing_days, prior_auth_procedures=sorted(payer.prior_auth_procedures),
                   route_id=payer.route_id, address=AddressIn.of(payer.address), appeal_days=payer.appeal_days,
                   follow_up_days=payer.follow_up_days)

    @staticmethod
    def from_csv(row: dict[str, str]) -> dict[str, Any]:
        """payer_id,name,claim_filing_indicator,timely_filing_days,prior_auth_procedures,route_id,appeal_days,
        follow_up_days,address_*"""
        return {
            "payer_id": row.get("payer_id"), "name": row.get("name"),
            "claim_filing_indicator": row.get("claim_filing_indicator"),
            "timely_filing_days": row.get("timely_filing_days"),
            "prior_auth_procedures": (row.get("prior_auth_procedures") or "").replace(";", " ").split(),
            "route_id": row.get("route_id") or None, "address": _csv_address(row, "address_"),
            **({"appeal_days": row["appeal_days"]} if row.get("appeal_days") else {}),
            **({"follow_up_days": row["follow_up_days"]} if row.get("follow_up_days") else {}),
        }


class FeeScheduleEntryIn(_In):
    procedure_code: str = Field(description="CPT or HCPCS Level II code.")
    modifier: str = Field(default="", description="Two characters, or empty for the plain code.")
    charge: Decimal = Field(ge=0, max_digits=12, decimal_places=2, description="Per unit, in dollars.")
    effective_from: date
    effective_to: date | None = Field(default=None, description="Last day in effect; empty for open-ended.")

    @field_validator("procedure_code")
    @classmethod
    def _code(cls, value: str) -> str:
        return _procedure_code(value.upper())

    @field_validator("modifier")
    @classmethod
    def _modifier(cls, value: str) -> str:
        value = value.upper()
        if value and not modifier_format_is_valid(value):
            raise ValueError("a modifier is two letters or digits")
        return value

    @model_validator(mode="after")
    def _range(self) -> "FeeScheduleEntryIn":
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        return self

    def to_domain(self, entry_id: uuid.UUID | None = None) -> FeeScheduleEntry:
        return FeeScheduleEntry(id=entry_id or uuid.uuid4(), procedure_code=self.procedure_code, modifier=self.modifier,
                                charge=self.charge, effective_from=self.effective_from, effective_to=self.effective_to)

    @staticmethod
    def from_csv(row: dict[str, str]) -> dict[str, Any]:
        """procedure_code,modifier,charge,effective_from,effective_to"""
        return {"procedure_code": row.get("procedure_code"), "modifier": row.get("modifier") or "",
                "charge": row.get("charge"), "effective_from": row.get("effective_from"),
                "effective_to": row.get("effective_to") or None}


class FeeScheduleEntryOut(FeeScheduleEntryIn):
    id: uuid.UUID

    @classmethod
    def of(cls, entry: FeeScheduleEntry) -> "FeeScheduleEntryOut":
        return cls(**asdict(entry))


class BillingProfileIn(_In):
    npi: str = Field(description="The billing provider's NPI (10 digits, valid check digit).")
    organization_name: Text
    tax_id: Annotated[str, Field(pattern=r"^\d{9}$", description="EIN, 9 digits without dash.")]
    taxonomy: Annotated[str, Field(pattern=r"^(\d{3}[0-9A-Z]{6}X)?$", description="Provider taxonomy code.")] = ""
    address: StreetAddressIn
    pay_to_address: AddressIn | None = None

    @field_validator("npi")
    @classmethod
    def _npi(cls, value: str) -> str:
        if not npi_is_valid(value):
            raise ValueError("not a valid NPI (10 digits with a Luhn check digit)")
        return value

    def to_domain(self) -> BillingProfile:
        return BillingProfile(npi=self.npi, organization_name=self.organization_name, tax_id=self.tax_id,
                              taxonomy=self.taxonomy, address=self.address.to_domain(),
                              pay_to_address=self.pay_to_address.to_domain() if self.pay_to_address else None)

    @classmethod
    def of(cls, profile: BillingProfile) -> "BillingProfileIn":
        return cls(npi=profile.npi, organization_name=profile.organization_name, tax_id=profile.tax_id,
                   taxonomy=profile.taxonomy, address=StreetAddressIn(**asdict(profile.address)),
                   pay_to_address=AddressIn.of(profile.pay_to_address))

    @staticmethod
    def from_csv(row: dict[str, str]) -> dict[str, Any]:
        """npi,organization_name,tax_id,taxonomy,address_*,pay_to_address_*"""
        return {"npi": row.get("npi"), "organization_name": row.get("organization_name"), "tax_id": row.get("tax_id"),
                "taxonomy": row.get("taxonomy") or "", "address": _csv_address(row, "address_") or {},
                "pay_to_address": _csv_address(row, "pay_to_address_")}


def _csv_address(row: dict[str, str], prefix: str) -> dict[str, str] | None:
    fields = {name: (row.get(prefix + name) or "") for name in ("line1", "line2", "city", "state", "postal_code")}
    return fields if any(fields.values()) else None


class SubmitterIn(_In):
    name: Text
    id: Annotated[str, Field(min_length=2, max_length=80, pattern=_SAFE)]
    contact_name: Text
    phone: Annotated[str, Field(pattern=r"^\d{10}$")]
    email: Annotated[str, Field(max_length=80, pattern=r"^([^@\s*:^~]+@[^@\s*:^~]+)?$")] = ""


class ReceiverIn(_In):
    name: Text
    id: Annotated[str, Field(min_length=2, max_length=80, pattern=_SAFE)]


IsaId = Annotated[str, Field(min_length=1, max_length=15, pattern=r"^[A-Za-z0-9 ._-]+$")]


class InterchangeIn(_In):
    sender_id: IsaId
    receiver_id: IsaId
    sender_qualifier: Annotated[str, Field(pattern=r"^[0-9A-Z]{2}$")] = "ZZ"
    receiver_qualifier: Annotated[str, Field(pattern=r"^[0-9A-Z]{2}$")] = "ZZ"
    usage: Literal["P", "T"] = "T"
    acknowledgment_requested: bool = False


GsCode = Annotated[str, Field(min_length=2, max_length=15, pattern=r"^[A-Za-z0-9 ._-]+$")]


class RouteIn(_In):
    route_id: Identifier
    clearinghouse: Identifier = Field(description="A connection named in the service's CLEARINGHOUSES setting.")
    submitter: SubmitterIn
    receiver: ReceiverIn
    interchange: InterchangeIn
    application_sender_code: GsCode
    application_receiver_code: GsCode

    def to_domain(self) -> SubmissionRoute:
        return SubmissionRoute(
            route_id=self.route_id, clearinghouse=self.clearinghouse, submitter=Submitter(**self.submitter.model_dump()),
            receiver=Receiver(**self.receiver.model_dump()), interchange=InterchangeHeader(**self.interchange.model_dump()),
            application_sender_code=self.application_sender_code,
            application_receiver_code=self.application_receiver_code,
        )

    @classmethod
    def of(cls, route: SubmissionRoute) -> "RouteIn":
        interchange = {k: getattr(route.interchange, k) for k in InterchangeIn.model_fields}
        return cls(route_id=route.route_id, clearinghouse=route.clearinghouse, submitter=asdict(route.submitter),
                   receiver=asdict(route.receiver), interchange=interchange,
                   application_sender_code=route.application_sender_code,
                   application_receiver_code=route.application_receiver_code)


class ImportResult(BaseModel):
    created: int
    replaced: int
