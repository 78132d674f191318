import math

import pytest
import torch
from torch import nn

from lesionbench.complexity import count_flops, count_parameters, measure, time_forward
from lesionbench.networks import create_network


def test_parameter_count_of_a_hand_built_network(make_tiny_net):
    tiny_net = make_tiny_net
    # conv 2*4*3*3 + 4 = 76, batch norm weight + bias 8 (running stats are buffers), conv 4*1 + 1 = 5
    assert count_parameters(tiny_net()) == 89
    frozen = tiny_net()
    frozen[0].weight.requires_grad_(False)  # 72 weights no longer trainable
    assert count_parameters(frozen) == 17
    shared = nn.Conv2d(3, 3, 1)  # 9 + 3, used twice, counted once
    assert count_parameters(nn.Sequential(shared, nn.ReLU(), shared)) == 12


@pytest.mark.parametrize("cin, cout, k, padding, stride, h, w", [(3, 8, 3, 1, 1, 16, 20), (2, 5, 5, 0, 1, 12, 9),
                                                                 (4, 6, 3, 1, 2, 10, 10)])
def test_conv2d_flops_follow_the_hand_formula(cin, cout, k, padding, stride, h, w):
    conv = nn.Conv2d(cin, cout, k, padding=padding, stride=stride)
    h_out = (h + 2 * padding - k) // stride + 1
    w_out = (w + 2 * padding - k) // stride + 1
    total, by_operator = count_flops(conv, torch.zeros(1, cin, h, w))
    assert total == 2 * cin * cout * k * k * h_out * w_out
    assert by_operator == {"aten.convolution": total}


def test_conv2d_flops_literal():
    total, _ = count_flops(nn.Conv2d(3, 8, 3, padding=1), torch.zeros(1, 3, 16, 20))
    assert total == 138240  # 2 * 3 * 8 * 9 * 16 * 20


@pytest.mark.parametrize("need_weights", [False, True])
def test_multi_head_attention_flops_follow_the_hand_formula(need_weights):
    # L tokens of width E: q, k, v projections 3 * L * E * E multiply-adds, scores and weighted
    # sum 2 * L * L * E, output projection L * E * E; in eval mode under no grad torch would take
    # the fused path, which its counter does not see.
    tokens, width, heads = 10, 16, 4

    class SelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = nn.MultiheadAttention(width, heads, batch_first=True)

        def forward(self, x):
            return self.attention(x, x, x, need_weights=need_weights)[0]

    total, _ = count_flops(SelfAttention(), torch.zeros(1, tokens, width))
    assert total == 2 * (4 * tokens * width * width + 2 * tokens * tokens * width)
    assert torch.backends.mha.get_fastpath_enabled()  # restored


def test_self_attention_adds_its_flops_to_sa_unet():
    options = {"in_channels": 1, "out_channels": 2, "features": [8, 8, 16, 32], "num_heads": 2,
               "channel_attention": False, "spatial_attention": False}
    without, _ = count_flops(create_network("sa_unet", self_attention=False, **options), torch.zeros(1, 1, 64, 64))
    with_sa, by_operator = count_flops(create_network("sa_unet", self_attention=True, **options),
                                       torch.zeros(1, 1, 64, 64))
    tokens, width = (64 // 16) ** 2, 32  # four downsamplings of 64 pixels, last width 32
    assert with_sa - without == 2 * (4 * tokens * width * width + 2 * tokens * tokens * width)
    assert by_operator["aten.convolution"] == without


def test_measure_the_hand_built_network(fake_networks):
    result = measure({"name": "tiny"}, in_channels=2, size=(8, 6), repeats=5, warmup=1, threads=1)
    assert fake_networks == [("tiny", {"in_channels": 2, "spatial_dims": 2, "out_channels": 1})]
    assert result["parameters"] == 89
    # conv 3x3: 2*2*4*9*48 = 6912; conv 1x1: 2*4*1*48 = 384 (BN, ReLU and biases not counted)
    assert result["flops"] == 6912 + 384 and result["macs"] == 3648
    assert result["size"] == [8, 6] and result["repeats"] == 5 and result["threads"] == 1
    latency = result["latency_ms_per_slice"]
    assert math.isfinite(latency) and latency > 0
    assert result["latency_ms_p25"] <= latency <= result["latency_ms_p75"]


def test_measure_a_registered_network_and_restore_threads():
    config = {"name": "unet", "features": [4, 8, 16], "norm": "batch"}
    threads_before = torch.get_num_threads()
    result = measure(config, in_channels=3, size=(32, 32), repeats=3, warmup=1, threads=1)
    assert torch.get_num_threads() == threads_before
    reference = create_network("unet", spatial_dims=2, in_channels=3, out_channels=1, features=[4, 8, 16], norm="batch")
    assert result["parameters"] == count_parameters(reference)
    assert result["flops"] == count_flops(reference, torch.zeros(1, 3, 32, 32))[0]
    assert result["flops"] == sum(result["flops_by_operator"].values())
    assert result["network"] == "unet" and result["device"] == "cpu"


def test_time_forward_counts_only_the_timed_passes():
    calls = []
    model = nn.Identity()
    model.register_forward_hook(lambda *args: calls.append(1))
    times = time_forward(model, torch.zeros(1, 1, 4, 4), repeats=4, warmup=2)
    assert len(times) == 4 and len(calls) == 6
    assert all(t >= 0 and math.isfinite(t) for t in times)


@pytest.mark.parametrize(
    "config, kwargs, error, message",
    [
        ({"name": "nope"}, {}, KeyError, "unknown network 'nope'; valid names:"),
        ({"features": [4, 8]}, {}, ValueError, "expected a mapping with a network 'name'"),
        ({"name": "unet", "in_channels": 1}, {}, ValueError,
         r"network.in_channels: 1 in the settings, but the input has in_channels = 3"),
        ({"name": "unet"}, {"size": (32,)}, ValueError, r"size must be two \(H, W\) or three \(D, H, W\) positive integers"),
        ({"name": "unet"}, {"repeats": 0}, ValueError, "need repeats >= 1"),
    ],
)
def test_bad_input(config, kwargs, error, message):
    options = {"in_channels": 3, "size": (32, 32), "repeats": 1, "warmup": 0, **kwargs}
    with pytest.raises(error, match=message):
        measure(config, **options)


def test_a_network_that_cannot_run_on_the_size_is_a_value_error(monkeypatch):
    import lesionbench.networks

    monkeypatch.setattr(lesionbench.networks, "create_network", lambda name, **o: nn.Conv2d(o["in_channels"], 1, 5))
    with pytest.raises(ValueError, match=r"network 'valid5' cannot run on an input of shape \(1, 3, 4, 4\)"):
        measure({"name": "valid5"}, in_channels=3, size=(4, 4), repeats=1, warmup=0)


def test_a_3d_network_is_measured_on_a_voi():
    """Paper 001's VOI input: spatial_dims 3 from the size; FLOPs grow with the VOI's volume."""
    small = measure({"name": "unet", "features": [4, 8, 16]}, 1, (16, 16, 16), repeats=1, warmup=0)
    large = measure({"name": "unet", "features": [4, 8, 16]}, 1, (32, 32, 32), repeats=1, warmup=0)
    assert small["size"] == [16, 16, 16] and small["parameters"] == large["parameters"]
    assert large["flops"] == pytest.approx(8 * small["flops"], rel=1e-6)
