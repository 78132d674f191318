import math

import pytest
import torch

from lesionbench.losses import DiceLoss, TverskyLoss, create_loss, tversky_index

P = [[0.9, 0.2], [0.6, 0.1]]
R = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]], dtype=torch.float64)
E = 1.0 / (1.0 + math.exp(20.0))  # sigmoid(-20)
S = 1.0 - E


def logit(p):
    p = torch.as_tensor(p, dtype=torch.float64)
    return torch.log(p / (1 - p))


def test_hand_made_example():
    # TP = 0.9 + 0.6 = 1.5, FP = 0.2 + 0.1 = 0.3, FN = 0.1 + 0.4 = 0.5
    logits = logit(P)[None, None]
    assert create_loss("tversky")(logits, R).item() == pytest.approx(1 - 2.5 / 2.94)  # 0.1496599
    assert TverskyLoss(smooth=0.0)(logits, R).item() == pytest.approx(1 - 1.5 / 1.94)  # 0.2268041
    # false negatives weigh more than false positives here: swapping the weights lowers the loss
    assert TverskyLoss(alpha=0.7, beta=0.3)(logits, R).item() == pytest.approx(1 - 2.5 / 2.86)


def test_perfect_all_wrong_and_empty_predictions():
    perfect = torch.where(R > 0, 20.0, -20.0).double()
    # TP = 2 S, FP = FN = 2 E, S + E = 1: 1 - (2S + 1) / 3 = 2E / 3
    assert TverskyLoss()(perfect, R).item() == pytest.approx(2 * E / 3, rel=1e-6)
    # TP = 2 E, FP = FN = 2 S: 1 - (2E + 1) / 3 = 2S / 3
    assert TverskyLoss()(-perfect, R).item() == pytest.approx(2 * S / 3, rel=1e-12)
    empty = torch.zeros(1, 1, 2, 2, dtype=torch.float64)
    # p = 0.5: FP = 2 -> 1 - 1 / (1 + 0.3 * 2) = 0.375
    assert TverskyLoss()(torch.zeros_like(empty), empty).item() == pytest.approx(0.375)
    # p = E: FP = 4E -> 1 - 1 / (1 + 1.2 E), about 2.5e-9
    assert TverskyLoss()(torch.full_like(empty, -20.0), empty).item() == pytest.approx(1 - 1 / (1 + 1.2 * E), rel=1e-6)


@pytest.mark.parametrize("reduction", ["batch", "sample"])
@pytest.mark.parametrize("channels", [1, 3])
def test_equal_weights_give_the_soft_dice(reduction, channels):
    gen = torch.Generator().manual_seed(7)
    logits = torch.randn(3, channels, 6, 5, generator=gen, dtype=torch.float64)
    if channels == 1:
        target = (torch.rand(3, 1, 6, 5, generator=gen) > 0.7).double()
    else:
        target = torch.randint(0, channels, (3, 1, 6, 5), generator=gen)
    tversky = TverskyLoss(alpha=0.5, beta=0.5, smooth=0.5, reduction=reduction)(logits, target)
    torch.testing.assert_close(tversky, DiceLoss(smooth=1.0, reduction=reduction)(logits, target))
    tversky0 = TverskyLoss(alpha=0.5, beta=0.5, smooth=0.0, reduction=reduction)(logits, target)
    torch.testing.assert_close(tversky0, DiceLoss(smooth=0.0, reduction=reduction)(logits, target))


def test_paper_003_single_alpha_form_maps_to_alpha_fp_beta_fn():
    # paper 003 table 2.1: 1 - (TP + e) / (TP + (1 - a) FP + a FN + e) with a = 0.75
    tp, fp, fn, a = 1.5, 0.3, 0.5, 0.75
    paper = 1 - (tp + 1) / (tp + (1 - a) * fp + a * fn + 1)
    assert TverskyLoss(alpha=0.25, beta=0.75)(logit(P)[None, None], R).item() == pytest.approx(paper)


def test_index_shapes_and_values():
    probs = torch.tensor([[[[0.5, 1.0]]], [[[0.0, 1.0]]]], dtype=torch.float64)  # (2, 1, 1, 2)
    ref = torch.tensor([[[[1.0, 1.0]]], [[[0.0, 0.0]]]], dtype=torch.float64)
    per_sample = tversky_index(probs, ref, 0.5, 0.5, smooth=0.0, over_batch=False)
    assert per_sample.shape == (2, 1)
    # sample 1: TP 1.5, FN 0.5 -> 1.5 / 1.75; sample 2: TP 0, FP 1 -> 0
    torch.testing.assert_close(per_sample, torch.tensor([[1.5 / 1.75], [0.0]], dtype=torch.float64))
    assert tversky_index(probs, ref, 0.5, 0.5, smooth=0.0).shape == (1,)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"alpha": -0.1}, "alpha and beta must be >= 0"),
        ({"alpha": 0.0, "beta": 0.0}, "not both 0"),
        ({"smooth": -1.0}, "smooth must be >= 0"),
        ({"reduction": "mean"}, "reduction must be one of"),
    ],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        TverskyLoss(**kwargs)
