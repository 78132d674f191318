"""Every registered loss gives a finite loss and finite gradients on lesion-free targets."""

import pytest
import torch

from lesionbench.losses import available_losses, create_loss

OPTIONS = {"combined": {"terms": [{"name": "eml"}, {"name": "sobel"}]},
           "weighted_sum": {"terms": [{"name": "dice", "weight": 0.5}, {"name": "ce", "weight": 0.5}]}}
REGION = ("bce", "ce", "dice", "dice_bce", "dice_ce", "eml", "focal", "tversky", "combined", "weighted_sum",
          "target_aware")


#: Losses that read the class of each case (tests/unit/losses/test_multitask.py).
MULTITASK = ("multitask", "class_ce")
#: Losses that read a network's attention maps (tests/unit/losses/test_patch_attention_loss.py).
ATTENTION = ("cpa_prior",)


@pytest.mark.parametrize("name", [name for name in available_losses() if name not in MULTITASK + ATTENTION])
@pytest.mark.parametrize("channels", [1, 2])
def test_empty_targets_give_finite_gradients(name, channels):
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(2, channels, 8, 8, generator=gen) * 3
    logits[0, :, :2] = 60.0  # saturated pixels: sigmoid/softmax exactly 1 or 0 in float32
    logits[1, :, :2] = -60.0
    logits.requires_grad_()
    loss = create_loss(name, **OPTIONS.get(name, {}))(logits, torch.zeros(2, 1, 8, 8))
    loss.backward()
    assert loss.dim() == 0 and torch.isfinite(loss)
    assert torch.isfinite(logits.grad).all()
    if name in REGION:  # a region loss lowers the lesion probability everywhere on an empty target
        lesion_grad = logits.grad[:, -1] - (logits.grad[:, 0] if channels == 2 else 0)
        assert lesion_grad[:, 2:].min() > 0
