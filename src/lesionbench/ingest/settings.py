"""Settings of DICOM ingestion: which series, and what to do with irregular geometry."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, field_validator

from lesionbench.config import Number, Settings

#: Policies for slices that are not evenly spaced along the slice normal.
UNEVEN_POLICIES = ("resample", "refuse")
#: Policies for a tilted gantry (slices stacked off the slice normal).
TILT_POLICIES = ("correct", "refuse")
#: Policies for gaps that are a whole multiple of the slice step (missing slices).
MISSING_POLICIES = ("refuse", "resample")
#: Voxel types of the written image.
OUTPUT_DTYPES = ("float32", "int16")


class IngestSettings(Settings):
    """How :func:`lesionbench.ingest.dicom_to_image` reads a folder.

    Attributes:
        series: which series of the folder to read: ``"largest_axial"`` (the axial image
            series with most slices; localizers, scouts, dose reports and secondary captures
            ignored; a tie is an error) or a one-key mapping ``{"description": REGEX}``
            (SeriesDescription matches the regular expression), ``{"uid": UID}``
            (SeriesInstanceUID) or ``{"number": N}`` (SeriesNumber). See
            :data:`lesionbench.ingest.series_select.RULES`.
        uneven_spacing: ``"resample"`` unevenly spaced slices onto a regular grid along the
            slice normal (linear interpolation, with a warning) or ``"refuse"`` them.
        gantry_tilt: ``"correct"`` a tilted stack onto an orthogonal grid as dcm2niix does
            (each slice shifted in-plane by its offset off the normal, linear interpolation;
            the tilt is recorded) or ``"refuse"`` it.
        missing_slices: gaps that are a whole multiple (>= 2) of the slice step: ``"refuse"``
            (default: a missing file is more likely a broken transfer than a design) or
            ``"resample"`` them like uneven spacing (the gap is interpolated).
        output_dtype: ``"float32"`` HU or ``"int16"`` HU (rounded, clipped to int16).
        spacing_tolerance_mm: slice steps within this distance (mm) of the median step are
            even; slices closer than this are duplicates; sideways drift of the slice
            positions beyond this (mm) is gantry tilt.
        resample_spacing_mm: slice spacing (mm) of a resampled stack; ``None`` follows
            dcm2niix: the smallest slice step, but at most ``2 x`` the number of slices over
            the stack's extent.
        padding_hu: HU written where PixelPaddingValue marks pixels outside the scanned field
            of view, and into the corners a tilt correction adds; ``None`` keeps the padding
            value rescaled like any pixel (dcm2niix's behaviour).
    """

    WHERE: ClassVar[str] = "ingest"

    series: Literal["largest_axial"] | dict[str, Any] = "largest_axial"
    uneven_spacing: Literal["resample", "refuse"] = "resample"
    gantry_tilt: Literal["correct", "refuse"] = "correct"
    missing_slices: Literal["refuse", "resample"] = "refuse"
    output_dtype: Literal["float32", "int16"] = "float32"
    spacing_tolerance_mm: Annotated[Number, Field(gt=0.0)] = 0.05
    resample_spacing_mm: Annotated[Number, Field(gt=0.0)] | None = None
    padding_hu: Number | None = -1024.0

    @field_validator("series", mode="before")
    @classmethod
    def _series_rule(cls, value: Any) -> Any:
        from lesionbench.ingest.series_select import check_rule

        check_rule(value)
        return value
