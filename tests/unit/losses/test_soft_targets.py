"""Soft labels (lesion fractions): a two-channel network sees what a one-channel one does."""

from __future__ import annotations

import pytest
import torch

from lesionbench.losses import create_loss
from lesionbench.losses.targets import soft_one_hot

PAIRED = [("bce", "ce"), ("dice", "dice"), ("focal", "focal"), ("tversky", "tversky"), ("dice_bce", "dice_ce")]


@pytest.mark.parametrize(("one", "two"), PAIRED)
def test_two_channel_logits_0_l_equal_one_channel_logit_l_on_fractions(one, two):
    """softmax([0, l]) = [1 - sigmoid(l), sigmoid(l)]: with the fraction f as [1 - f, f] the
    two-channel losses equal the one-channel ones."""
    generator = torch.Generator().manual_seed(0)
    logit = torch.randn(2, 1, 6, 6, generator=generator, dtype=torch.float64)
    fraction = torch.rand(2, 1, 6, 6, generator=generator, dtype=torch.float64)
    single = create_loss(one)(logit, fraction)
    double = create_loss(two)(torch.cat([torch.zeros_like(logit), logit], dim=1), fraction)
    assert float(double) == pytest.approx(float(single), rel=1e-9, abs=1e-12)


def test_soft_one_hot_of_indices_and_fractions():
    target = torch.tensor([0.0, 1.0, 0.25, 2.0]).view(1, 1, 1, 4)
    reference = soft_one_hot(target, 3)[0, :, 0].T.tolist()
    assert reference == [[1, 0, 0], [0, 1, 0], [0.75, 0.25, 0], [0, 0, 1]]


def test_class_weights_on_soft_targets_reduce_to_the_index_form_on_hard_ones():
    logits = torch.randn(2, 2, 5, 5, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    hard = (torch.rand(2, 1, 5, 5, generator=torch.Generator().manual_seed(2)) > 0.5).double()
    weighted = create_loss("ce", class_weights=[0.3, 0.7])(logits, hard)
    reference = torch.nn.functional.cross_entropy(logits, hard[:, 0].long(), weight=torch.tensor([0.3, 0.7], dtype=torch.float64))
    assert float(weighted) == pytest.approx(float(reference), rel=1e-12)
