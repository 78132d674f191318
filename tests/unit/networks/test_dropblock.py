import itertools

import numpy as np
import pytest
import torch
from scipy import ndimage

from lesionbench.networks.dropblock import (
    DropBlock2d,
    block_mask,
    expected_keep_fraction,
    seed_coverage,
    seed_probability,
)


def test_eval_mode_is_the_identity():
    drop = DropBlock2d(drop_prob=0.5, block_size=3).eval()
    x = torch.randn(2, 3, 16, 16)
    assert drop(x) is x
    assert int(drop.num_steps) == 0


def test_one_seed_zeroes_one_block_size_square():
    seeds = torch.zeros(1, 1, 6, 6)  # an 8x8 map with 3x3 blocks has 6x6 seed positions
    seeds[0, 0, 2, 4] = 1
    mask = block_mask(seeds, 3)
    expected = torch.ones(1, 1, 8, 8)
    expected[0, 0, 2:5, 4:7] = 0
    assert torch.equal(mask, expected)


def test_seed_coverage_counts_by_hand():
    # 5 pixels, blocks of 3: seeds 0, 1, 2; pixel r is covered by seeds max(0, r-2) .. min(r, 2)
    assert seed_coverage(5, 3).tolist() == [1, 2, 3, 2, 1]
    assert seed_coverage(4, 1).tolist() == [1, 1, 1, 1]


def test_exact_gamma_keeps_exactly_one_minus_drop_prob_by_enumeration():
    # 3x3 map, 2x2 blocks: 4 seed positions, 16 seed patterns; sum the kept fraction of each
    # pattern weighted by its probability gamma^k (1 - gamma)^(4 - k).
    drop_prob = 0.3
    gamma = seed_probability(drop_prob, 3, 3, 2)
    expected = 0.0
    for pattern in itertools.product((0.0, 1.0), repeat=4):
        seeds = torch.tensor(pattern).reshape(1, 1, 2, 2)
        k = int(sum(pattern))
        expected += gamma**k * (1 - gamma) ** (4 - k) * block_mask(seeds, 2).mean().item()
    assert expected == pytest.approx(1 - drop_prob, abs=1e-6)  # block_mask is float32
    # the closed form agrees: 4 corners covered once, 4 edges twice, the centre 4 times
    closed = (4 * (1 - gamma) + 4 * (1 - gamma) ** 2 + (1 - gamma) ** 4) / 9
    assert closed == pytest.approx(1 - drop_prob, abs=1e-12)


def test_ghiasi_gamma_follows_eq_1_and_drops_less_than_asked():
    gamma = seed_probability(0.1, 26, 26, 7, mode="ghiasi")
    assert gamma == pytest.approx(0.1 / 49 * 26**2 / 20**2)
    dropped = 1 - expected_keep_fraction(gamma, 26, 26, 7)
    assert 0.09 < dropped < 0.0999  # overlapping blocks: 0.0938, not 0.1


@pytest.mark.parametrize("gamma_mode, share_channels", [("exact", False), ("exact", True), ("ghiasi", False)])
def test_training_keep_fraction_matches_its_expectation(gamma_mode, share_channels):
    drop_prob, block, size = 0.2, 5, 32
    drop = DropBlock2d(drop_prob, block, share_channels=share_channels, gamma=gamma_mode).train()
    torch.manual_seed(1)
    out = drop(torch.ones(*((256, 2) if share_channels else (16, 16)), size, size))
    kept = (out != 0).float().mean().item()
    expected = expected_keep_fraction(seed_probability(drop_prob, size, size, block, gamma_mode), size, size, block)
    if gamma_mode == "exact":
        assert expected == pytest.approx(1 - drop_prob, abs=1e-9)
    else:
        assert expected > 1 - drop_prob + 0.01
    # 256 independent 32x32 masks: the kept fraction's std is about 0.004 (measured over 100 runs)
    assert kept == pytest.approx(expected, abs=0.015)
    if share_channels:
        assert torch.equal(out[:, :1].expand_as(out), out)


def test_zeroed_regions_are_unions_of_block_size_squares_and_kept_units_are_rescaled():
    drop = DropBlock2d(drop_prob=0.15, block_size=4).train()
    torch.manual_seed(2)
    out = drop(torch.ones(2, 3, 24, 24))
    zeros = (out == 0).numpy()
    assert zeros.any() and not zeros.all()
    for plane in zeros.reshape(-1, 24, 24):
        # a union of 4x4 squares inside the map is unchanged by an opening with a 4x4 square;
        # isolated dropped pixels (ordinary dropout) would be removed
        assert np.array_equal(ndimage.binary_opening(plane, structure=np.ones((4, 4))), plane)
    kept = out[out != 0]
    scale = out.numel() / kept.numel()
    assert torch.allclose(kept, torch.full_like(kept, scale))
    assert out.sum().item() == pytest.approx(out.numel(), rel=1e-5)  # count(M) / count_ones(M)


def test_block_larger_than_the_map_is_clipped_to_the_map():
    drop = DropBlock2d(drop_prob=0.5, block_size=7).train()
    torch.manual_seed(0)
    out = drop(torch.ones(64, 1, 3, 3))
    per_map = (out != 0).flatten(1).float().mean(1)
    assert set(per_map.tolist()) <= {0.0, 1.0}  # a 3x3 block covers the whole 3x3 map
    assert 0.3 < (per_map == 0).float().mean().item() < 0.7


def test_linear_schedule_and_its_step_counter():
    drop = DropBlock2d(drop_prob=0.2, block_size=3, schedule_steps=4).train()
    probs = []
    x = torch.ones(1, 2, 10, 10)
    for _ in range(6):
        probs.append(drop.current_drop_prob())
        out = drop(x)
        if probs[-1] == 0.0:
            assert out is x
    assert probs == pytest.approx([0.0, 0.05, 0.1, 0.15, 0.2, 0.2])
    assert int(drop.state_dict()["num_steps"]) == 6
    resumed = DropBlock2d(drop_prob=0.2, block_size=3, schedule_steps=4)
    resumed.load_state_dict(drop.state_dict())
    assert resumed.current_drop_prob() == pytest.approx(0.2)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"drop_prob": 1.0}, "drop_prob must be in [0, 1)"),
        ({"block_size": 0}, "block_size >= 1"),
        ({"gamma": "approx"}, "gamma must be one of ['exact', 'ghiasi']"),
    ],
)
def test_bad_options_raise(kwargs, message):
    with pytest.raises(ValueError) as err:
        DropBlock2d(**kwargs)
    assert message in str(err.value)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match=r"expected a \(B, C, H, W\) tensor, got shape \(3, 8, 8\)"):
        DropBlock2d().train()(torch.ones(3, 8, 8))
    with pytest.raises(ValueError, match="block_size 5 exceeds the 4x8 feature map"):
        seed_probability(0.1, 4, 8, 5)
