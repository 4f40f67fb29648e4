"""Procedure-side code sets: CPT/HCPCS code shapes, the modifier catalog, HCPCS Level II and the tenant's
procedure catalog.

CPT is licensed by the AMA: this module knows CPT code *shapes* and CPT modifier *codes*, never CPT
descriptions. Whether a CPT code is one a practice bills is answered by the tenant's own procedure
catalog (their descriptions, their charges). HCPCS Level II is public CMS data; its descriptions come
from the CMS annual file through ``adapters.cms_files``.

Pure domain code: no I/O. Tables are immutable once built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from openrcm_shared.identifiers import cpt_category, procedure_code_system

CODE_SYSTEMS = ("CPT", "HCPCS")
MAX_MODIFIERS = 4  # SV101-3..6 of the 837P


def procedure_format_problem(code: str, code_system: str) -> str | None:
    """Why ``code`` is not a well-formed code of ``code_system``, or None when it is.

    CPT: Category I (5 digits, or ####A vaccine administration), II (####F), III (####T), PLA (####U),
    MAAA administrative (####M). HCPCS Level II: a letter A-V other than D, F, I, N, O (D codes are the
    ADA's CDT) and 4 digits.
    """
    shape = procedure_code_system(code)
    if shape is None:
        return (
            f"{code!r} is neither a CPT code (5 digits, or 4 digits and F, T, U, A or M) "
            "nor a HCPCS Level II code (a letter and 4 digits)"
        )
    if code_system not in CODE_SYSTEMS:
        return f"code system {code_system!r} is not CPT or HCPCS"
    if shape != code_system:
        return f"{code} has the shape of a {shape} code but is marked {code_system}"
    return None


def is_evaluation_and_management(code: str) -> bool:
    """CPT E/M codes 99202-99499 (the range NCCI's modifier 25 rule speaks of)."""
    return code.isdigit() and 99202 <= int(code) <= 99499


# ------------------------------------------------------------------------------------------------ modifiers
class NcciRole(StrEnum):
    """What an NCCI PTP-associated modifier says about a pair of services (NCCI Policy Manual, ch. I)."""

    DISTINCT = "distinct"  # 59, XE, XS, XP, XU: a distinct procedural service
    ANATOMIC = "anatomic"  # a named site: different sites on the two lines make the services distinct
    EVALUATION = "evaluation"  # 24, 25, 57: on an E/M line, the visit is separate from the procedure
    GLOBAL_SURGERY = "global_surgery"  # 58, 78, 79: a procedure in another procedure's global period
    REPEAT_TEST = "repeat_test"  # 91: a clinical lab test repeated on the same day
    OUTPATIENT_EVALUATION = "outpatient_evaluation"  # 27: hospital outpatient multiple E/M encounters


@dataclass(frozen=True, slots=True)
class Modifier:
    code: str
    level: str  # "CPT" (AMA) or "HCPCS" (Level II, CMS)
    description: str | None  # our own words; None for CPT modifiers (AMA text is licensed)
    ncci: NcciRole | None = None

    @property
    def ncci_associated(self) -> bool:
        return self.ncci is not None


# CPT modifier codes (two characters only, no AMA text). Category II performance modifiers included.
_CPT_MODIFIERS = (
    "22 23 24 25 26 27 32 33 47 50 51 52 53 54 55 56 57 58 59 62 63 66 73 74 76 77 78 79 80 81 82 90 91 92 93 "
    "95 96 97 99 1P 2P 3P 8P"
).split()

# HCPCS Level II modifiers, each with a short description in our own words. Public CMS code set; the
# list follows the CMS annual file (modifiers terminated before 2026 left out) plus later additions.
_HCPCS_MODIFIERS = """
A1 dressing, one wound|A2 dressing, two wounds|A3 dressing, three wounds|A4 dressing, four wounds
A5 dressing, five wounds|A6 dressing, six wounds|A7 dressing, seven wounds|A8 dressing, eight wounds
A9 dressing, nine or more wounds|AA anesthesia personally performed by anesthesiologist
AD physician supervising more than four concurrent anesthesia cases|AE registered dietitian|AF specialty physician
AG primary physician|AH clinical psychologist|AI principal physician of record|AJ clinical social worker
AK non-participating physician|AM physician, team member|AO provider declined alternate payment method
AP refractive state not determined in eye exam|AQ physician in unlisted shortage area
AR physician in scarcity area|AS PA, NP or CNS assisting at surgery|AT acute chiropractic treatment
AU item with urological, ostomy or tracheostomy supply|AV item with prosthetic or orthotic
AW item with surgical dressing|AX item with dialysis services|AY item or service for ESRD patient, not for ESRD
AZ dental shortage area, EHR incentive|BA item with parenteral or enteral nutrition|BL special blood acquisition
BO oral nutrition, no feeding tube|BP beneficiary chose to purchase|BR beneficiary chose to rent
BU beneficiary undecided on purchase or rental|CA inpatient-only procedure, patient died before admission
CB ESRD-related service ordered by dialysis facility physician|CC procedure code changed
CD AMCC test, part of composite rate|CE AMCC test beyond composite-rate frequency|CF AMCC test outside composite rate
CG policy criteria applied|CH 0 percent impaired|CI 1 to under 20 percent impaired|CJ 20 to under 40 percent impaired
CK 40 to under 60 percent impaired|CL 60 to under 80 percent impaired|CM 80 to under 100 percent impaired
CN 100 percent impaired|CO outpatient OT in part by an OT assistant|CP adjunctive service to a C-APC procedure
CQ outpatient PT in part by a PT assistant|CR catastrophe or disaster related|CS cost-sharing waived
CT CT equipment not meeting NEMA XR-29|DA oral health assessment by non-dentist|DR disaster related
E1 upper left eyelid|E2 lower left eyelid|E3 upper right eyelid|E4 lower right eyelid
EA ESA for chemotherapy-induced anemia|EB ESA for radiotherapy-induced anemia|EC ESA for other anemia
ED hematocrit above limit, 3 or more cycles|EE hematocrit not above limit, 3 or more cycles
EJ subsequent claim in a course of therapy|EM emergency reserve supply (ESRD)|EP Medicaid EPSDT service
ER item or service from an off-campus emergency department|ET emergency service|EX expatriate beneficiary
EY no order for the item or service|F1 left hand, second digit|F2 left hand, third digit
F3 left hand, fourth digit|F4 left hand, fifth digit|F5 right hand, thumb|F6 right hand, second digit
F7 right hand, third digit|F8 right hand, fourth digit|F9 right hand, fifth digit|FA left hand, thumb
FB item provided at no cost or with full credit|FC partial credit for replaced device|FP family planning service
FQ audio-only communication|FR supervising practitioner present by audio-video|FS split or shared E/M visit
FT unrelated E/M visit on the day of or after a procedure|FX X-ray taken on film|FY X-ray by computed radiography
G0 telehealth for acute stroke|G1 URR below 60|G2 URR 60 to 64.9|G3 URR 65 to 69.9|G4 URR 70 to 74.9
G5 URR 75 or more|G6 ESRD patient, fewer than six dialysis sessions in the month
G7 pregnancy from rape or incest, or life-threatening
G8 monitored anesthesia care, complex procedure|G9 monitored anesthesia care, high-risk patient
GA waiver of liability on file, individual case|GB claim resubmitted after global demonstration
GC resident service under teaching physician|GD units above MUE, reasonable and necessary
GE resident service, primary care exception|GF non-physician service in a critical access hospital
GG screening and diagnostic mammogram same day|GH diagnostic mammogram converted from screening
GJ opt-out practitioner, emergency service|GK item tied to a GA or GZ item|GL upgrade provided at no charge, no ABN
GM several patients on one ambulance trip|GN outpatient speech-language pathology plan of care
GO outpatient occupational therapy plan of care|GP outpatient physical therapy plan of care
GQ asynchronous telehealth|GR service by resident at a VA facility|GS ESA dose reduced and maintained
GT interactive audio-video telehealth|GU waiver of liability, routine notice|GV attending physician outside hospice
GW service unrelated to terminal condition|GX voluntary liability notice|GY statutorily excluded
GZ expected to be denied as not reasonable and necessary|H9 court-ordered|HA child or adolescent program
HB adult program, non-geriatric|HC adult program, geriatric|HD pregnant or parenting women's program
HE mental health program|HF substance use program|HG opioid treatment program
HH integrated mental health and substance use program|HI mental health and developmental disability program
HJ employee assistance program|HK high-risk mental health population program|HL intern
HM below bachelor's degree|HN bachelor's degree|HO master's degree|HP doctoral level|HQ group setting
HR family or couple, client present|HS family or couple, client absent|HT multidisciplinary team
HU child welfare agency funded|HV state addictions agency funded|HW state mental health agency funded
HX county or local agency funded|HY juvenile justice agency funded|HZ criminal justice agency funded
J1 CAP no-pay submission|J2 CAP restocking of emergency drugs|J3 CAP drug not available, ASP pricing
J4 competitive-bid DMEPOS item from a hospital at discharge|J5 off-the-shelf orthotic furnished by a therapist
JA given intravenously|JB given subcutaneously|JC skin substitute used as a graft|JD skin substitute not used as a graft
JE given through dialysate|JG drug acquired through 340B|JW drug amount discarded|JZ no drug amount discarded
K0 lower-limb prosthesis functional level 0|K1 lower-limb prosthesis functional level 1
K2 lower-limb prosthesis functional level 2|K3 lower-limb prosthesis functional level 3
K4 lower-limb prosthesis functional level 4|KA wheelchair add-on or accessory|KB beneficiary upgrade with ABN
KC special power wheelchair interface replaced|KD drug or biological infused through DME
KE competitive-bid round one, non-bid base equipment|KF FDA class III device|KG DMEPOS competitive bidding program 1
KH DMEPOS first claim or first rental month|KI DMEPOS second or third rental month
KJ PEN pump or capped rental, months 4 to 15|KK DMEPOS competitive bidding program 2|KL DMEPOS item delivered by mail
KM facial prosthesis replaced, new impression|KN facial prosthesis replaced, previous model
KO single-drug unit dose|KP first drug of a multi-drug unit dose|KQ later drug of a multi-drug unit dose
KR rental, partial month|KS glucose supplies, patient not on insulin|KT beneficiary outside competitive-bid area
KU DMEPOS competitive bidding program 3|KV DMEPOS item with a professional service
KW DMEPOS competitive bidding program 4|KX medical policy requirements met|KY DMEPOS competitive bidding program 5
KZ new coverage not implemented by managed care|L1 separately payable hospital lab test
LC left circumflex coronary artery|LD left anterior descending coronary artery|LL lease or rental applied to purchase
LM left main coronary artery|LR laboratory round trip|LS FDA-monitored intraocular lens|LT left side
LU fractionated payment|M2 Medicare secondary payer|MA ordering professional not required to consult AUC
MB AUC not consulted, insufficient connectivity|MC AUC not consulted, vendor issue
MD AUC not consulted, extreme circumstances|ME order adheres to AUC|MF order does not adhere to AUC
MG order has no applicable AUC|MH ordering professional did not provide AUC information
MS six-month maintenance and servicing fee|NB drug-specific nebulizer|NR new when rented|NU new equipment
P1 normal healthy patient|P2 mild systemic disease|P3 severe systemic disease|P4 severe systemic disease, threat to life
P5 moribund patient|P6 brain-dead organ donor|PA procedure on wrong body part|PB procedure on wrong patient
PC wrong procedure on patient|PD item or service within 3 days before an admission|PI PET for initial treatment strategy
PL progressive addition lenses|PM post mortem|PN non-excepted off-campus provider-based service
PO excepted off-campus provider-based service|PS PET for subsequent treatment strategy
PT colorectal screening converted to diagnostic|Q0 investigational service in a clinical study
Q1 routine service in a clinical study|Q2 CMS demonstration project service|Q3 live kidney donor surgery
Q4 ordering physician service exempt|Q5 substitute physician, reciprocal billing|Q6 locum tenens physician
Q7 one class A finding|Q8 two class B findings|Q9 one class B and two class C findings
QA oxygen, day and night average below 1 LPM|QB oxygen, day and night average above 4 LPM with portable
QC single-channel monitoring|QD solid-state recording|QE oxygen below 1 LPM|QF oxygen above 4 LPM with portable
QG oxygen above 4 LPM|QH oxygen conserving device|QJ patient in state or local custody
QK medical direction of 2 to 4 concurrent anesthesia cases|QL patient died after ambulance called
QM ambulance under arrangement|QN ambulance furnished directly|QP individually ordered lab test
QQ ordering professional consulted AUC|QR oxygen, day and night average 1 to 4 LPM|QS monitored anesthesia care
QT analog tape recording|QW CLIA-waived test|QX CRNA with medical direction|QY medical direction of one CRNA
QZ CRNA without medical direction|RA replacement of DME, orthotic or prosthetic item|RB replacement part in a repair
RC right coronary artery|RD drug given to patient, not incident-to|RE furnished under FDA REMS
RI ramus intermedius coronary artery|RR rental|RT right side|SA nurse practitioner with physician
SB nurse midwife|SC medically necessary service or supply|SD home infusion registered nurse
SE state or federally funded program|SF second opinion ordered by a QIO|SG ASC facility service
SH second concurrent infusion|SJ third or later concurrent infusion|SK high-risk population, immunization
SL state-supplied vaccine|SM second surgical opinion|SN third surgical opinion|SQ item ordered by home health
SS home infusion in the infusion suite|ST trauma or injury related|SU performed in physician's office
SV drugs delivered but not used|SW certified diabetes educator|SY close contact of high-risk population
SZ habilitative service|T1 left foot, second digit|T2 left foot, third digit|T3 left foot, fourth digit
T4 left foot, fifth digit|T5 right foot, great toe|T6 right foot, second digit|T7 right foot, third digit
T8 right foot, fourth digit|T9 right foot, fifth digit|TA left foot, great toe|TB 340B drug, exempt provider
TC technical component|TD registered nurse|TE LPN or LVN|TF intermediate level of care|TG complex level of care
TH obstetric service, prenatal or postpartum|TJ child or adolescent program group|TK extra passenger, non-ambulance
TL early intervention, IFSP|TM individualized education program|TN rural or outside service area
TP transport, unloaded vehicle|TQ basic life support by volunteer ambulance|TR school IEP service out of district
TS follow-up service|TT service to more than one patient in the same setting|TU overtime rate
TV holiday or weekend rate|TW back-up equipment|U1 Medicaid level of care 1|U2 Medicaid level of care 2
U3 Medicaid level of care 3|U4 Medicaid level of care 4|U5 Medicaid level of care 5|U6 Medicaid level of care 6
U7 Medicaid level of care 7|U8 Medicaid level of care 8|U9 Medicaid level of care 9|UA Medicaid level of care 10
UB Medicaid level of care 11|UC Medicaid level of care 12|UD Medicaid level of care 13|UE used equipment
UF morning|UG afternoon|UH evening|UJ night|UK service for the client given to someone else
UN two patients served|UP three patients served|UQ four patients served|UR five patients served
US six or more patients served|V1 demonstration modifier 1|V2 demonstration modifier 2|V3 demonstration modifier 3
V5 vascular catheter access|V6 arteriovenous graft access|V7 arteriovenous fistula access|VP aphakic patient
X1 continuous or broad services|X2 continuous or focused services|X3 episodic or broad services
X4 episodic or focused services|X5 diagnostic service requested by another clinician
XE separate encounter|XP separate practitioner|XS separate organ or structure|XU unusual non-overlapping service
"""

_NCCI_ROLES: Mapping[str, NcciRole] = {
    **dict.fromkeys(("59", "XE", "XS", "XP", "XU"), NcciRole.DISTINCT),
    **dict.fromkeys(
        ("E1", "E2", "E3", "E4", "FA", *(f"F{n}" for n in range(1, 10)), "TA", *(f"T{n}" for n in range(1, 10)),
         "LT", "RT", "LC", "LD", "RC", "LM", "RI"),
        NcciRole.ANATOMIC,
    ),
    **dict.fromkeys(("24", "25", "57"), NcciRole.EVALUATION),
    **dict.fromkeys(("58", "78", "79"), NcciRole.GLOBAL_SURGERY),
    "91": NcciRole.REPEAT_TEST,
    "27": NcciRole.OUTPATIENT_EVALUATION,
}


def _builtin_modifiers() -> dict[str, Modifier]:
    table = {code: Modifier(code, "CPT", None, _NCCI_ROLES.get(code)) for code in _CPT_MODIFIERS}
    for entry in _HCPCS_MODIFIERS.replace("\n", "|").split("|"):
        if entry.strip():
            code, description = entry.strip().split(" ", 1)
            table[code] = Modifier(code, "HCPCS", description, _NCCI_ROLES.get(code))
    return table


class ModifierCatalog:
    """The modifiers a line may carry: CPT modifier codes and HCPCS Level II modifiers."""

    def __init__(self, modifiers: Iterable[Modifier]) -> None:
        self._by_code: Mapping[str, Modifier] = MappingProxyType({m.code: m for m in modifiers})

    @classmethod
    def builtin(cls) -> "ModifierCatalog":
        return _BUILTIN

    def get(self, code: str) -> Modifier | None:
        return self._by_code.get(code)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._by_code)

    def ncci_role(self, code: str) -> NcciRole | None:
        modifier = self._by_code.get(code)
        return modifier.ncci if modifier else None

    def ncci_associated(self) -> frozenset[str]:
        return frozenset(code for code, m in self._by_code.items() if m.ncci is not None)


_BUILTIN = ModifierCatalog(_builtin_modifiers().values())


# ------------------------------------------------------------------------------------------------ HCPCS Level II
@dataclass(frozen=True, slots=True)
class HcpcsEntry:
    """One HCPCS Level II procedure or modifier record (the CMS annual file, continuation lines joined).

    ``added`` is when the code entered HCPCS, ``action_effective`` when its latest change took effect and
    ``terminated`` the last date it may be used (None while current).
    """

    code: str
    short_description: str
    long_description: str
    added: date | None
    action_effective: date | None
    terminated: date | None
    action_code: str = ""

    def valid_on(self, day: date) -> bool:
        starts = self.added or self.action_effective
        return (starts is None or starts <= day) and (self.terminated is None or day <= self.terminated)


class HcpcsLevel2:
    """The HCPCS Level II code set: procedure codes and modifiers, looked up by code."""

    def __init__(self, codes: Iterable[HcpcsEntry], modifiers: Iterable[HcpcsEntry] = ()) -> None:
        self._codes: Mapping[str, HcpcsEntry] = MappingProxyType({e.code: e for e in codes})
        self._modifiers: Mapping[str, HcpcsEntry] = MappingProxyType({e.code: e for e in modifiers})

    def code(self, code: str) -> HcpcsEntry | None:
        return self._codes.get(code)

    def modifier(self, code: str) -> HcpcsEntry | None:
        return self._modifiers.get(code)

    @property
    def codes(self) -> Mapping[str, HcpcsEntry]:
        return self._codes

    @property
    def modifiers(self) -> Mapping[str, HcpcsEntry]:
        return self._modifiers

    def __len__(self) -> int:
        return len(self._codes)


# ------------------------------------------------------------------------------------------------ tenant catalog
@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """One row of a tenant's procedure catalog: their description and default charge for a code (and
    optionally a modifier, e.g. 26 for the professional component)."""

    procedure_code: str
    modifier: str | None
    description: str
    default_charge: Decimal
    active: bool = True


class DuplicateCatalogEntry(ValueError):
    pass


class ProcedureCatalog:
    """A tenant's procedure catalog, keyed by (procedure code, modifier or None)."""

    def __init__(self, entries: Iterable[CatalogEntry]) -> None:
        by_key: dict[tuple[str, str | None], CatalogEntry] = {}
        for entry in entries:
            key = (entry.procedure_code, entry.modifier)
            if key in by_key:
                raise DuplicateCatalogEntry(f"{entry.procedure_code} {entry.modifier or ''}".strip())
            by_key[key] = entry
        self._by_key: Mapping[tuple[str, str | None], CatalogEntry] = MappingProxyType(by_key)
        self._codes = frozenset(code for code, _ in by_key)

    def __len__(self) -> int:
        return len(self._by_key)

    def has_code(self, procedure_code: str) -> bool:
        return procedure_code in self._codes

    def entry(self, procedure_code: str, modifiers: Iterable[str] = ()) -> CatalogEntry | None:
        """The row for the code with the first of ``modifiers`` that has one, else the code's plain row."""
        for modifier in modifiers:
            found = self._by_key.get((procedure_code, modifier))
            if found is not None:
                return found
        return self._by_key.get((procedure_code, None))

    def entries(self) -> tuple[CatalogEntry, ...]:
        return tuple(self._by_key.values())


__all__ = [
    "CODE_SYSTEMS", "MAX_MODIFIERS", "CatalogEntry", "DuplicateCatalogEntry", "HcpcsEntry", "HcpcsLevel2",
    "Modifier", "ModifierCatalog", "NcciRole", "ProcedureCatalog", "cpt_category", "is_evaluation_and_management",
    "procedure_format_problem",
]
