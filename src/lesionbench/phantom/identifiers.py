"""Obviously fake patient-identifying values written into the phantom's DICOM headers.

They exist so that tests can grep every output of the pipeline for them: no DICOM
patient-identifying field may ever reach an output (docs/architecture.md, "Data flow").
"""

from __future__ import annotations

#: DICOM keyword -> fake value. Per-case values (``fake_identifiers``) start with or equal
#: these strings, so searching an output for any of these values finds every case's value.
FAKE_IDENTIFIERS: dict[str, str] = {
    "PatientName": "PHANTOM^FAKE^NOT-A-PERSON",
    "PatientID": "FAKE-ID-",
    "PatientBirthDate": "19000101",
    "OtherPatientIDs": "FAKE-OTHER-ID-",
    "AccessionNumber": "FAKEACC",
    "InstitutionName": "Fake Phantom Hospital",
    "InstitutionAddress": "1 Fake Street, Nowhere",
    "ReferringPhysicianName": "FAKE^REFERRER^NOT-A-DOCTOR",
    "OperatorsName": "FAKE^OPERATOR",
    "StationName": "FAKESTATION",
}


def fake_identifiers(index: int) -> dict[str, str]:
    """The fake identifying values of case ``index`` (case id ``ph{index:03d}``)."""
    case_id = f"ph{index:03d}"
    values = dict(FAKE_IDENTIFIERS)
    values["PatientID"] = f"{FAKE_IDENTIFIERS['PatientID']}{case_id}"
    values["OtherPatientIDs"] = f"{FAKE_IDENTIFIERS['OtherPatientIDs']}{case_id}"
    values["AccessionNumber"] = f"{FAKE_IDENTIFIERS['AccessionNumber']}{index:06d}"
    return values
