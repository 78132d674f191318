import math

import pytest
import torch

from lesionbench.losses import FocalLoss, create_loss

P = [[0.9, 0.2], [0.6, 0.1]]
R = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]], dtype=torch.float64)
E = 1.0 / (1.0 + math.exp(20.0))  # sigmoid(-20)
S = 1.0 - E  # sigmoid(20)
SOFTPLUS_M20 = math.log1p(math.exp(-20.0))  # -log sigmoid(20)


def logit(p):
    p = torch.as_tensor(p, dtype=torch.float64)
    return torch.log(p / (1 - p))


def test_gamma_zero_without_alpha_is_binary_cross_entropy():
    logits = logit(P)[None, None]
    expected = (-math.log(0.9) - math.log(0.8) - math.log(0.6) - math.log(0.9)) / 4  # 0.2361725
    assert create_loss("focal", alpha=None, gamma=0.0)(logits, R).item() == pytest.approx(expected)
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(2, 1, 5, 6, generator=gen, dtype=torch.float64)
    t = (torch.rand(2, 1, 5, 6, generator=gen) > 0.6).double()
    torch.testing.assert_close(FocalLoss(alpha=None, gamma=0.0)(x, t), create_loss("bce")(x, t))


def test_gamma_zero_with_alpha_scales_lesion_and_background_terms():
    logits = logit(P)[None, None]
    lesion = -math.log(0.9) - math.log(0.6)
    background = -math.log(0.8) - math.log(0.9)
    loss = FocalLoss(alpha=0.25, gamma=0.0)(logits, R).item()
    assert loss == pytest.approx((0.25 * lesion + 0.75 * background) / 4)
    assert loss == pytest.approx(0.1001062, abs=1e-7)
    half = FocalLoss(alpha=0.5, gamma=0.0)(logits, R).item()
    assert half == pytest.approx(0.5 * create_loss("bce")(logits, R).item())


def test_hand_made_example_with_gamma_two():
    # lesion pixels: a (1 - p)^2 (-log p); background: (1 - a) p^2 (-log(1 - p))
    a = 0.25
    expected = (
        a * 0.1**2 * -math.log(0.9) + (1 - a) * 0.2**2 * -math.log(0.8)
        + a * 0.4**2 * -math.log(0.6) + (1 - a) * 0.1**2 * -math.log(0.9)
    ) / 4
    assert create_loss("focal")(logit(P)[None, None], R).item() == pytest.approx(expected)
    assert expected == pytest.approx(0.00704523, abs=1e-8)


def test_perfect_all_wrong_and_empty_predictions():
    perfect = torch.where(R > 0, 20.0, -20.0).double()
    # every pixel: weight * sigmoid(-20)^2 * softplus(-20); weights .25, .75, .25, .75 -> mean .5
    assert FocalLoss()(perfect, R).item() == pytest.approx(0.5 * E**2 * SOFTPLUS_M20, rel=1e-6)
    # all wrong: weight * sigmoid(20)^2 * (20 + softplus(-20))
    assert FocalLoss()(-perfect, R).item() == pytest.approx(0.5 * S**2 * (20 + SOFTPLUS_M20), rel=1e-12)
    # empty mask, p = 0.5 everywhere: (1 - a) 0.5^2 ln 2
    empty = torch.zeros(1, 1, 2, 2, dtype=torch.float64)
    assert FocalLoss(alpha=0.75)(torch.zeros_like(empty), empty).item() == pytest.approx(0.25 * 0.25 * math.log(2))


def test_two_channel_softmax_equals_the_binary_loss():
    lesion = logit(P)[None, None]
    two = torch.cat([torch.zeros_like(lesion), lesion], dim=1)
    for alpha in (0.25, 0.75, None):
        expected = FocalLoss(alpha=alpha, gamma=2.0)(lesion, R)
        torch.testing.assert_close(FocalLoss(alpha=alpha, gamma=2.0)(two, R), expected)


def test_multi_class_with_per_class_alpha():
    # equal logits: p_t = 1/3 everywhere; loss = alpha_t (2/3)^2 ln 3
    target = torch.tensor([[[[0, 1], [2, 1]]]])
    loss = FocalLoss(alpha=[0.2, 0.3, 0.5], gamma=2.0)(torch.zeros(1, 3, 2, 2, dtype=torch.float64), target)
    assert loss.item() == pytest.approx((0.2 + 0.3 + 0.5 + 0.3) / 4 * (4 / 9) * math.log(3))
    # gamma 0, no alpha: softmax cross entropy
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 4, 4, generator=gen, dtype=torch.float64)
    t = torch.randint(0, 3, (2, 1, 4, 4), generator=gen)
    torch.testing.assert_close(FocalLoss(alpha=None, gamma=0.0)(x, t), create_loss("ce")(x, t))


def test_saturated_logits_keep_finite_gradients_for_fractional_gamma():
    logits = torch.tensor([[[[200.0, -200.0], [150.0, -150.0]]]], requires_grad=True)
    loss = FocalLoss(gamma=0.5)(logits, torch.tensor([[[[1.0, 0.0], [0.0, 1.0]]]]))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(logits.grad).all()
    assert loss.item() == pytest.approx((0.75 * 150 + 0.25 * 150) / 4, rel=1e-5)  # the two wrong pixels


@pytest.mark.parametrize(
    "kwargs, channels, message",
    [
        ({"alpha": 1.5}, 1, r"alpha must be in \[0, 1\], got 1.5"),
        ({"gamma": -1.0}, 1, "gamma must be >= 0, got -1.0"),
        ({"alpha": "high"}, 1, "alpha must be null, a number"),
        ({"alpha": [0.5, 0.5]}, 1, "alpha must be a number .* for one-channel logits"),
        ({"alpha": [0.2, 0.3, 0.5]}, 2, "3 alpha weights for 2-channel logits"),
    ],
)
def test_bad_options(kwargs, channels, message):
    with pytest.raises(ValueError, match=message):
        FocalLoss(**kwargs)(torch.zeros(1, channels, 2, 2), torch.zeros(1, 1, 2, 2))
