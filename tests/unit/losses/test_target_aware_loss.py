"""Paper 003's target-aware loss (TAL, eqs. 4.4-4.7) against hand computations."""

import math

import numpy as np
import pytest
import torch

from lesionbench.losses import FocalLoss, TargetAwareLoss, create_loss, focus_map


def test_focus_map_tiles_the_reference_with_window_equal_to_stride():
    g = torch.zeros(1, 1, 6, 8)
    g[0, 0, 1, 5] = 1  # tile rows 0-1, cols 4-5 for beta 2; rows 0-3, cols 4-7 for beta 4
    expected2 = torch.zeros(6, 8)
    expected2[0:2, 4:6] = 1
    assert torch.equal(focus_map(g, 2)[0, 0], expected2)
    # beta 4: a 6-row image has a second row of tiles cut by the border (rows 4-5)
    expected4 = torch.zeros(6, 8)
    expected4[0:4, 4:8] = 1
    assert torch.equal(focus_map(g, 4)[0, 0], expected4)
    g[0, 0, 5, 0] = 1  # in the cut tile
    expected4[4:6, 0:4] = 1
    assert torch.equal(focus_map(g, 4)[0, 0], expected4)
    assert torch.equal(focus_map(g, 1), g)


def test_focus_map_of_a_soft_label_counts_partial_pixels_as_lesion():
    g = torch.zeros(1, 1, 4, 4)
    g[0, 0, 3, 3] = 0.2
    assert focus_map(g, 2)[0, 0, 2:, 2:].eq(1).all() and focus_map(g, 2).sum() == 4


def _hand_tal(logits, g, alpha, gamma, beta, dice_term, dice_reduction, smooth=1.0):
    """Eqs. 4.4-4.7 with numpy, as the module docstring reads them."""
    p = 1 / (1 + np.exp(-logits))
    b, _, h, w = g.shape
    focus = np.zeros_like(g)
    for n in range(b):
        for i in range(0, h, beta):
            for j in range(0, w, beta):
                if g[n, 0, i:i + beta, j:j + beta].any():
                    focus[n, 0, i:i + beta, j:j + beta] = 1
    pt = p * g + (1 - p) * (1 - g)  # eq. 4.5
    weight = alpha * focus + (1 - alpha) * (1 - focus)  # eq. 4.6 as read
    per_pixel = -weight * (1 - pt) ** gamma * np.log(pt)
    loss_fp = per_pixel.reshape(b, -1).mean(axis=1).mean()  # 1/N per image, then batch mean
    if dice_term == "none":
        return loss_fp
    axes = (1, 2, 3) if dice_reduction == "sample" else (0, 1, 2, 3)
    coefficient = (2 * (g * p).sum(axes) + smooth) / ((p ** 2).sum(axes) + (g ** 2).sum(axes) + smooth)
    term = 1 - coefficient if dice_term == "one_minus" else -np.log(coefficient)
    return loss_fp + np.mean(term)


@pytest.mark.parametrize("dice_term", ["one_minus", "neg_log", "none"])
@pytest.mark.parametrize("dice_reduction", ["batch", "sample"])
@pytest.mark.parametrize("alpha, gamma, beta", [(0.75, 2.0, 4), (0.25, 1.0, 2), (0.75, 0.0, 1), (0.5, 3.0, 8)])
def test_loss_equals_the_hand_computation(dice_term, dice_reduction, alpha, gamma, beta):
    rng = np.random.default_rng(3)
    logits = rng.normal(0, 2, (3, 1, 16, 16))
    g = np.zeros_like(logits)
    g[0, 0, 3:6, 4:9] = 1
    g[1, 0, 12:16, 0:2] = 1  # sample 2 is lesion-free
    loss = TargetAwareLoss(alpha, gamma, beta, dice_term, dice_reduction)(torch.tensor(logits), torch.tensor(g))
    expected = _hand_tal(logits, g, alpha, gamma, beta, dice_term, dice_reduction)
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_alpha_weighs_the_background_around_the_lesion_high_and_the_far_background_low():
    logits = torch.zeros(1, 1, 8, 8)
    g = torch.zeros(1, 1, 8, 8)
    g[0, 0, 0, 0] = 1
    pixel = TargetAwareLoss(alpha=0.75, gamma=0.0, beta=4, dice_term="none")
    # every pixel has p_t = 0.5, so the loss is log 2 times the mean weight:
    # 16 focused pixels (0.75) and 48 dispersed ones (0.25)
    assert pixel(logits, g).item() == pytest.approx(math.log(2) * (16 * 0.75 + 48 * 0.25) / 64, rel=1e-6)


def test_beta_1_without_dice_is_the_alpha_balanced_focal_loss():
    torch.manual_seed(0)
    logits, g = torch.randn(2, 1, 12, 12), (torch.rand(2, 1, 12, 12) > 0.8).float()
    tal = TargetAwareLoss(alpha=0.75, gamma=2.0, beta=1, dice_term="none")(logits, g)
    assert tal.item() == pytest.approx(FocalLoss(alpha=0.75, gamma=2.0)(logits, g).item(), rel=1e-6)


def test_two_channel_logits_are_the_sigmoid_of_the_difference_and_3d_works():
    torch.manual_seed(1)
    one = torch.randn(2, 1, 4, 8, 8)
    g = (torch.rand(2, 1, 4, 8, 8) > 0.7).float()
    two = torch.cat([torch.zeros_like(one), one], dim=1)
    loss = create_loss("target_aware", beta=2)
    assert loss(two, g).item() == pytest.approx(loss(one, g).item(), rel=1e-6)


def test_gradients_are_finite_on_saturated_logits():
    logits = torch.tensor([[[[60.0, -60.0], [-60.0, 60.0]]]], requires_grad=True)
    g = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]])
    TargetAwareLoss()(logits, g).backward()
    assert torch.isfinite(logits.grad).all()


@pytest.mark.parametrize("kwargs, message", [
    ({"alpha": 1.5}, "alpha"), ({"gamma": -1}, "gamma"), ({"beta": 0}, "beta"), ({"beta": 2.5}, "beta"),
    ({"dice_term": "plus"}, "dice_term"), ({"dice_reduction": "pixel"}, "dice_reduction"), ({"smooth": 0}, "smooth"),
])
def test_bad_options_are_refused_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TargetAwareLoss(**kwargs)


def test_more_than_two_classes_are_refused():
    with pytest.raises(ValueError, match="1 or 2 channels"):
        TargetAwareLoss()(torch.zeros(1, 3, 4, 4), torch.zeros(1, 1, 4, 4))
