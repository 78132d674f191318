import pytest
import torch

from lesionbench.losses import DiceCrossEntropyLoss, available_losses, create_loss

P = [[0.9, 0.2], [0.6, 0.1]]
R = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]], dtype=torch.float64)


def logit(p):
    p = torch.as_tensor(p, dtype=torch.float64)
    return torch.log(p / (1 - p))


def test_available_losses():
    assert available_losses() == [
        "bce", "ce", "class_ce", "combined", "cpa_prior", "dice", "dice_bce", "dice_ce", "eml", "focal", "multitask", "sobel", "target_aware", "tversky",
        "weighted_sum",
    ]


def test_unknown_loss_is_a_key_error_listing_the_names():
    with pytest.raises(KeyError, match="unknown loss 'lovasz'; valid names: bce, ce, class_ce, combined, cpa_prior, dice, "):
        create_loss("lovasz")


def test_unknown_option_is_a_value_error():
    with pytest.raises(ValueError, match=r"loss 'dice' got unknown option\(s\) \['eps'\].*smooth"):
        create_loss("dice", eps=1.0)


def test_dice_bce_is_the_weighted_sum():
    logits = logit(P)[None, None]
    # Dice loss 1 - 4/4.8 (smooth 1) and BCE 0.2361725 of the same 2x2 example
    dice, bce = 1 - 4.0 / 4.8, 0.23617255
    loss = create_loss("dice_bce", dice_weight=0.3, ce_weight=0.7)(logits, R)
    assert loss.item() == pytest.approx(0.3 * dice + 0.7 * bce, abs=1e-7)
    assert type(create_loss("dice_ce")) is DiceCrossEntropyLoss
    with pytest.raises(ValueError, match="not both 0"):
        create_loss("dice_bce", dice_weight=0.0, ce_weight=0.0)


@pytest.mark.parametrize("name", ["dice", "bce", "ce", "dice_bce", "focal", "tversky", "eml", "sobel"])
@pytest.mark.parametrize(
    "logits_shape, target, message",
    [
        ((2, 1, 4, 4), torch.zeros(2, 4, 4), r"target shape \(2, 4, 4\) does not match logits \(2, 1, 4, 4\)"),
        ((1, 1, 2, 2), torch.full((1, 1, 2, 2), 2.0), r"target must hold values in \[0, 1\] for 1-channel"),
        ((1, 3, 2, 2), torch.full((1, 1, 2, 2), 1.5), r"class indices 0..2 or fractions in \[0, 1\] for 3-channel"),
        ((1, 1, 2, 2), torch.full((1, 1, 2, 2), float("nan")), r"target must hold values in \[0, 1\]"),
        ((4, 4), torch.zeros(4, 4), r"logits must be \(B, C, \*spatial\)"),
    ],
)
def test_bad_inputs_raise_one_clear_error(name, logits_shape, target, message):
    with pytest.raises(ValueError, match=message):
        create_loss(name)(torch.zeros(logits_shape), target)
