"""DeepSupervision averages a loss over the main and side outputs (U-Net++ section 2.2)."""

from typing import NamedTuple

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
