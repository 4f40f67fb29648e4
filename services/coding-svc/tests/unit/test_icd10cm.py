"""The ICD-10-CM FY2026 code set, on the real CMS tabular data (built once per session: conftest.py)."""

from __future__ import annotations

import pytest

from coding_svc.domain.codesets.icd10cm import (
    CodeReference, CodeStatus, EntryKind, ICD10CMCodeSet, NoteKind, Sequencing, TabularEntry, excludes1_references,
)


def test_the_whole_fy2026_code_set_is_loaded(icd10cm):
    assert icd10cm.version.startswith("FY2026")
    assert len(icd10cm) == 46_881  # categories, subcategories and codes of the tabular list
    assert icd10cm.billable_count == 74_719  # every code valid on a claim, 7th-character codes included


@pytest.mark.parametrize("code", ["E11.9", "E119", "e11.9", " E11.9 "])
def test_a_billable_code_validates_with_or_without_dot_in_any_case(icd10cm, code):
    verdict = icd10cm.validate(code)
    assert verdict.status == CodeStatus.BILLABLE and verdict.valid and verdict.base == "E119"


def test_a_billable_code_has_its_description_and_inherited_notes(icd10cm):
    info = icd10cm.lookup("e119")
    assert info is not None
    assert (info.code, info.description, info.billable, info.header) == (
        "E11.9", "Type 2 diabetes mellitus without complications", True, False,
    )
    excludes1 = {(n.source, n.text) for n in info.notes if n.kind == NoteKind.EXCLUDES1}
    assert ("E11", "type 1 diabetes mellitus (E10.-)") in excludes1  # written under E11, applies to E11.9
    assert any(n.kind == NoteKind.USE_ADDITIONAL_CODE for n in info.notes)


@pytest.mark.parametrize("code", ["E11", "E11.6", "E11.62"])
def test_category_and_subcategory_headers_are_not_billable(icd10cm, code):
    assert icd10cm.validate(code).status == CodeStatus.HEADER
    info = icd10cm.lookup(code)
    assert info is not None and not info.billable and info.header
    assert code in icd10cm


@pytest.mark.parametrize("code", ["Q99.99", "E11.66", "U99", "ABC", "", "E11.9.9"])
def test_codes_that_do_not_exist_are_unknown(icd10cm, code):
    assert icd10cm.validate(code).status == CodeStatus.UNKNOWN
    assert icd10cm.lookup(code) is None
    assert code not in icd10cm


def test_a_deleted_code_is_unknown_and_the_closest_existing_code_is_offered(icd10cm):
    assert icd10cm.validate("E11.99").status == CodeStatus.UNKNOWN
    assert icd10cm.closest("E11.99").code == "E11.9"
    assert icd10cm.closest("E11.66").code == "E11.6"


def test_a_fracture_code_needs_a_7th_character(icd10cm):
    base = icd10cm.lookup("S52.501")
    assert base is not None and not base.billable and base.seventh_character_required
    assert icd10cm.validate("S52.501").status == CodeStatus.SEVENTH_MISSING
    allowed = {s.character: s.meaning for s in base.seventh_characters}
    assert len(allowed) == 16 and allowed["A"] == "initial encounter for closed fracture" and "S" in allowed


def test_a_7th_character_code_validates_although_the_tabular_list_defines_the_characters_once(icd10cm):
    verdict = icd10cm.validate("S52.501A")
    assert verdict.status == CodeStatus.BILLABLE and verdict.base == "S52501"
    info = icd10cm.lookup("s52501a")
    assert info is not None and info.billable and info.code == "S52.501A"
    assert info.description == (
        "Unspecified fracture of the lower end of right radius, initial encounter for closed fracture"
    )


def test_a_7th_character_the_code_does_not_allow_is_invalid(icd10cm):
    assert icd10cm.validate("S52.501Z").status == CodeStatus.SEVENTH_INVALID
    assert icd10cm.lookup("S52.501Z") is None


