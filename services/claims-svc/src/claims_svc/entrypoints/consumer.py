"""Events claims-svc listens to, and the use case each one runs."""

from claims_svc.application.reactions import (
    when_denial_raised_queue_for_billing, when_encounter_coded_create_claim, when_remit_received_update_claim,
)
from openrcm_shared.contracts import DenialRaised, EncounterCoded, RemitReceived

HANDLERS = {
    EncounterCoded: when_encounter_coded_create_claim,
    RemitReceived: when_remit_received_update_claim,
    DenialRaised: when_denial_raised_queue_for_billing,
}
