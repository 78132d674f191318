"""Shared helpers of the network tests: a tiny synthetic segmentation task and a training loop."""

from __future__ import annotations

import pytest
import torch

from lesionbench.losses import create_loss


def disc_batch(n: int, size: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """``n`` images ``(n, 1, size, size)``: a bright disc (radius size/6) on Gaussian noise, and its mask."""
    gen = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    images, masks = [], []
    for _ in range(n):
        cy, cx = torch.randint(size // 4, 3 * size // 4, (2,), generator=gen).tolist()
        mask = ((yy - cy) ** 2 + (xx - cx) ** 2 <= (size / 6) ** 2).float()
        images.append(mask + 0.2 * torch.randn(size, size, generator=gen))
        masks.append(mask)
    return torch.stack(images)[:, None], torch.stack(masks)[:, None]


def train_losses(net: torch.nn.Module, loss_name: str, size: int, steps: int = 30, lr: float = 1e-3) -> list[float]:
    """Seeded Adam steps on :func:`disc_batch` (2 images); the loss after each step."""
    images, masks = disc_batch(2, size)
    loss_fn = create_loss(loss_name)
    optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=lr)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(net(images), masks)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def stack_batch(n: int, size: int, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """A 4-slice stack ``(n, 4, size, size)`` of a bright disc on noise, and the target slice's mask."""
    gen = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    masks = []
    for _ in range(n):
        cy, cx = torch.randint(size // 4, 3 * size // 4, (2,), generator=gen).tolist()
        masks.append(((yy - cy) ** 2 + (xx - cx) ** 2 <= (size / 6) ** 2).float())
    mask = torch.stack(masks)[:, None]
    return mask.repeat(1, 4, 1, 1) + 0.2 * torch.randn(n, 4, size, size, generator=gen), mask


def parameter_count(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


@pytest.fixture(name="train_losses")
def _train_losses_fixture():
    """:func:`train_losses`, for tests to call."""
    return train_losses


@pytest.fixture(name="disc_batch")
def _disc_batch_fixture():
    """:func:`disc_batch`, for tests to call."""
    return disc_batch


@pytest.fixture(name="stack_batch")
def _stack_batch_fixture():
    """:func:`stack_batch`, for tests to call."""
    return stack_batch


@pytest.fixture(name="parameter_count")
def _parameter_count_fixture():
    """:func:`parameter_count`, for tests to call."""
    return parameter_count


@pytest.fixture(autouse=True)
def _seed_and_one_thread():
    """Seed every test; run on one thread (on a shared 2-core machine, two threads are 4x slower)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)
