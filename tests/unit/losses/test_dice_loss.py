import math

import pytest
import torch

from lesionbench.losses import DiceLoss, create_loss, soft_dice

SIG_M20 = 1.0 / (1.0 + math.exp(20.0))  # sigmoid(-20) = 2.0611536e-09


def logit(p):
    p = torch.as_tensor(p, dtype=torch.float64)
    return torch.log(p / (1 - p))


# the hand-made 2x2 example: p = [[0.9, 0.2], [0.6, 0.1]], r = [[1, 0], [1, 0]]
P = [[0.9, 0.2], [0.6, 0.1]]
R = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]], dtype=torch.float64)


def test_perfect_prediction_gives_exact_small_loss():
    # I = 2 s(20), sum p = 2 s(20) + 2 s(-20) = 2, sum r = 2: loss = 1 - (4 s(20) + 1) / 5 = 0.8 s(-20)
    logits = torch.where(R > 0, 20.0, -20.0).double()
    loss = create_loss("dice")(logits, R)
    assert loss.item() == pytest.approx(0.8 * SIG_M20, rel=1e-6)


def test_all_wrong_prediction():
    logits = torch.where(R > 0, -20.0, 20.0).double()
    # smooth 1: I = 2 s(-20), sums 2 and 2 -> loss = 1 - (1 + 4 s(-20)) / 5 = 0.8 - 0.8 s(-20)
    assert create_loss("dice")(logits, R).item() == pytest.approx(0.8 - 0.8 * SIG_M20, rel=1e-9)
    # no smoothing: 1 - 4 s(-20) / 4 -> ~1
    assert create_loss("dice", smooth=0.0)(logits, R).item() == pytest.approx(1.0 - SIG_M20, rel=1e-12)


def test_empty_target_and_empty_prediction_give_zero_with_smoothing():
    logits = torch.full((1, 1, 2, 2), -20.0, dtype=torch.float64)
    target = torch.zeros(1, 1, 2, 2, dtype=torch.float64)
    # I = 0, sum p = 4 s(-20), sum r = 0: loss = 1 - 1 / (1 + 4 s(-20))
    expected = 1.0 - 1.0 / (1.0 + 4.0 * SIG_M20)
    assert create_loss("dice")(logits, target).item() == pytest.approx(expected, rel=1e-6)
    assert expected < 1e-8


def test_hand_made_soft_example():
    logits = logit(P)[None, None]
    # I = 0.9 + 0.6 = 1.5, sum p = 1.8, sum r = 2
    assert DiceLoss(smooth=1.0)(logits, R).item() == pytest.approx(1 - 4.0 / 4.8)  # 0.1666667
    assert DiceLoss(smooth=0.0)(logits, R).item() == pytest.approx(1 - 3.0 / 3.8)  # 0.2105263


def test_batch_and_sample_reductions_differ_as_computed_by_hand():
    logits = torch.cat([logit(P)[None, None], torch.zeros(1, 1, 2, 2, dtype=torch.float64)])
    target = torch.cat([R, torch.zeros_like(R)])
    # sample 2: p = 0.5 everywhere, r = 0: Dice = (0 + 1) / (2 + 0 + 1) = 1/3
    assert DiceLoss(reduction="sample")(logits, target).item() == pytest.approx(1 - (4 / 4.8 + 1 / 3) / 2)
    # batch sums: I = 1.5, sum p = 3.8, sum r = 2 -> 1 - 4 / 6.8 = 0.4117647
    assert DiceLoss(reduction="batch")(logits, target).item() == pytest.approx(1 - 4.0 / 6.8)


def test_two_channel_softmax_equals_sigmoid_of_the_logit_difference():
    lesion = logit(P)[None, None]
    two = torch.cat([torch.zeros_like(lesion), lesion], dim=1)  # softmax p1 = sigmoid(l1 - l0)
    assert create_loss("dice")(two, R).item() == pytest.approx(1 - 4.0 / 4.8)
    # with the background class: p_bg = 0.1, 0.8, 0.4, 0.9 vs r_bg = 0, 1, 0, 1:
    # I = 1.7, sum p = 2.2, sum r = 2 -> Dice 4.4 / 5.2; mean with the lesion's 4 / 4.8
    expected = 1 - (4.4 / 5.2 + 4.0 / 4.8) / 2
    assert DiceLoss(include_background=True)(two, R).item() == pytest.approx(expected)


def test_three_dimensional_inputs_equal_their_flattened_slices():
    gen = torch.Generator().manual_seed(1)
    logits = torch.randn(2, 1, 3, 4, 5, generator=gen)
    target = (torch.rand(2, 1, 3, 4, 5, generator=gen) > 0.5).float()
    flat = DiceLoss()(logits.reshape(2, 1, 3, 20), target.reshape(2, 1, 3, 20))
    torch.testing.assert_close(DiceLoss()(logits, target), flat)


def test_soft_dice_shapes():
    probs = torch.rand(3, 2, 4, 4)
    assert soft_dice(probs, probs, over_batch=True).shape == (2,)
    assert soft_dice(probs, probs, over_batch=False).shape == (3, 2)


def test_gradient_raises_lesion_logits():
    logits = logit(P)[None, None].requires_grad_()
    DiceLoss()(logits, R).backward()
    grad = logits.grad[0, 0]
    assert grad[0, 0] < 0 and grad[1, 0] < 0  # lesion pixels: loss falls as their logit rises
    assert grad[0, 1] > 0 and grad[1, 1] > 0


def test_half_precision_logits_are_summed_in_float32():
    logits = logit(P)[None, None].half()
    loss = DiceLoss()(logits, R.half())
    assert loss.dtype == torch.float32
    assert loss.item() == pytest.approx(1 - 4.0 / 4.8, abs=1e-3)


@pytest.mark.parametrize(
    "kwargs, message",
    [({"reduction": "mean"}, "reduction must be one of"), ({"smooth": -1.0}, "smooth must be >= 0")],
)
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        DiceLoss(**kwargs)
