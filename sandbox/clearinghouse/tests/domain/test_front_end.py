"""Front-end edits (277CA): each rejection with its STC01 composite, all of them listed, none for a good claim."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from openrcm_sandbox.domain.front_end import front_end_edits


def codes(rejections):
    return [rejection.code for rejection in rejections]


def test_a_good_claim_is_accepted(payer, config):
    assert front_end_edits(payer.claim(), config) == []


def test_unknown_payer(payer, config):
    assert codes(front_end_edits(payer.claim(payer_id="NOPE1"), config)) == ["A3:26:PR"]


def test_unknown_member(payer, config):
    [rejection] = front_end_edits(payer.claim(member_id="SBX999999"), config)
    assert rejection.code == "A7:33:IL"
    assert "SBX999999" not in rejection.message  # member ids are PHI


def test_a_member_of_another_payer_is_unknown_here(payer, config):
    assert codes(front_end_edits(payer.claim(member_id="SBX200001"), config)) == ["A7:33:IL"]


def test_billing_and_rendering_npi_check_digits(payer, config):
    assert codes(front_end_edits(payer.claim(billing_provider_npi="1234567890"), config)) == ["A7:562:85"]
    assert codes(front_end_edits(payer.claim(rendering_provider_npi="1245319590"), config)) == ["A7:562:82"]
    assert front_end_edits(payer.claim(rendering_provider_npi=""), config) == []  # the billing provider renders


def test_service_after_the_date_received(payer, config):
    claim = payer.claim("PCN1", payer.line(service_date=payer.received + timedelta(days=1)))
    assert codes(front_end_edits(claim, config)) == ["A7:187"]


def test_service_period_ending_after_the_date_received(payer, config):
    later = payer.received + timedelta(days=2)
    claim = payer.claim("PCN1", payer.line(service_date=payer.received, service_date_to=later))
    assert codes(front_end_edits(claim, config)) == ["A7:187"]


def test_service_before_the_patients_birth(payer, config):
    dependent = payer.person("Doe", "Tim", date(2026, 11, 20), "M")
    claim = payer.claim(patient=dependent, patient_relationship="19")
    [rejection] = front_end_edits(claim, config)
    assert rejection.code == "A7:187"
    assert "patient's birth date" in rejection.message and "2026" not in rejection.message


def test_service_before_the_subscribers_birth_when_the_subscriber_is_the_patient(payer, config):
    claim = payer.claim(subscriber=payer.person("Doe", "Jane", date(2026, 11, 17), "F"))
    assert codes(front_end_edits(claim, config)) == ["A7:187"]


def test_end_before_start(payer, config):
    claim = payer.claim("PCN1", payer.line(service_date_to=payer.dos - timedelta(days=1)))
    assert codes(front_end_edits(claim, config)) == ["A7:187"]


def test_every_rejection_is_listed(payer, config):
    claim = payer.claim(
        "PCN1",
        payer.line(),
        payer.line(service_date=payer.received + timedelta(days=3)),
        payer.line(service_date_to=payer.dos - timedelta(days=1)),
        member_id="SBX999999", billing_provider_npi="1234567890", rendering_provider_npi="12345",
    )
    rejections = front_end_edits(claim, config)
    assert codes(rejections) == ["A7:33:IL", "A7:562:85", "A7:562:82", "A7:187", "A7:187"]
    assert "line 2" in rejections[3].message and "line 3" in rejections[4].message


def test_an_unknown_payer_still_gets_its_other_edits(payer, config):
    claim = replace(payer.claim(payer_id="NOPE1"), billing_provider_npi="1234567890")
    assert codes(front_end_edits(claim, config)) == ["A3:26:PR", "A7:562:85"]
