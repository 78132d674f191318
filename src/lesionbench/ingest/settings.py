"""Settings of DICOM ingestion: which series, and what to do with irregular geometry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

#: Policies for slices that are not evenly spaced along the slice normal.
UNEVEN_POLICIES = ("resample", "refuse")
#: Policies for a tilted gantry (slices stacked off the slice normal).
TILT_POLICIES = ("correct", "refuse")
#: Policies for gaps that are a whole multiple of the slice step (missing slices).
MISSING_POLICIES = ("refuse", "resample")
#: Voxel types of the written image.
OUTPUT_DTYPES = ("float32", "int16")


@dataclass(frozen=True)
class IngestSettings:
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

    series: str | Mapping[str, Any] = "largest_axial"
    uneven_spacing: str = "resample"
    gantry_tilt: str = "correct"
    missing_slices: str = "refuse"
    output_dtype: str = "float32"
    spacing_tolerance_mm: float = 0.05
    resample_spacing_mm: float | None = None
    padding_hu: float | None = -1024.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> IngestSettings:
        """Build from a config mapping; unknown keys and bad values raise ``ValueError``."""
        from lesionbench.ingest.series_select import check_rule

        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"ingest settings: unknown key(s) {unknown}; valid keys are {sorted(known)}")
        for key, allowed in (("uneven_spacing", UNEVEN_POLICIES), ("gantry_tilt", TILT_POLICIES),
                             ("missing_slices", MISSING_POLICIES), ("output_dtype", OUTPUT_DTYPES)):
            if key in data and data[key] not in allowed:
                raise ValueError(f"ingest settings: {key} must be one of {list(allowed)}, got {data[key]!r}")
        for key in ("spacing_tolerance_mm", "resample_spacing_mm", "padding_hu"):
            if data.get(key) is not None:
                try:
                    data[key] = float(data[key])
                except (TypeError, ValueError) as error:
                    raise ValueError(f"ingest settings: {key} must be a number, got {data[key]!r}") from error
        if "spacing_tolerance_mm" in data and not data["spacing_tolerance_mm"] > 0:
            raise ValueError(f"ingest settings: spacing_tolerance_mm must be > 0, got {data['spacing_tolerance_mm']}")
        if data.get("resample_spacing_mm") is not None and not data["resample_spacing_mm"] > 0:
            raise ValueError(f"ingest settings: resample_spacing_mm must be > 0, got {data['resample_spacing_mm']}")
        if "series" in data:
            check_rule(data["series"])
            if isinstance(data["series"], Mapping):
                data["series"] = dict(data["series"])
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (for provenance)."""
        return {f.name: (dict(v) if isinstance(v := getattr(self, f.name), Mapping) else v) for f in fields(self)}
