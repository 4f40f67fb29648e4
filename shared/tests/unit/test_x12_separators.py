"""Separators come from the ISA of the interchange."""

from __future__ import annotations

import pytest

from openrcm_shared.x12 import DEFAULT_SEPARATORS, Separators, X12SyntaxError

ISA = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *261123*0930*^*00501*000000001*0*P*:~"


def test_the_four_separators_of_a_5010_isa():
    assert Separators.from_isa(ISA) == Separators(element="*", component=":", repetition="^", segment="~")
    assert Separators.from_isa(ISA) == DEFAULT_SEPARATORS
    assert len(ISA) == 106


def test_unusual_separators():
    isa = ISA.replace("*", "|").replace("^", "}").replace(":~", "^\n")
    assert Separators.from_isa(isa) == Separators(element="|", component="^", repetition="}", segment="\n")


@pytest.mark.parametrize("version,isa11", [("00401", "U"), ("00501", "U")])
def test_no_repetition_separator_before_00402_or_when_isa11_is_a_letter(version, isa11):
    isa = ISA.replace("*^*00501*", f"*{isa11}*{version}*")
    assert Separators.from_isa(isa).repetition is None


def test_fields_of_the_wrong_width_are_tolerated():
    isa = "ISA*00**00**ZZ*SENDER*ZZ*RECEIVER*261123*0930*^*00501*1*0*P*>~GS*..."
    assert Separators.from_isa(isa) == Separators(element="*", component=">", repetition="^", segment="~")


@pytest.mark.parametrize("text,message", [
    ("GS*HC*A*B~", "does not start with an ISA"),
    ("ISA*00*          *00*   ", "truncated"),
    (ISA.replace(":~", "::"), "differ"),
    (ISA.replace(":~", "A~"), "letter, digit or space"),
])
def test_a_bad_isa_is_refused(text, message):
    with pytest.raises(X12SyntaxError, match=message):
        Separators.from_isa(text)
