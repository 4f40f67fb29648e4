"""A contract cannot change without a committed snapshot (and, when breaking, a new version)."""

from openrcm_shared.contracts import event_contracts
from openrcm_shared.contracts.snapshot import current_snapshots

EXPECTED_TOPICS = {
    "coding.encounter-coded.v1",
    "claims.claim-submitted.v1",
    "payments.remit-received.v1",
    "payments.denial-raised.v1",
}


def test_every_contract_matches_its_committed_snapshot():
    stale = [path.name for path, text in current_snapshots().items() if not path.exists() or path.read_text() != text]
    assert not stale, (
        f"contracts changed without a new snapshot: {stale}. If the change is compatible run "
        "`python -m openrcm_shared.contracts.snapshot --write`; if it breaks consumers, add a new version."
    )


def test_topics_follow_the_naming_rule():
    assert {c.topic() for c in event_contracts()} >= EXPECTED_TOPICS
