"""Device, AMP and network-output helpers shared by training and prediction."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch

from lesionbench.inference import (
    foreground_probability,
    resolve_device,
    segmentation_logits,
)
from lesionbench.inference.runtime import (
    amp_name,
    model_to_device,
    needs_loss_scaling,
    resolve_amp,
)


@dataclass
class MultiTask:
    seg: torch.Tensor
    cls: torch.Tensor


def test_segmentation_logits_from_tensor_or_result() -> None:
    logits = torch.randn(2, 1, 4, 4)
    assert segmentation_logits(logits) is logits
    assert segmentation_logits(MultiTask(seg=logits, cls=torch.zeros(2, 2))) is logits
    with pytest.raises(TypeError, match="network output of type tuple has no segmentation logits"):
        segmentation_logits((logits,))


def test_foreground_probability() -> None:
    one = torch.tensor([[[[0.0, 2.0]]]])
    assert torch.allclose(foreground_probability(one), torch.tensor([[[0.5, 1 / (1 + torch.exp(torch.tensor(-2.0)))]]]))
    three = torch.log(torch.tensor([1.0, 3.0, 4.0])).reshape(1, 3, 1, 1)
    assert foreground_probability(three).item() == pytest.approx(3.0 / 8.0)


def test_devices_and_amp() -> None:
    cpu = torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_amp("auto", cpu) is None and resolve_amp(False, cpu) is None
    for amp in (True, "float16", "bfloat16"):
        with pytest.raises(ValueError, match="mixed precision needs a CUDA device, got cpu"):
            resolve_amp(amp, cpu)
    with pytest.raises(ValueError, match="got 'half'"):
        resolve_amp("half", cpu)
    assert not needs_loss_scaling(None) and not needs_loss_scaling(torch.bfloat16)
    assert needs_loss_scaling(torch.float16)
    assert amp_name(torch.bfloat16) == "bfloat16" and amp_name(None) is None
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            resolve_device("cuda")
    conv3d = model_to_device(torch.nn.Conv3d(1, 2, 3), cpu)  # no channels_last for 5D weights
    assert conv3d.weight.is_contiguous()


@pytest.mark.parametrize("bf16_supported, preferred", [(True, torch.bfloat16), (False, torch.float16)])
def test_cuda_amp_types(monkeypatch, bf16_supported, preferred) -> None:
    # resolve_amp only reads the device type and the GPU's bfloat16 support: both are set here,
    # so the CUDA choices are checked on machines without a GPU too.
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *args, **kwargs: bf16_supported)
    cuda = torch.device("cuda")
    assert resolve_amp("auto", cuda) is preferred and resolve_amp(True, cuda) is preferred
    assert resolve_amp("float16", cuda) is torch.float16 and resolve_amp("bfloat16", cuda) is torch.bfloat16
    assert resolve_amp(False, cuda) is None
