"""Paper 001's multi-task loss (eq. 3): Dice on the segmentation, cross entropy on the class."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lesionbench.losses import Targets, create_loss
from lesionbench.networks.multitask import ClassOutput, MultiTaskOutput


def _batch(seed: int = 0):
    generator = torch.Generator().manual_seed(seed)
    seg = torch.randn(3, 1, 4, 6, 6, generator=generator)
    cls = torch.randn(3, 2, generator=generator)
    mask = (torch.rand(3, 1, 4, 6, 6, generator=generator) > 0.7).float()
    return MultiTaskOutput(seg, cls), mask


def test_alpha_weighs_per_voi_dice_against_the_class_cross_entropy():
    output, mask = _batch()
    classes = torch.tensor([1, 0, 1])
    loss = create_loss("multitask", alpha=0.4)(output, Targets(mask, classes))
    prob = torch.sigmoid(output.seg)
    dice = torch.stack([1 - (2 * (prob[i] * mask[i]).sum() + 1) / (prob[i].sum() + mask[i].sum() + 1)
                        for i in range(3)]).mean()
    one_hot = F.one_hot(classes, 2).float()
    bce = -(one_hot * F.logsigmoid(output.cls) + (1 - one_hot) * F.logsigmoid(-output.cls)).mean()
    assert loss.item() == pytest.approx((0.4 * dice + 0.6 * bce).item(), rel=1e-5)


def test_unknown_classes_count_in_the_segmentation_term_only():
    output, mask = _batch(1)
    partly = create_loss("multitask", alpha=0.5)(output, Targets(mask, torch.tensor([1, -1, -1])))
    dice = create_loss("dice", reduction="sample")(output.seg, mask)
    bce_first = F.binary_cross_entropy_with_logits(output.cls[:1], torch.tensor([[0.0, 1.0]]))
    assert partly.item() == pytest.approx(0.5 * dice.item() + 0.5 * bce_first.item(), rel=1e-6)
    seg_only = create_loss("multitask", alpha=0.5)(output, Targets(mask, torch.tensor([-1, -1, -1])))
    assert seg_only.item() == pytest.approx(0.5 * dice.item(), rel=1e-6)
    softmax = create_loss("multitask", alpha=0.0, cls_mode="softmax")(output, Targets(mask, torch.tensor([1, 0, 1])))
    assert softmax.item() == pytest.approx(F.cross_entropy(output.cls, torch.tensor([1, 0, 1])).item(), rel=1e-6)


def test_a_segmentation_network_is_a_clear_error():
    with pytest.raises(TypeError, match="not a result with seg and cls"):
        create_loss("multitask")(torch.zeros(1, 1, 4, 4, 4), Targets(torch.zeros(1, 1, 4, 4, 4), torch.tensor([1])))
    with pytest.raises(ValueError, match="alpha must be in"):
        create_loss("multitask", alpha=1.5)


def test_the_class_loss_alone_is_eq_2_on_the_known_classes():
    output, mask = _batch(2)
    logits = output.cls
    loss = create_loss("class_ce")(ClassOutput(logits), Targets(mask, torch.tensor([0, -1, 1])))
    known, one_hot = logits[[0, 2]], torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    bce = -(one_hot * F.logsigmoid(known) + (1 - one_hot) * F.logsigmoid(-known)).mean()
    assert loss.item() == pytest.approx(bce.item(), rel=1e-6)
    # the multi-task networks' class logits are read the same way
    assert create_loss("class_ce")(output, Targets(mask, torch.tensor([0, -1, 1]))).item() == pytest.approx(bce.item())
    none_known = create_loss("class_ce")(ClassOutput(logits.requires_grad_()), Targets(mask, torch.full((3,), -1)))
    none_known.backward()
    assert none_known.item() == 0.0 and torch.count_nonzero(logits.grad) == 0
    with pytest.raises(TypeError, match="has no class logits"):
        create_loss("class_ce")(output.seg, Targets(mask, torch.tensor([0, 1, 1])))
