"""Privacy: what of a DICOM header may reach an output (an allow-list), and what never may.

Ingest copies DICOM attributes into ``meta/{case}.json`` through :data:`ALLOWED_ATTRIBUTES`
only: an explicit allow-list of acquisition facts, never a deny-list of identifiers, so an
attribute nobody thought of stays out by default. :data:`BASIC_PROFILE` lists the attributes
of the Basic Application Level Confidentiality Profile (DICOM PS3.15, Annex E, Table E.1-1:
every attribute the profile removes, empties, dummies, cleans or replaces, including the UIDs)
that this module covers; tests write a DICOM file carrying all of them and check that no value
reaches an output, and that the allow-list and this list never overlap.
"""

from __future__ import annotations

from typing import Any

import pydicom
from pydicom.datadict import tag_for_keyword

#: DICOM keyword -> key in ``meta["source"]``: the only header attributes copied to outputs.
#: None of them is in PS3.15 Table E.1-1 (:data:`BASIC_PROFILE`).
ALLOWED_ATTRIBUTES: dict[str, str] = {
    "Modality": "modality",
    "Manufacturer": "manufacturer",
    "ManufacturerModelName": "manufacturer_model",
    "SeriesNumber": "series_number",
    "ImageType": "image_type",
    "SliceThickness": "slice_thickness_mm",
    "PixelSpacing": "pixel_spacing_mm",
    "GantryDetectorTilt": "gantry_detector_tilt_deg",
    "KVP": "kvp",
    "ConvolutionKernel": "convolution_kernel",
    "PhotometricInterpretation": "photometric_interpretation",
    "BitsStored": "bits_stored",
    "RescaleType": "rescale_type",
}

