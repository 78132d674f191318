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
                                       "spacing_tolerance_mm": "0.1", "padding_hu": None})
    assert custom.series == {"description": "HEAD.*"} and custom.spacing_tolerance_mm == 0.1
    assert custom.padding_hu is None and IngestSettings.from_dict(custom.to_dict()) == custom


@pytest.mark.parametrize(("data", "message"), [
    ({"tilt": "correct"}, r"unknown key\(s\) \['tilt'\]"),
    ({"gantry_tilt": "ignore"}, r"gantry_tilt must be one of \['correct', 'refuse'\], got 'ignore'"),
    ({"uneven_spacing": "keep"}, r"uneven_spacing must be one of \['resample', 'refuse'\]"),
    ({"missing_slices": "fill"}, r"missing_slices must be one of \['refuse', 'resample'\]"),
    ({"output_dtype": "float64"}, r"output_dtype must be one of \['float32', 'int16'\]"),
    ({"spacing_tolerance_mm": 0}, "spacing_tolerance_mm must be > 0"),
    ({"spacing_tolerance_mm": "wide"}, "spacing_tolerance_mm must be a number, got 'wide'"),
    ({"resample_spacing_mm": -1}, "resample_spacing_mm must be > 0"),
    ({"series": "largest"}, r"series must be 'largest_axial', \{'description': REGEX\}"),
    ({"series": {"number": 1, "uid": "1.2"}}, "series must be"),
    ({"series": {"largest_axial": None}}, "series must be"),
    ({"series": {"description": "("}}, r"series description '\(' is not a valid regex"),
    ({"series": {"number": "3"}}, "series number must be an integer, got '3'"),
])
def test_bad_values(data, message):
    with pytest.raises(ValueError, match=message):
        IngestSettings.from_dict(data)
