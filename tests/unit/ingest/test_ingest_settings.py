"""IngestSettings: defaults, parsing and the errors for bad values."""

import pytest

from lesionbench.ingest import IngestSettings


def test_defaults_and_round_trip():
    settings = IngestSettings.from_dict({})
    assert settings == IngestSettings()
    assert settings.to_dict() == {"series": "largest_axial", "uneven_spacing": "resample", "gantry_tilt": "correct",
                                  "missing_slices": "refuse", "output_dtype": "float32", "spacing_tolerance_mm": 0.05,
                                  "resample_spacing_mm": None, "padding_hu": -1024.0}
    custom = IngestSettings.from_dict({"series": {"description": "HEAD.*"}, "output_dtype": "int16",
                                       "spacing_tolerance_mm": 0.1, "padding_hu": None})
    assert custom.series == {"description": "HEAD.*"} and custom.spacing_tolerance_mm == 0.1
    assert custom.padding_hu is None and IngestSettings.from_dict(custom.to_dict()) == custom


@pytest.mark.parametrize(("data", "message"), [
    ({"tilt": "correct"}, r"ingest.tilt: unknown setting \(valid: gantry_tilt"),
    ({"gantry_tilt": "ignore"}, "ingest.gantry_tilt: 'ignore' is not one of 'correct' or 'refuse'"),
    ({"uneven_spacing": "keep"}, "ingest.uneven_spacing: 'keep' is not one of 'resample' or 'refuse'"),
    ({"missing_slices": "fill"}, "ingest.missing_slices: 'fill' is not one of 'refuse' or 'resample'"),
    ({"output_dtype": "float64"}, "ingest.output_dtype: 'float64' is not one of 'float32' or 'int16'"),
    ({"spacing_tolerance_mm": 0}, r"ingest.spacing_tolerance_mm: must be > 0 \(got 0\)"),
    ({"spacing_tolerance_mm": "wide"}, "ingest.spacing_tolerance_mm: expected a number, got 'wide'"),
    ({"resample_spacing_mm": -1}, r"ingest.resample_spacing_mm: must be > 0"),
    ({"series": "largest"}, r"series must be 'largest_axial', \{'description': REGEX\}"),
    ({"series": {"number": 1, "uid": "1.2"}}, "series must be"),
    ({"series": {"largest_axial": None}}, "series must be"),
    ({"series": {"description": "("}}, r"series description '\(' is not a valid regex"),
    ({"series": {"number": "3"}}, "series number must be an integer, got '3'"),
])
def test_bad_values(data, message):
    with pytest.raises(ValueError, match=message):
        IngestSettings.from_dict(data)
