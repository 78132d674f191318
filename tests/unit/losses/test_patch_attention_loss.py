"""Paper 003's CPA prior maps and their BCE (eq. 3.15), and losses composed over a network's whole output."""

import pytest
import torch
import torch.nn.functional as F

from lesionbench.losses import create_loss, prior_map
from lesionbench.networks.outputs import AttentionOutput
from lesionbench.training.trainer import batch_loss
from lesionbench.losses import Targets


def test_prior_map_is_32x32_max_pooling_of_a_192_label():
    g = torch.zeros(1, 1, 192, 192)
    g[0, 0, 40, 100] = 1  # patch row 40 // 32 = 1, column 100 // 32 = 3
    g[0, 0, 191, 0] = 0.3  # a partial pixel counts: patch (5, 0)
    prior = prior_map(g, (6, 6))
    expected = torch.zeros(6, 6)
    expected[1, 3] = expected[5, 0] = 1
    assert prior.shape == (1, 1, 6, 6) and torch.equal(prior[0, 0], expected)


def _maps(batch=2, stages=5, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(batch, 1, 6, 6, generator=gen) for _ in range(stages))


def test_loss_is_the_sum_over_stages_of_the_bce_against_the_prior_map():
    g = torch.zeros(2, 1, 48, 48)
    g[0, :, 10:20, 30:40] = 1
    maps = _maps()
    out = AttentionOutput(seg=torch.zeros(2, 1, 48, 48), attention_maps=maps)
    prior = torch.zeros(2, 1, 6, 6)
    prior[0, 0, 1:3, 3:5] = 1  # rows 10-19 -> patches 1-2 (8-pixel patches), columns 30-39 -> 3-4
    expected = sum(F.binary_cross_entropy(torch.sigmoid(m), prior) for m in maps)
    assert create_loss("cpa_prior")(out, g).item() == pytest.approx(expected.item(), rel=1e-5)
    assert create_loss("cpa_prior", stages="mean")(out, g).item() == pytest.approx(expected.item() / 5, rel=1e-5)


def test_a_network_without_attention_maps_gets_a_clear_error():
    with pytest.raises(ValueError, match="no attention maps"):
        create_loss("cpa_prior")(torch.zeros(1, 1, 12, 12), torch.zeros(1, 1, 12, 12))


def test_agmr_total_is_eml_plus_sobel_plus_015_times_the_stage_bces():
    """Eq. 3.16 as a ``combined`` loss: the pixel terms read ``seg``, ``cpa_prior`` the maps."""
    torch.manual_seed(0)
    seg = torch.randn(2, 1, 48, 48)
    g = (torch.rand(2, 1, 48, 48) > 0.9).float()
    out = AttentionOutput(seg=seg, attention_maps=_maps())
    total = create_loss("combined", terms=[{"name": "eml", "alpha": 0.75, "gamma": 2}, {"name": "sobel"},
                                           {"name": "cpa_prior", "weight": 0.15}])
    expected = (create_loss("eml", alpha=0.75, gamma=2)(seg, g) + create_loss("sobel")(seg, g)
                + 0.15 * create_loss("cpa_prior")(out, g))
    assert total(out, g).item() == pytest.approx(expected.item(), rel=1e-5)


def test_tsrl_total_sums_the_side_losses_when_side_weights_are_given():
    """Eq. 4.8: TAL(final) + sum_i TAL(side_i) + 0.15 sum BCE; sides are resized to the target."""
    torch.manual_seed(1)
    g = (torch.rand(2, 1, 48, 48) > 0.9).float()
    sides = tuple(torch.randn(2, 1, s, s) for s in (6, 12, 24, 48))
    out = AttentionOutput(seg=torch.randn(2, 1, 48, 48), side_outputs=sides, attention_maps=_maps())
    tal = create_loss("target_aware")
    resized = [F.interpolate(s, size=(48, 48), mode="bilinear", align_corners=False) for s in sides]
    expected = tal(out.seg, g) + sum(tal(s, g) for s in resized) + 0.15 * create_loss("cpa_prior")(out, g)
    total = create_loss("combined", side_weights=[1, 1, 1, 1],
                        terms=[{"name": "target_aware"}, {"name": "cpa_prior", "weight": 0.15}])
    assert total(out, g).item() == pytest.approx(expected.item(), rel=1e-5)
    # without side_weights the segmentation term is the mean over the five outputs (U-Net++ style)
    mean = create_loss("combined", terms=[{"name": "target_aware"}])(out, g)
    assert mean.item() == pytest.approx(((tal(out.seg, g) + sum(tal(s, g) for s in resized)) / 5).item(), rel=1e-5)


def test_the_trainer_hands_output_reading_losses_the_whole_output():
    g = torch.zeros(1, 1, 12, 12)
    out = AttentionOutput(seg=torch.zeros(1, 1, 12, 12), attention_maps=_maps(batch=1, stages=2))
    fn = batch_loss(create_loss("combined", terms=[{"name": "cpa_prior"}]), torch.device("cpu"))
    assert fn(out, Targets(mask=g, cls=torch.tensor([-1]))).item() == pytest.approx(
        create_loss("cpa_prior")(out, g).item())


def test_bad_side_weights_are_refused():
    with pytest.raises(ValueError, match="side_weights"):
        create_loss("combined", terms=[{"name": "dice"}], side_weights=[1, -1])


def test_empty_targets_give_finite_gradients_on_saturated_maps():
    maps = tuple((torch.randn(2, 1, 6, 6) * 3).requires_grad_() for _ in range(5))
    with torch.no_grad():
        maps[0][:, :, :2] = 60.0
    loss = create_loss("cpa_prior")(AttentionOutput(seg=torch.zeros(2, 1, 24, 24), attention_maps=maps),
                                    torch.zeros(2, 1, 24, 24))
    loss.backward()
    assert torch.isfinite(loss) and all(torch.isfinite(m.grad).all() for m in maps)
    assert all(m.grad.min() > 0 for m in maps)  # every patch is pushed towards "no lesion"
