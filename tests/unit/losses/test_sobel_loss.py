import math

import numpy as np
import pytest
import torch
from scipy import ndimage

from lesionbench.losses import SobelLoss, create_loss, sobel_edges

EPS = 1e-4
E = 1.0 / (1.0 + math.exp(20.0))  # sigmoid(-20)
# 4x4 vertical step, columns 0 0 1 1 in every row
STEP = torch.tensor([[0.0, 0.0, 1.0, 1.0]] * 4, dtype=torch.float64)[None, None]
# with replicate padding: box-smoothed row 0, 1/3, 2/3, 1; Gx = x[j-1] - x[j+1] -> |G| = 1/3, 2/3, 2/3, 1/3
G_STEP = [1 / 3, 2 / 3, 2 / 3, 1 / 3]


def test_edges_match_scipy_sobel_with_zero_padding():
    rng = np.random.default_rng(0)
    image = rng.random((7, 9))
    smoothed = ndimage.uniform_filter(image, size=3, mode="constant")
    gx = ndimage.sobel(smoothed, axis=1, mode="constant") / 4
    gy = ndimage.sobel(smoothed, axis=0, mode="constant") / 4
    expected = np.sqrt(gx**2 + gy**2 + EPS)
    edges = sobel_edges(torch.from_numpy(image)[None, None], eps=EPS, padding="zeros")
    np.testing.assert_allclose(edges[0, 0].numpy(), expected, rtol=1e-12)
    # without smoothing, replicate padding = scipy's "nearest"
    gx = ndimage.sobel(image, axis=1, mode="nearest") / 4
    gy = ndimage.sobel(image, axis=0, mode="nearest") / 4
    edges = sobel_edges(torch.from_numpy(image)[None, None], eps=EPS, smoothing=False, padding="replicate")
    np.testing.assert_allclose(edges[0, 0].numpy(), np.sqrt(gx**2 + gy**2 + EPS), rtol=1e-12)


def test_step_edges_by_hand():
    edges = sobel_edges(STEP, padding="replicate")
    expected = torch.tensor([[math.sqrt(g * g + EPS) for g in G_STEP]] * 4, dtype=torch.float64)
    torch.testing.assert_close(edges[0, 0], expected)
    raw = sobel_edges(STEP, smoothing=False, padding="replicate")  # Gx = 0, -1, -1, 0
    torch.testing.assert_close(raw[0, 0, 0], torch.tensor([0.01, math.sqrt(1 + EPS), math.sqrt(1 + EPS), 0.01],
                                                          dtype=torch.float64))


def test_flat_prediction_against_a_step():
    # p = 0.5 everywhere has edge magnitude sqrt(eps) = 0.01
    loss = SobelLoss(padding="replicate")(torch.zeros_like(STEP), STEP)
    expected = sum(math.sqrt(g * g + EPS) - 0.01 for g in G_STEP) / 4
    assert loss.item() == pytest.approx(expected)
    assert expected == pytest.approx(0.4901, abs=1e-4)  # (0.32348 + 0.65674) / 2


def test_perfect_and_all_wrong_predictions_by_hand():
    # p = E + (1 - 2E) r is affine in r: the gradients scale by k = 1 - 2E (sign-free for all wrong)
    perfect = torch.where(STEP > 0, 20.0, -20.0).double()
    k = 1 - 2 * E
    expected = sum(abs(math.sqrt(k * k * g * g + EPS) - math.sqrt(g * g + EPS)) for g in G_STEP) / 4
    loss = SobelLoss(padding="replicate")
    assert loss(perfect, STEP).item() == pytest.approx(expected, rel=1e-6)
    assert 2e-9 < expected < 2.1e-9  # about 2E * mean(g^2 / |g|)
    # an inverted prediction has the same edges: a boundary term, not a region loss
    assert loss(-perfect, STEP).item() == pytest.approx(expected, rel=1e-6)
    assert SobelLoss()(-perfect, STEP).item() > 0.1  # zero padding: the image border is an edge


def test_empty_mask():
    empty = torch.zeros(1, 1, 5, 5, dtype=torch.float64)
    assert SobelLoss(padding="replicate")(torch.full_like(empty, -20.0), empty).item() == pytest.approx(0.0, abs=1e-15)
    # zero padding: p = E gives border gradients of order E, loss of order E^2 / sqrt(eps)
    assert SobelLoss()(torch.full_like(empty, -20.0), empty).item() == pytest.approx(0.0, abs=1e-15)
    # p = 0.5 against an empty mask, zero padding: only the border band differs
    value = SobelLoss()(torch.zeros_like(empty), empty).item()
    probs = np.full((5, 5), 0.5)
    smoothed = ndimage.uniform_filter(probs, size=3, mode="constant")
    g = np.hypot(ndimage.sobel(smoothed, axis=0, mode="constant"), ndimage.sobel(smoothed, axis=1, mode="constant")) / 4
    assert value == pytest.approx(np.mean(np.sqrt(g**2 + EPS) - 0.01))


def test_two_channels_and_volumes():
    gen = torch.Generator().manual_seed(5)
    lesion = torch.randn(2, 1, 6, 7, generator=gen, dtype=torch.float64)
    target = (torch.rand(2, 1, 6, 7, generator=gen) > 0.5).double()
    two = torch.cat([torch.zeros_like(lesion), lesion], dim=1)
    torch.testing.assert_close(create_loss("sobel")(two, target), create_loss("sobel")(lesion, target))
    # (B, C, D, H, W) is filtered slice by slice: equal to the slices stacked in the batch
    volume = torch.randn(2, 1, 3, 6, 7, generator=gen, dtype=torch.float64)
    vtarget = (torch.rand(2, 1, 3, 6, 7, generator=gen) > 0.5).double()
    slices = SobelLoss()(volume.movedim(2, 1).reshape(6, 1, 6, 7), vtarget.movedim(2, 1).reshape(6, 1, 6, 7))
    torch.testing.assert_close(SobelLoss()(volume, vtarget), slices)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"padding": "reflect"}, "padding must be one of"), ({"eps": 0.0}, "eps must be > 0")],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SobelLoss(**kwargs)


def test_half_precision_and_autocast_compute_in_float32():
    gen = torch.Generator().manual_seed(9)
    logits = torch.randn(1, 1, 6, 6, generator=gen)
    target = (torch.rand(1, 1, 6, 6, generator=gen) > 0.5).float()
    reference = SobelLoss()(logits, target)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        under_autocast = SobelLoss()(logits, target)
    assert under_autocast.dtype == torch.float32
    torch.testing.assert_close(under_autocast, reference)
    half = SobelLoss()(logits.bfloat16(), target)  # bf16 logits: probabilities in float32
    assert half.dtype == torch.float32 and half.item() == pytest.approx(reference.item(), rel=2e-2)
