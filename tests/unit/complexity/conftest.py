import pytest
from torch import nn

import lesionbench.networks


def tiny_net(in_channels: int = 2, out_channels: int = 1, spatial_dims: int = 2, width: int = 4) -> nn.Module:
    """Conv3x3(C -> width) + BN + ReLU + Conv1x1(width -> out): a network counted by hand.

    Parameters: 9 C width + width (conv) + 2 width (BN) + width out + out (conv).
    FLOPs on H x W: 2 * 9 C width H W + 2 width out H W.
    """
    return nn.Sequential(nn.Conv2d(in_channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
                         nn.Conv2d(width, out_channels, 1))


@pytest.fixture
def fake_networks(monkeypatch):
    """Replace the network factory by two hand-countable networks; returns the list of builds."""
    builds = []
    factories = {"tiny": lambda **o: tiny_net(**o), "wide": lambda **o: tiny_net(width=8, **o)}

    def create_network(name, **options):
        if name not in factories:
            raise KeyError(f"unknown network {name!r}; valid names: tiny, wide")
        builds.append((name, options))
        return factories[name](**options)

    monkeypatch.setattr(lesionbench.networks, "create_network", create_network)
    return builds


@pytest.fixture
def make_tiny_net():
    """The hand-countable network's constructor."""
    return tiny_net