#: PS3.15 Table E.1-1 (Basic Application Level Confidentiality Profile), by DICOM keyword.
#: Repeating-group attributes (overlays 60xx, curves 50xx) are in :data:`BASIC_PROFILE_REPEATING`.
BASIC_PROFILE: tuple[str, ...] = (
    "AccessionNumber", "AcquisitionComments", "AcquisitionContextSequence", "AcquisitionDate",
    "AcquisitionDateTime", "AcquisitionDeviceProcessingDescription", "AcquisitionProtocolDescription",
    "AcquisitionTime", "AcquisitionUID", "ActualHumanPerformersSequence", "AdditionalPatientHistory",
    "AddressTrial", "AdmissionID", "AdmittingDate", "AdmittingDiagnosesCodeSequence",
    "AdmittingDiagnosesDescription", "AdmittingTime", "AffectedSOPInstanceUID", "Allergies", "Arbitrary",
    "AuthorObserverSequence", "BranchOfService", "CassetteID", "CommentsOnThePerformedProcedureStep",
    "ConcatenationUID", "ConfidentialityConstraintOnPatientDataDescription", "ContentCreatorName",
    "ContentCreatorIdentificationCodeSequence", "ContentDate", "ContentSequence", "ContentTime",
    "ContextGroupExtensionCreatorUID", "ContrastBolusAgent", "ContributionDescription", "CountryOfResidence",
    "CreatorVersionUID", "CurrentObserverTrial", "CurrentPatientLocation", "CurveDate", "CurveTime",
    "CustodialOrganizationSequence", "DataSetTrailingPadding", "DerivationDescription", "DetectorID",
    "DeviceSerialNumber", "DeviceUID", "DigitalSignatureUID", "DigitalSignaturesSequence",
    "DimensionOrganizationUID", "DischargeDiagnosisDescription", "DistributionAddress", "DistributionName",
    "DoseReferenceUID", "EndAcquisitionDateTime", "EthnicGroup", "ExpectedCompletionDateTime",
    "FailedSOPInstanceUIDList", "FiducialUID", "FillerOrderNumberImagingServiceRequest", "FrameComments",
    "FrameOfReferenceUID", "GantryID", "GeneratorID", "GraphicAnnotationSequence", "HumanPerformerName",
    "HumanPerformerOrganization", "IconImageSequence", "IdentifyingComments", "ImageComments",
    "ImagePresentationComments", "ImagingServiceRequestComments", "Impressions", "InstanceCreatorUID",
    "InstitutionAddress", "InstitutionCodeSequence", "InstitutionName", "InstitutionalDepartmentName",
    "InsurancePlanIdentification", "IntendedRecipientsOfResultsIdentificationSequence",
    "InterpretationApproverSequence", "InterpretationAuthor", "InterpretationDiagnosisDescription",
    "InterpretationIDIssuer", "InterpretationRecorder", "InterpretationText", "InterpretationTranscriber",
    "IrradiationEventUID", "IssuerOfAdmissionID", "IssuerOfPatientID", "IssuerOfServiceEpisodeID",
    "LargePaletteColorLookupTableUID", "LastMenstrualDate", "MAC", "MediaStorageSOPInstanceUID",
    "MedicalAlerts", "MedicalRecordLocator", "MilitaryRank", "ModifiedAttributesSequence",
    "ModifiedImageDescription", "ModifyingDeviceID", "ModifyingDeviceManufacturer",
    "NameOfPhysiciansReadingStudy", "NamesOfIntendedRecipientsOfResults", "ObservationDateTime",
    "ObservationSubjectUIDTrial", "Occupation", "OperatorIdentificationSequence", "OperatorsName",
    "OriginalAttributesSequence", "OrderCallbackPhoneNumber", "OrderEnteredBy", "OrderEntererLocation",
    "OtherPatientIDs", "OtherPatientIDsSequence", "OtherPatientNames", "OverlayDate", "OverlayTime",
    "PaletteColorLookupTableUID", "ParticipantSequence", "PatientAddress", "PatientComments", "PatientID",
    "PatientSexNeutered", "PatientState", "PatientTransportArrangements", "PatientAge", "PatientBirthDate",
    "PatientBirthName", "PatientBirthTime", "PatientInstitutionResidence", "PatientInsurancePlanCodeSequence",
    "PatientMotherBirthName", "PatientName", "PatientPrimaryLanguageCodeSequence",
    "PatientPrimaryLanguageModifierCodeSequence", "PatientReligiousPreference", "PatientSex", "PatientSize",
    "PatientTelephoneNumbers", "PatientWeight", "PerformedLocation", "PerformedProcedureStepDescription",
    "PerformedProcedureStepID", "PerformedProcedureStepStartDate", "PerformedProcedureStepStartTime",
    "PerformedStationAETitle", "PerformedStationGeographicLocationCodeSequence", "PerformedStationName",
    "PerformedStationNameCodeSequence", "PerformingPhysicianIdentificationSequence", "PerformingPhysicianName",
    "PersonAddress", "PersonIdentificationCodeSequence", "PersonName", "PersonTelephoneNumbers",
    "PhysicianApprovingInterpretation", "PhysiciansReadingStudyIdentificationSequence", "PhysiciansOfRecord",
    "PhysiciansOfRecordIdentificationSequence", "PreMedication", "PregnancyStatus", "ProtocolName",
    "ReasonForTheImagingServiceRequest", "ReasonForStudy", "ReferencedDigitalSignatureSequence",
    "ReferencedFrameOfReferenceUID", "ReferencedGeneralPurposeScheduledProcedureStepTransactionUID",
    "ReferencedImageSequence", "ReferencedPatientAliasSequence", "ReferencedPatientSequence",
    "ReferencedPerformedProcedureStepSequence", "ReferencedSOPInstanceMACSequence", "ReferencedSOPInstanceUID",
    "ReferencedSOPInstanceUIDInFile", "ReferencedStudySequence", "ReferringPhysicianAddress",
    "ReferringPhysicianIdentificationSequence", "ReferringPhysicianName", "ReferringPhysicianTelephoneNumbers",
    "RegionOfResidence", "RelatedFrameOfReferenceUID", "RequestAttributesSequence", "RequestedContrastAgent",
    "RequestedProcedureComments", "RequestedProcedureDescription", "RequestedProcedureID",
    "RequestedProcedureLocation", "RequestedSOPInstanceUID", "RequestingPhysician", "RequestingService",
    "ResponsibleOrganization", "ResponsiblePerson", "ResultsComments", "ResultsDistributionListSequence",
    "ResultsIDIssuer", "ReviewerName", "ScheduledHumanPerformersSequence", "ScheduledPatientInstitutionResidence",
    "ScheduledPerformingPhysicianIdentificationSequence", "ScheduledPerformingPhysicianName",
    "ScheduledProcedureStepEndDate", "ScheduledProcedureStepEndTime", "ScheduledProcedureStepDescription",
    "ScheduledProcedureStepLocation", "ScheduledProcedureStepStartDate", "ScheduledProcedureStepStartTime",
    "ScheduledStationAETitle", "ScheduledStationGeographicLocationCodeSequence", "ScheduledStationName",
    "ScheduledStationNameCodeSequence", "ScheduledStudyLocation", "ScheduledStudyLocationAETitle", "SeriesDate",
    "SeriesDescription", "SeriesInstanceUID", "SeriesTime", "ServiceEpisodeDescription", "ServiceEpisodeID",
    "SmokingStatus", "SOPInstanceUID", "SourceImageSequence", "SpecialNeeds", "StationName",
    "StorageMediaFileSetUID", "StudyComments", "StudyDate", "StudyDescription", "StudyID", "StudyIDIssuer",
    "StudyInstanceUID", "StudyTime", "SynchronizationFrameOfReferenceUID", "TemplateExtensionCreatorUID",
    "TemplateExtensionOrganizationUID", "TextComments", "TextString", "TimezoneOffsetFromUTC", "TopicAuthor",
    "TopicKeywords", "TopicSubject", "TopicTitle", "TransactionUID", "UID", "VerifyingObserverIdentificationCodeSequence",
    "VerifyingObserverName", "VerifyingObserverSequence", "VerifyingOrganization", "VisitComments",
)

#: Table E.1-1 attributes in repeating groups: name -> tag of the first group (overlay 6000, curve 5000).
BASIC_PROFILE_REPEATING: dict[str, int] = {
    "OverlayData": 0x60003000,
    "OverlayComments": 0x60004000,
    "CurveData": 0x50003000,
}


def basic_profile_tags() -> dict[str, int]:
    """Every attribute of :data:`BASIC_PROFILE` and :data:`BASIC_PROFILE_REPEATING`: name -> tag."""
    tags = {keyword: int(tag_for_keyword(keyword)) for keyword in BASIC_PROFILE}  # type: ignore[arg-type]
    tags.update(BASIC_PROFILE_REPEATING)
    return tags


def source_attributes(dataset: pydicom.Dataset) -> dict[str, Any]:
    """The allow-listed attributes of ``dataset`` as JSON-ready values under their meta keys.

    Only :data:`ALLOWED_ATTRIBUTES` are read; an absent or empty attribute is ``None``.
    Multi-valued attributes become lists; numbers become ``int``/``float``; anything else ``str``.
    """
    return {key: _plain(dataset.get(keyword)) for keyword, key in ALLOWED_ATTRIBUTES.items()}


def _plain(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, (list, tuple, pydicom.multival.MultiValue)):
        return [_plain(v) for v in value]
    if isinstance(value, (pydicom.valuerep.IS, int)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (pydicom.valuerep.DSfloat, pydicom.valuerep.DSdecimal, float)):
        return float(value)
    return str(value)