def test_codes_shorter_than_6_characters_take_placeholder_x_before_the_7th(icd10cm):
    assert icd10cm.validate("T78.2XXA").status == CodeStatus.BILLABLE  # anaphylactic shock, unspecified
    assert icd10cm.validate("T81.40XA").status == CodeStatus.BILLABLE  # infection following a procedure
    assert icd10cm.validate("T78.2").status == CodeStatus.SEVENTH_MISSING
    assert icd10cm.validate("T78.2XX").status == CodeStatus.SEVENTH_MISSING
    assert icd10cm.validate("T78.2A").status == CodeStatus.SEVENTH_INVALID  # placeholder missing
    assert [c.code for c in icd10cm.completions("T78.2")] == ["T78.2XXA", "T78.2XXD", "T78.2XXS"]


def test_t81_4xxa_is_no_longer_valid_in_fy2026_because_t81_4_was_subdivided(icd10cm):
    assert icd10cm.validate("T81.4").status == CodeStatus.HEADER
    assert icd10cm.validate("T81.4XXA").status == CodeStatus.UNKNOWN


def test_placeholder_x_that_is_part_of_the_code_is_not_taken_for_padding(icd10cm):
    assert icd10cm.validate("T36.0X1A").status == CodeStatus.BILLABLE  # poisoning by penicillins, accidental


def test_7th_characters_cms_leaves_out_are_invalid(icd10cm):
    # "7th characters D and S do not apply to codes in category S06 with 6th character 7 or 8" (death)
    assert icd10cm.validate("S06.1X7A").status == CodeStatus.BILLABLE
    assert icd10cm.validate("S06.1X7D").status == CodeStatus.SEVENTH_INVALID
    assert [s.character for s in icd10cm.lookup("S06.1X7").seventh_characters] == ["A"]


def test_a_seven_character_code_of_the_tabular_list_itself_is_billable(icd10cm):
    assert icd10cm.validate("C44.1021").status == CodeStatus.BILLABLE


# -- Excludes1 -------------------------------------------------------------------------------------


def test_type_1_and_type_2_diabetes_exclude_each_other(icd10cm):
    assert icd10cm.excludes1_conflict("E10.9", "E11.9")
    assert icd10cm.excludes1_conflict("E11.9", "E10.9")
    conflict = icd10cm.excludes1_between("E10.9", "E11.9")
    assert conflict is not None and conflict.owner == "E10" and conflict.excluded == "E11.9"
    assert conflict.note == "type 2 diabetes mellitus (E11.-)"


@pytest.mark.parametrize("pair", [("E11.9", "I10"), ("E11.9", "E78.5"), ("G63", "E11.9"), ("E11.9", "E11.65")])
def test_codes_without_an_excludes1_note_between_them_do_not_conflict(icd10cm, pair):
    assert not icd10cm.excludes1_conflict(*pair)


def test_an_excludes1_range_narrowed_by_a_subcategory(icd10cm):
    # G63 Excludes1: "diabetes mellitus (E08-E13 with .42)"
    assert icd10cm.excludes1_conflict("G63", "E11.42")
    assert icd10cm.excludes1_conflict("E10.42", "G63")
    assert not icd10cm.excludes1_conflict("G63", "E11.43")


def test_an_excludes1_reference_narrowed_by_a_7th_character(icd10cm):
    # F07.81 Excludes1: "current concussion (brain) (S06.0X- with seventh character A)"
    assert icd10cm.excludes1_conflict("F07.81", "S06.0X1A")
    assert not icd10cm.excludes1_conflict("F07.81", "S06.0X1D")


def test_block_and_chapter_excludes1_notes_apply_to_every_code_below_them(icd10cm):
    assert icd10cm.excludes1_conflict("A15.0", "J65")  # block A15-A19: silicotuberculosis (J65)
    assert icd10cm.excludes1_conflict("O09.00", "Z34.00")  # chapter 15: supervision of normal pregnancy (Z34.-)


def test_unknown_codes_never_conflict(icd10cm):
    assert not icd10cm.excludes1_conflict("E10.9", "Q99.99")


