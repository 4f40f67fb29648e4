import pytest

from openrcm_shared.identifiers import icd10_format_is_valid, modifier_format_is_valid, npi_is_valid, procedure_code_system


@pytest.mark.parametrize("npi,valid", [("1234567893", True), ("1245319599", True), ("1234567890", False),
                                       ("123456789", False), ("12345678AB", False)])
def test_npi_check_digit(npi, valid):
    assert npi_is_valid(npi) is valid


@pytest.mark.parametrize("code,system", [("99213", "CPT"), ("0001F", "CPT"), ("0042T", "CPT"), ("0001U", "CPT"),
                                         ("J1100", "HCPCS"), ("G0439", "HCPCS"), ("9921", None), ("D0120", None)])
def test_procedure_code_systems(code, system):
    assert procedure_code_system(code) == system


@pytest.mark.parametrize("code,valid", [("E11.9", True), ("E119", True), ("S72.001A", True), ("U07.1", True),
                                        ("Z00.00", True), ("123", False), ("E1", False), ("E11.91234", False)])
def test_icd10_shape(code, valid):
    assert icd10_format_is_valid(code) is valid


def test_modifier_shape():
    assert modifier_format_is_valid("25") and modifier_format_is_valid("XS") and not modifier_format_is_valid("5")
