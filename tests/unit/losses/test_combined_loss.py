import math

import pytest
import torch

from lesionbench.losses import CombinedLoss, create_loss

P = [[0.9, 0.2], [0.6, 0.1]]
R = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]], dtype=torch.float64)
DICE = 1 - 4.0 / 4.8  # soft Dice loss of the example, smooth 1
BCE = (-math.log(0.9) - math.log(0.8) - math.log(0.6) - math.log(0.9)) / 4  # 0.2361725


def logit(p):
    p = torch.as_tensor(p, dtype=torch.float64)
    return torch.log(p / (1 - p))


def test_paper_001_alpha_dice_plus_one_minus_alpha_ce():
    alpha = 0.3
    config = {"name": "combined", "terms": [{"name": "dice", "weight": alpha}, {"name": "ce", "weight": 1 - alpha}]}
    loss = create_loss(config["name"], terms=config["terms"])
    logits = logit(P)[None, None]
    assert loss(logits, R).item() == pytest.approx(alpha * DICE + (1 - alpha) * BCE)  # 0.2153208
    assert loss(logits, R).item() == pytest.approx(0.2153208, abs=1e-7)
    same = create_loss("dice_bce", dice_weight=alpha, ce_weight=1 - alpha)(logits, R)
    assert loss(logits, R).item() == pytest.approx(same.item())


def test_equals_the_weighted_sum_of_its_parts_with_options():
    gen = torch.Generator().manual_seed(2)
    logits = torch.randn(2, 1, 8, 8, generator=gen, dtype=torch.float64)
    target = (torch.rand(2, 1, 8, 8, generator=gen) > 0.7).double()
    terms = [{"name": "eml", "alpha": 0.25, "gamma": 1.0}, {"name": "sobel", "weight": 0.4, "padding": "replicate"},
             {"name": "tversky", "weight": 2.0, "alpha": 0.2, "beta": 0.8}]
    expected = (create_loss("eml", alpha=0.25, gamma=1.0)(logits, target)
                + 0.4 * create_loss("sobel", padding="replicate")(logits, target)
                + 2.0 * create_loss("tversky", alpha=0.2, beta=0.8)(logits, target))
    loss = create_loss("weighted_sum", terms=terms)
    torch.testing.assert_close(loss(logits, target), expected)
    assert loss.names == ["eml", "sobel", "tversky"] and loss.weights == [1.0, 0.4, 2.0]
    assert type(loss) is CombinedLoss


def test_terms_may_be_combined_losses():
    inner = {"name": "combined", "terms": [{"name": "dice"}, {"name": "bce"}]}
    loss = CombinedLoss([{**inner, "weight": 0.5}, {"name": "dice", "weight": 0.5}])
    assert loss(logit(P)[None, None], R).item() == pytest.approx(0.5 * (DICE + BCE) + 0.5 * DICE)


@pytest.mark.parametrize(
    "terms, error, message",
    [
        ([], ValueError, "terms must be a non-empty list"),
        ({"name": "dice"}, ValueError, "terms must be a non-empty list"),
        ([{"weight": 1.0}], ValueError, r"terms\[0\]: expected a mapping with a loss 'name'"),
        ([{"name": "dice"}, {"name": "ce", "weight": -0.5}], ValueError,
         r"terms\[1\]: weight must be a finite number >= 0"),
        ([{"name": "dice", "weight": float("nan")}], ValueError, r"terms\[0\]: weight must be"),
        ([{"name": "dice", "weight": 0}], ValueError, "at least one weight must be > 0"),
        ([{"name": "dice"}, {"name": "lovasz"}], KeyError, r"terms\[1\]: unknown loss 'lovasz'; valid names: bce"),
        ([{"name": "dice", "eps": 1.0}], ValueError, r"terms\[0\]: loss 'dice' got unknown option\(s\) \['eps'\]"),
        ([{"name": "focal", "gamma": -1}], ValueError, r"terms\[0\]: focal: gamma must be >= 0"),
    ],
)
def test_bad_terms(terms, error, message):
    with pytest.raises(error, match=message):
        create_loss("combined", terms=terms)
