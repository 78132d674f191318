"""T1 contrast of the MRI phantom, measured on the rendered volumes with their own labels."""

import numpy as np
import pytest
from scipy import ndimage

from lesionbench.phantom.mri import TISSUES, MriPhantomSettings, render_case

SMALL = {"cases": 20, "seed": 1, "shape": [64, 76, 62]}   # 3.08 mm voxels


@pytest.fixture(scope="module")
def sharp():
    """Four cases without partial-volume blur: every labelled voxel holds its tissue's T1."""
    settings = MriPhantomSettings.from_dict({**SMALL, "blur_sigma_voxels": 0.0})
    return [render_case(i, settings) for i in range(4)]


@pytest.fixture(scope="module")
def blurred():
    settings = MriPhantomSettings.from_dict(SMALL)
    return [render_case(i, settings) for i in range(4)]


def _median(case, name):
    return float(np.median(case.image[case.tissue == TISSUES[name]]))


def test_white_above_grey_above_csf_at_realistic_ratios(sharp):
    """Skull-stripped T1: WM 1 : GM 0.6-0.7 : CSF 0.2-0.3, read back through bias and noise."""
    for case in sharp:
        wm, gm, csf = (_median(case, name) for name in ("wm", "gm", "csf"))
        assert 0.55 <= gm / wm <= 0.72, case.truth.case_id
        assert 0.15 <= csf / wm <= 0.33, case.truth.case_id
        assert gm < _median(case, "deep_gm") < wm
        assert _median(case, "ventricle") / wm == pytest.approx(csf / wm, abs=0.03)
        # The truth JSON's nominal intensities are what the image holds.
        assert gm / wm == pytest.approx(case.truth.intensities["gm"] / case.truth.intensities["wm"], abs=0.02)


def test_ordering_survives_partial_volume(blurred):
    """Blurred 3 mm voxels: grey keeps its nominal ratio to white; CSF (thin sulci) only brightens."""
    for case in blurred:
        wm, gm, csf = (_median(case, name) for name in ("wm", "gm", "csf"))
        nominal = {k: v / case.truth.intensities["wm"] for k, v in case.truth.intensities.items()}
        assert wm > gm > csf
        assert gm / wm == pytest.approx(nominal["gm"], abs=0.05)
        assert nominal["csf"] - 0.02 <= csf / wm <= nominal["csf"] + 0.15


def test_subjects_differ_in_contrast_and_gain(sharp):
    ratios = [_median(c, "gm") / _median(c, "wm") for c in sharp]
    gains = [c.truth.intensities["wm"] for c in sharp]
    assert max(ratios) - min(ratios) > 0.01
    assert max(gains) / min(gains) > 1.02


def test_background_is_zero_outside_the_brain(blurred):
    for case in blurred:
        brain = case.brain.astype(bool)
        assert np.all(case.image[~brain] == 0.0)
        assert np.all(case.image[brain] > 0.0)
        assert np.all(case.tissue[~brain] == TISSUES["background"])
        assert np.all(case.tissue[brain] != TISSUES["background"])
        assert 900 <= brain.sum() * case.grid.voxel_volume_ml <= 2200  # mL: a brain with its CSF


def test_lesions_are_hypointense_to_the_parenchyma_around_them(blurred):
    parenchyma = [TISSUES["gm"], TISSUES["deep_gm"], TISSUES["wm"]]
    ratios = []
    for case in blurred:
        lesion = case.lesion.astype(bool)
        ring = ndimage.binary_dilation(lesion, iterations=2) & ~lesion & np.isin(case.tissue, parenchyma)
        assert lesion.any() and ring.any()
        ratios.append(case.image[lesion].mean() / case.image[ring].mean())
        grey = _median(case, "gm")
        assert case.image[lesion].mean() < grey, case.truth.case_id
    assert max(ratios) < 0.85, ratios


