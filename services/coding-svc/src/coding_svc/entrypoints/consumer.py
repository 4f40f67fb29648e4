"""Events coding-svc listens to, and the use case each one runs."""

from coding_svc.application.denials import when_denial_raised_reopen_encounter
from openrcm_shared.contracts import DenialRaised

HANDLERS = {DenialRaised: when_denial_raised_reopen_encounter}
