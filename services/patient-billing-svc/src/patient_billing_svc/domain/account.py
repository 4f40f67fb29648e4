"""The guarantor account: one per patient within a tenant, billed to the person responsible for paying.

Pure domain code: no FastAPI, SQLAlchemy or Kafka here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from openrcm_shared.contracts import Address, PartyName, Patient


@dataclass(frozen=True)
class Guarantor:
    name: PartyName
    address: Address | None
    #: True when the patient pays their own bills (the usual case for adults).
    is_patient: bool

    @classmethod
    def named_on_encounter(
        cls, patient: Patient, guarantor: PartyName | None, guarantor_address: Address | None
    ) -> Guarantor:
        """The guarantor the encounter names, or else the patient."""
        if guarantor is None:
            return cls(name=patient.name, address=patient.address, is_patient=True)
        return cls(name=guarantor, address=guarantor_address, is_patient=False)


@dataclass
class GuarantorAccount:
    id: uuid.UUID
    tenant_id: str
    patient_id: str
    guarantor: Guarantor
    #: When the encounter that named the guarantor was coded; None while only a remit has named anyone.
    guarantor_as_of: datetime | None

    @classmethod
    def open(cls, tenant_id: str, patient_id: str, guarantor: Guarantor, as_of: datetime | None) -> GuarantorAccount:
        return cls(
            id=uuid.uuid4(), tenant_id=tenant_id, patient_id=patient_id, guarantor=guarantor, guarantor_as_of=as_of
        )

    def name_guarantor(self, guarantor: Guarantor, as_of: datetime) -> bool:
        """Take the guarantor from a newer encounter; an older one delivered late changes nothing.

        Returns True when the account changed.
        """
        if self.guarantor_as_of is not None and as_of <= self.guarantor_as_of:
            return False
        self.guarantor, self.guarantor_as_of = guarantor, as_of
        return True
