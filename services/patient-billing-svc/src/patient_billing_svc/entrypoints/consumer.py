"""Events patient-billing-svc listens to, and the use case each one runs."""

from openrcm_shared.contracts import EncounterCoded, RemitReceived
from patient_billing_svc.application.encounters import when_encounter_coded_post_to_account
from patient_billing_svc.application.remits import when_remit_received_post_patient_share

HANDLERS = {
    EncounterCoded: when_encounter_coded_post_to_account,
    RemitReceived: when_remit_received_post_patient_share,
}