@pytest.mark.parametrize(("text", "expected"), [
    ("type 2 diabetes mellitus (E11.-)", [CodeReference("E11", "E11")]),
    ("hyperglycemia NOS (R73.9)", [CodeReference("R739", "R739")]),
    ("gestational diabetes (O24.4-)", [CodeReference("O244", "O244")]),
    ("malnutrition (E40-E46)", [CodeReference("E40", "E46")]),
    ("pancreatitis (K85-K86.-)", [CodeReference("K85", "K86")]),
    ("gout (M1A.-, M10.-)", [CodeReference("M1A", "M1A"), CodeReference("M10", "M10")]),
    ("atherosclerosis of the extremities (I70.2--I70.7-)", [CodeReference("I702", "I707")]),
    ("apnea of newborn (P28.3- - P28.4-)", [CodeReference("P283", "P284")]),
    ("benign neoplasm of testis (D29.2.-)", [CodeReference("D292", "D292")]),
    ("diabetes mellitus (E08-E13 with .42)", [CodeReference("E08", "E13", ("at", 3, "42"))]),
    ("polyneuropathy (B27.0-B27.9 with fifth character 1)", [CodeReference("B270", "B279", ("at", 4, "1"))]),
    ("aphasia (I69. with final characters -20)", [CodeReference("I69", "I69", ("end", 0, "20"))]),
    ("current concussion (brain) (S06.0X- with seventh character A)",
     [CodeReference("S060X", "S060X", ("seventh", 6, "A"))]),
    ("injury to visual cortex S04.04-", [CodeReference("S0404", "S0404")]),
    ("pneumoconiosis with tuberculosis, any type in A15 (J65)", [CodeReference("J65", "J65")]),
    ("concussion classified in subcategories S06.1- to S06.6-, and S06.81- to S06.89-, code to specified injury",
     [CodeReference("S061", "S066"), CodeReference("S0681", "S0689")]),
    ("certain localized infections - see body system-related chapters", []),
    ("open fracture of elbow and forearm (S52.- with open fracture 7th character)", None),
    ("diabetic acidosis - see categories E08-E10, E11, E13 with ketoacidosis", None),
])
def test_excludes1_note_references(text, expected):
    assert excludes1_references(text) == expected


def test_ranges_follow_tabular_order_not_the_alphabet():
    """M1A sorts after M19 in ASCII but stands between M08 and M10 in the tabular list."""
    entries = [
        TabularEntry(EntryKind.CHAPTER, "13", "Musculoskeletal"),
        TabularEntry(EntryKind.BLOCK, "M05-M14", "Inflammatory polyarthropathies", parent=0),
        TabularEntry(EntryKind.CATEGORY, "M08", "Juvenile arthritis", parent=1),
        TabularEntry(EntryKind.CATEGORY, "M1A", "Chronic gout", parent=1),
        TabularEntry(EntryKind.CATEGORY, "M10", "Gout", parent=1),
        TabularEntry(EntryKind.CATEGORY, "M11", "Other crystal arthropathies", parent=1),
        TabularEntry(EntryKind.CATEGORY, "M20", "Deformities", parent=0,
                     notes=((NoteKind.EXCLUDES1, "arthropathies (M08-M10)"),)),
    ]
    code_set = ICD10CMCodeSet.build(entries)
    assert code_set.excludes1_conflict("M20", "M1A")
    assert code_set.excludes1_conflict("M20", "M08") and code_set.excludes1_conflict("M20", "M10")
    assert not code_set.excludes1_conflict("M20", "M11")
    assert code_set.validate("M1A").status == CodeStatus.BILLABLE


def test_a_note_never_excludes_the_code_it_is_written_under():
    entries = [
        TabularEntry(EntryKind.CHAPTER, "1", "Infections"),
        TabularEntry(EntryKind.BLOCK, "A15-A19", "Tuberculosis", parent=0,
                     notes=((NoteKind.EXCLUDES1, "pneumoconiosis with tuberculosis, any type in A15 (A15.0)"),)),
        TabularEntry(EntryKind.CATEGORY, "A15", "Respiratory tuberculosis", parent=1),
        TabularEntry(EntryKind.SUBCATEGORY, "A15.0", "Tuberculosis of lung", parent=2),
        TabularEntry(EntryKind.SUBCATEGORY, "A15.4", "Tuberculosis of intrathoracic lymph nodes", parent=2),
    ]
    assert not ICD10CMCodeSet.build(entries).excludes1_conflict("A15.0", "A15.4")


