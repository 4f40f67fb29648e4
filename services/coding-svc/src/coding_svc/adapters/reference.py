"""The reference data coding edits run against, loaded once per process.

Each edit family is bound to its tables here; adding a family means adding it to ``CodingReference``.
ICD-10-CM comes from the simple-icd-10-cm package data; NCCI PTP, MUE and HCPCS Level II from the
CMS files named in the settings, or the bundled samples when none are configured.
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass

from coding_svc.adapters.cms_files import (
    SAMPLE_HCPCS, SAMPLE_MUE, SAMPLE_PTP, ReferenceData, load_reference, sample_file,
)
from coding_svc.adapters.icd10cm_loader import load_icd10cm
from coding_svc.config import Settings
from coding_svc.domain.codesets.icd10cm import ICD10CMCodeSet
from coding_svc.domain.codesets.procedures import ProcedureCatalog
from coding_svc.domain.edits.diagnoses import DiagnosisEdits
from coding_svc.domain.edits.engine import EditEngine
from coding_svc.domain.edits.lines import LineEdits
from coding_svc.domain.edits.mue import MueEdits
from coding_svc.domain.edits.ncci_ptp import NcciPtpEdits
from coding_svc.domain.edits.procedures import ProcedureEdits

log = logging.getLogger(__name__)
_lock = threading.Lock()


@dataclass(frozen=True)
class CodingReference:
    icd10cm: ICD10CMCodeSet
    cms: ReferenceData

    @functools.cached_property
    def edit_engine(self) -> EditEngine:
        """Every edit family, built once per process (the families are immutable)."""
        return self.edit_engine_for(catalog=None)

    def edit_engine_for(self, catalog: ProcedureCatalog | None) -> EditEngine:
        """Every edit family; with a practice's procedure catalog, codes missing from it are flagged."""
        return EditEngine([
            LineEdits(),
            DiagnosisEdits(self.icd10cm),
            ProcedureEdits(hcpcs=self.cms.hcpcs, catalog=catalog),
            NcciPtpEdits(self.cms.ptp),
            MueEdits(self.cms.mue),
        ])


@functools.cache
def _load(ptp_files: str, mue_file: str, hcpcs_file: str) -> CodingReference:
    ptp = [p.strip() for p in ptp_files.split(",") if p.strip()] or [sample_file(SAMPLE_PTP)]
    if not (ptp_files and mue_file and hcpcs_file):
        log.warning("coding edits use bundled SAMPLE CMS files: set NCCI_PTP_FILES, MUE_FILE and HCPCS_FILE "
                    "to a CMS release for real claims")
    cms = load_reference(ptp, mue_file or sample_file(SAMPLE_MUE), hcpcs_file or sample_file(SAMPLE_HCPCS))
    return CodingReference(icd10cm=load_icd10cm(), cms=cms)


def coding_reference(settings: Settings) -> CodingReference:
    """The process's reference data for these settings, loaded on the first call (thread-safe, once)."""
    with _lock:
        return _load(settings.ncci_ptp_files, settings.mue_file, settings.hcpcs_file)


def warm_up(settings: Settings) -> None:
    """Start-up hook: load every table before the first request needs it (a bad CMS file fails here)."""
    coding_reference(settings)