def test_lesion_core_is_csf_like_and_rim_brighter():
    """A large lesion: its core (deep inside) is near CSF, its border voxels brighter."""
    settings = MriPhantomSettings.from_dict({**SMALL, "blur_sigma_voxels": 0.0, "noise_fraction": [0, 0],
                                             "cortical_fraction": 1.0, "cortical_volume_ml": [60.0, 0.0],
                                             "lesion_count_weights": [1.0]})
    case = render_case(0, settings)
    lesion = case.lesion.astype(bool)
    core = ndimage.binary_erosion(lesion, iterations=2)
    border = lesion & ~ndimage.binary_erosion(lesion)
    csf, grey = case.truth.intensities["csf"], case.truth.intensities["gm"]
    bias = case.bias
    core_value = np.median(case.image[core] / bias[core])
    border_value = np.median(case.image[border] / bias[border])
    assert core.sum() > 10
    assert csf <= core_value <= 1.45 * csf
    assert core_value < border_value < grey


def test_bias_field_is_smooth_and_multiplicative():
    base = {**SMALL, "noise_fraction": [0, 0]}
    biased = render_case(2, MriPhantomSettings.from_dict({**base, "bias_strength": [0.2, 0.2]}))
    flat = render_case(2, MriPhantomSettings.from_dict({**base, "bias_strength": [0, 0]}))
    assert np.all(flat.bias == 1.0)
    brain = biased.brain.astype(bool)
    np.testing.assert_allclose(biased.image[brain] / flat.image[brain], biased.bias[brain], rtol=1e-5)
    bias = biased.bias[brain]
    assert bias.max() / bias.min() > 1.1    # a visible non-uniformity ...
    assert np.exp(-0.2) - 1e-5 <= bias.min() and bias.max() <= np.exp(0.2) + 1e-5  # ... bounded by the strength
    # Smooth: over the brain, neighbouring voxels (3 mm apart) differ by under 2 % and the
    # log-field's discrete Laplacian is tiny (white noise of that range would give ~0.1).
    log_bias = np.log(biased.bias)
    for axis in range(3):
        n = log_bias.shape[axis]
        pairs = np.take(brain, range(n - 1), axis=axis) & np.take(brain, range(1, n), axis=axis)
        assert np.abs(np.diff(log_bias, axis=axis))[pairs].max() < 0.02
    inner = (slice(1, -1),) * 3
    neighbours = sum(np.roll(log_bias, shift, axis)[inner] for axis in range(3) for shift in (1, -1))
    laplacian = 6 * log_bias[inner] - neighbours
    assert np.abs(laplacian).max() < 0.005


def test_noise_is_rician_at_the_drawn_level():
    settings = MriPhantomSettings.from_dict({**SMALL, "blur_sigma_voxels": 0.0, "bias_strength": [0, 0],
                                             "noise_fraction": [0.03, 0.03]})
    case = render_case(0, settings)
    sigma = case.truth.noise_sigma
    assert sigma == pytest.approx(0.03 * case.truth.intensities["wm"], rel=1e-4)
    wm = case.image[case.tissue == TISSUES["wm"]]
    assert np.std(wm) == pytest.approx(sigma, rel=0.1)
    # Rician: on a dark tissue the magnitude's mean sits above the signal by about sigma^2 / (2 S).
    csf = case.image[case.tissue == TISSUES["csf"]]
    signal = case.truth.intensities["csf"]
    assert np.mean(csf) - signal == pytest.approx(sigma ** 2 / (2 * signal), abs=0.05 * sigma)


@pytest.mark.parametrize("cohort, low_mm2", [("atlas", 1000.0), ("isles2015", 3000.0)])
def test_the_brain_fits_the_field_of_view(cohort, low_mm2):
    """The brain stays off the lateral, front, back and top faces; the lowest slice cuts the
    brainstem (a ~600 mm2 section), or on ISLES' tight 154 mm also the cerebellum's base."""
    settings = MriPhantomSettings.from_dict({"cohort": cohort, "cases": 6, "scale": 0.25})
    for index in range(settings.cases):
        case = render_case(index, settings)
        brain = case.brain.astype(bool)
        faces = [brain[:, 0], brain[:, -1], brain[:, :, 0], brain[:, :, -1]]
        assert not any(face.any() for face in faces), (cohort, index)
        pixel_mm2 = case.grid.spacing[0] * case.grid.spacing[1]
        assert brain[-1].sum() * pixel_mm2 < 100.0, (cohort, index)
        assert brain[0].sum() * pixel_mm2 < low_mm2, (cohort, index)