# -- sequencing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "sequencing"), [
    ("G63", Sequencing.MANIFESTATION),  # Polyneuropathy in diseases classified elsewhere
    ("M36.3", Sequencing.MANIFESTATION),  # under M36 "... in diseases classified elsewhere"
    ("G47.54", Sequencing.MANIFESTATION),  # "in conditions classified elsewhere"
    ("E08.9", Sequencing.CODE_FIRST),  # Code first the underlying condition (note on E08)
    ("R65.20", Sequencing.CODE_FIRST),  # severe sepsis: Code first underlying infection
    ("N48.30", Sequencing.CODE_FIRST),
    ("M62.84", Sequencing.ANY),  # "Code first underlying disease, if applicable"
    ("B95.62", Sequencing.ANY),  # "as the cause of diseases classified elsewhere": not a manifestation title
    ("E11.9", Sequencing.ANY),
    ("E85.1", Sequencing.ANY),
])
def test_sequencing_from_titles_and_code_first_notes(icd10cm, code, sequencing):
    assert icd10cm.lookup(code).sequencing == sequencing


def test_a_manifestation_code_carries_its_code_first_note(icd10cm):
    notes = [n for n in icd10cm.lookup("G63").notes if n.kind == NoteKind.CODE_FIRST]
    assert notes[0].text == "underlying disease, such as:" and "amyloidosis (E85.-)" in {n.text for n in notes}


# -- search and browsing ---------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["E11.6", "e116", " E11.6 "])
def test_search_by_code_prefix_puts_the_code_first_then_shorter_codes(icd10cm, query):
    hits = icd10cm.search(query, limit=10)
    assert hits[0].code == "E11.6"
    assert all(h.normalized.startswith("E116") for h in hits)
    assert [len(h.normalized) for h in hits] == sorted(len(h.normalized) for h in hits)
    assert [h.code for h in hits[1:4]] == ["E11.61", "E11.62", "E11.63"]


def test_search_by_code_offers_the_7th_character_codes_of_a_base(icd10cm):
    hits = icd10cm.search("S52.501", limit=5)
    assert [h.code for h in hits] == ["S52.501", "S52.501A", "S52.501B", "S52.501C", "S52.501D"]
    assert icd10cm.search("S52.501A", limit=5)[0].code == "S52.501A"


def test_search_by_words_matches_all_words_billable_and_short_first(icd10cm):
    hits = icd10cm.search("diabetes kidney", limit=20)
    assert len(hits) == 15  # E08, E09, E10, E11, E13 with .2, .22 and .29
    for hit in hits:
        assert "diabet" in hit.description.lower() and "kidney" in hit.description.lower()
    assert hits[0].billable
    billable = [h for h in hits if h.billable]
    assert [len(h.description) for h in billable] == sorted(len(h.description) for h in billable)


def test_search_words_match_the_start_of_words_and_inclusion_terms(icd10cm):
    assert any(h.code == "E11.21" for h in icd10cm.search("diab neph", limit=20))
    assert "E10" in [h.code for h in icd10cm.search("juvenile diabetes", limit=20)]  # an "Includes" note of E10


def test_a_code_among_words_narrows_the_search_to_its_branch(icd10cm):
    hits = icd10cm.search("E11 kidney", limit=20)
    assert hits and all(h.code.startswith("E11") for h in hits)


def test_search_pages_and_limits(icd10cm):
    first = icd10cm.search("fracture radius", limit=5)
    second = icd10cm.search("fracture radius", limit=5, offset=5)
    assert len(first) == len(second) == 5 and not {h.code for h in first} & {h.code for h in second}
    assert icd10cm.search("zzzqqq", limit=5) == []
    assert icd10cm.search("of the", limit=5) == []  # stop words only


def test_a_header_offers_more_specific_codes(icd10cm):
    assert "E11.9" in [c.code for c in icd10cm.billable_examples("E11")]
    assert [c.code for c in icd10cm.children("E11")][:3] == ["E11.0", "E11.1", "E11.2"]
