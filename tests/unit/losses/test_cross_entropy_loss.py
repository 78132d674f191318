import math

import pytest
import torch

from lesionbench.losses import CrossEntropyLoss, create_loss

P = [[0.9, 0.2], [0.6, 0.1]]
R = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]], dtype=torch.float64)
# -mean(r log p + (1 - r) log(1 - p)) = -(ln 0.9 + ln 0.8 + ln 0.6 + ln 0.9) / 4
NLL = [-math.log(0.9), -math.log(0.8), -math.log(0.6), -math.log(0.9)]
BCE = sum(NLL) / 4  # 0.2361725


def logit(p):
    p = torch.as_tensor(p, dtype=torch.float64)
    return torch.log(p / (1 - p))


def test_bce_equals_the_formula_by_hand():
    assert BCE == pytest.approx(0.2361725, abs=1e-7)
    assert create_loss("bce")(logit(P)[None, None], R).item() == pytest.approx(BCE)


def test_bce_pos_weight_scales_the_lesion_terms():
    # lesion pixels (0.9 and 0.6) count 3 times; the mean still divides by 4 pixels
    expected = (3 * NLL[0] + NLL[1] + 3 * NLL[2] + NLL[3]) / 4  # 0.5442656
    assert create_loss("bce", pos_weight=3.0)(logit(P)[None, None], R).item() == pytest.approx(expected)
    assert expected == pytest.approx(0.5442656, abs=1e-7)


def test_ce_on_two_channels_matches_bce_and_weights_by_class():
    lesion = logit(P)[None, None]
    two = torch.cat([torch.zeros_like(lesion), lesion], dim=1)
    assert create_loss("ce")(two, R).item() == pytest.approx(BCE)
    assert create_loss("bce")(two, R).item() == pytest.approx(BCE)  # same loss, two names
    # class weights (1, 3): weighted mean, divided by the sum of the pixel weights 3+1+3+1
    expected = (3 * NLL[0] + NLL[1] + 3 * NLL[2] + NLL[3]) / 8
    assert create_loss("ce", class_weights=[1.0, 3.0])(two, R).item() == pytest.approx(expected)


def test_integer_class_index_targets_work():
    lesion = logit(P)[None, None]
    two = torch.cat([torch.zeros_like(lesion), lesion], dim=1)
    assert create_loss("ce")(two, R.long()).item() == pytest.approx(BCE)


@pytest.mark.parametrize(
    "loss_kwargs, channels, message",
    [
        ({"class_weights": [1.0]}, 1, "class_weights apply to C >= 2"),
        ({"pos_weight": 2.0}, 2, "pos_weight applies to one-channel logits"),
        ({"class_weights": [1.0, 2.0, 3.0]}, 2, "3 class_weights for 2-channel logits"),
    ],
)
def test_options_that_do_not_fit_the_channel_count(loss_kwargs, channels, message):
    with pytest.raises(ValueError, match=message):
        CrossEntropyLoss(**loss_kwargs)(torch.zeros(1, channels, 2, 2), torch.zeros(1, 1, 2, 2))


def test_non_positive_pos_weight_is_rejected():
    with pytest.raises(ValueError, match="pos_weight must be > 0"):
        CrossEntropyLoss(pos_weight=0.0)
