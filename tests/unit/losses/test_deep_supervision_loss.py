"""DeepSupervision averages a loss over the main and side outputs (U-Net++ section 2.2), or
weighs the side outputs when the network says how (PSPNet section 4.1)."""

from typing import NamedTuple

import pytest
import torch

from lesionbench.losses import create_loss
from lesionbench.losses.deep_supervision import DeepSupervision


class Output(NamedTuple):
    seg: torch.Tensor
    side_outputs: tuple[torch.Tensor, ...]


def test_tensor_output_passes_through() -> None:
    torch.manual_seed(0)
    logits, target = torch.randn(2, 1, 8, 8), (torch.rand(2, 1, 8, 8) > 0.5).float()
    bce = create_loss("bce")
    assert torch.equal(DeepSupervision(bce)(logits, target), bce(logits, target))


def test_mean_over_heads_with_resized_side_outputs() -> None:
    torch.manual_seed(0)
    target = (torch.rand(2, 1, 8, 8) > 0.5).float()
    seg, side_same, side_small = torch.randn(2, 1, 8, 8), torch.randn(2, 1, 8, 8), torch.zeros(2, 1, 4, 4)
    bce = create_loss("bce")
    value = DeepSupervision(bce)(Output(seg, (side_same, side_small)), target)
    # A zero logit map upsampled stays zero: its BCE is log(2) whatever the target.
    expected = (bce(seg, target) + bce(side_same, target) + torch.log(torch.tensor(2.0))) / 3
    assert torch.allclose(value, expected, atol=1e-6)


class WeightedOutput(NamedTuple):
    seg: torch.Tensor
    side_outputs: tuple[torch.Tensor, ...]
    side_weights: tuple[float, ...]


def test_side_weights_add_weighted_side_losses_to_the_main_loss() -> None:
    # PSPNet (Zhao et al. 2017, section 4.1): main loss + 0.4 * auxiliary loss.
    torch.manual_seed(0)
    target = (torch.rand(2, 1, 8, 8) > 0.5).float()
    seg, aux = torch.randn(2, 1, 8, 8), torch.zeros(2, 1, 4, 4)
    bce = create_loss("bce")
    value = DeepSupervision(bce)(WeightedOutput(seg, (aux,), (0.4,)), target)
    expected = bce(seg, target) + 0.4 * torch.log(torch.tensor(2.0))
    assert torch.allclose(value, expected, atol=1e-6)


def test_side_weights_must_match_the_side_outputs() -> None:
    target = torch.zeros(1, 1, 4, 4)
    output = WeightedOutput(torch.zeros(1, 1, 4, 4), (torch.zeros(1, 1, 4, 4),), (0.4, 0.4))
    with pytest.raises(ValueError, match="2 side_weights for 1 side outputs"):
        DeepSupervision(create_loss("bce"))(output, target)
