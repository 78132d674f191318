import pytest

from lesionbench.phantom import PhantomSettings


def test_defaults_and_field_of_view():
    settings = PhantomSettings.from_dict({"cases": 3, "seed": 1})
    assert (settings.matrix, settings.slices, settings.slice_thickness_mm) == (512, 32, 5.0)
    assert settings.pixel_spacing == 0.45
    assert PhantomSettings.from_dict({"matrix": 128}).pixel_spacing == 1.8
    assert PhantomSettings.from_dict({"matrix": 100}).pixel_spacing == round(230.4 / 100, 6)
    assert PhantomSettings.from_dict({"matrix": 256, "pixel_spacing_mm": 0.9}).pixel_spacing == 0.9


def test_workflow_source_block_is_accepted():
    settings = PhantomSettings.from_dict({"kind": "phantom", "cases": 4, "seed": 1, "matrix": 64, "slices": 12,
                                          "lesion_free_fraction": 0.25, "volume_range_ml": [2, 40]})
    assert settings.volume_range_ml == (2.0, 40.0)
    assert settings.to_dict()["volume_range_ml"] == [2.0, 40.0]


@pytest.mark.parametrize("data, message", [
    ({"cases": 3, "colour": "red"}, "phantom.colour: unknown setting (valid: avm_fraction"),
    ({"matrix": "big"}, "phantom.matrix: input should be a valid integer (got 'big')"),
    ({"matrix": 16}, "phantom.matrix: must be >= 32 (got 16)"),
    ({"lesion_free_fraction": 1.5}, "phantom.lesion_free_fraction: must be <= 1 (got 1.5)"),
    ({"slice_subsamples": 2}, "phantom.slice_subsamples: must be odd, got 2"),
    ({"volume_range_ml": [5]}, "phantom.volume_range_ml[1]: required setting is missing"),
    ({"matrix": 64, "pixel_spacing_mm": 1.0}, "field of view"),
])
def test_bad_settings_raise_naming_the_key(data, message):
    with pytest.raises(ValueError, match="^phantom") as info:
        PhantomSettings.from_dict(data)
    assert message in str(info.value)
