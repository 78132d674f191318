import math

import pytest
import torch

from lesionbench.losses import EnhancedMixingLoss, create_loss

P = [[0.9, 0.2], [0.6, 0.1]]
R = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]], dtype=torch.float64)
E = 1.0 / (1.0 + math.exp(20.0))  # sigmoid(-20)
S = 1.0 - E
SOFTPLUS_M20 = math.log1p(math.exp(-20.0))  # -log sigmoid(20)


def logit(p):
    p = torch.as_tensor(p, dtype=torch.float64)
    return torch.log(p / (1 - p))


def test_hand_made_example_with_paper_003_defaults():
    # focal, alpha 0.75 gamma 2, mean over 4 pixels; soft Dice (2 * 1.5 + 1) / (1.8 + 2 + 1)
    focal = (
        0.75 * 0.1**2 * -math.log(0.9) + 0.25 * 0.2**2 * -math.log(0.8)
        + 0.75 * 0.4**2 * -math.log(0.6) + 0.25 * 0.1**2 * -math.log(0.9)
    ) / 4
    expected = focal - math.log(4.0 / 4.8)
    assert create_loss("eml")(logit(P)[None, None], R).item() == pytest.approx(expected)
    assert expected == pytest.approx(0.1984676, abs=1e-7)  # 0.0161460 + ln 1.2


def test_perfect_all_wrong_and_empty_predictions():
    perfect = torch.where(R > 0, 20.0, -20.0).double()
    # focal weights .75, .25, .75, .25 (mean .5); Dice (4S + 1) / 5
    expected = 0.5 * E**2 * SOFTPLUS_M20 - math.log((4 * S + 1) / 5)
    assert EnhancedMixingLoss()(perfect, R).item() == pytest.approx(expected, rel=1e-6)
    assert expected == pytest.approx(0.8 * E, rel=1e-6)
    wrong = 0.5 * S**2 * (20 + SOFTPLUS_M20) - math.log((4 * E + 1) / 5)  # about 10 + ln 5
    assert EnhancedMixingLoss()(-perfect, R).item() == pytest.approx(wrong, rel=1e-12)
    empty = torch.zeros(1, 1, 2, 2, dtype=torch.float64)
    # background weight 0.25; Dice 1 / (4E + 1)
    expected_empty = 0.25 * E**2 * SOFTPLUS_M20 + math.log(1 + 4 * E)
    assert EnhancedMixingLoss()(torch.full_like(empty, -20.0), empty).item() == pytest.approx(expected_empty, rel=1e-6)


@pytest.mark.parametrize("channels", [1, 2, 3])
def test_equals_focal_minus_log_dice_coefficient(channels):
    gen = torch.Generator().manual_seed(11)
    logits = torch.randn(2, channels, 6, 6, generator=gen, dtype=torch.float64)
    if channels == 1:
        target = (torch.rand(2, 1, 6, 6, generator=gen) > 0.6).double()
    else:
        target = torch.randint(0, channels, (2, 1, 6, 6), generator=gen).double()
    focal = create_loss("focal", alpha=0.25, gamma=1.5)(logits, target)
    dice = 1 - create_loss("dice", smooth=0.5)(logits, target)
    loss = create_loss("eml", alpha=0.25, gamma=1.5, smooth=0.5)(logits, target)
    torch.testing.assert_close(loss, focal - torch.log(dice))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"smooth": 0.0}, "smooth must be > 0"),
        ({"gamma": -2.0}, "gamma must be >= 0"),
        ({"alpha": 2.0}, r"alpha must be in \[0, 1\]"),
        ({"reduction": "none"}, "reduction must be one of"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EnhancedMixingLoss(**kwargs)
