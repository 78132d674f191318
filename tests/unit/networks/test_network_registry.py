import pytest
import torch
from torch import nn

from lesionbench.networks import (
    FCN8s,
    UNet,
    available_networks,
    create_network,
    register_network,
    supported_spatial_dims,
)
from lesionbench.registry import Registry


def test_available_networks_lists_the_registered_architectures():
    assert {"unet", "fcn8s"} <= set(available_networks())
    assert available_networks() == sorted(available_networks())


def test_unknown_network_is_a_key_error_listing_the_names():
    with pytest.raises(KeyError) as info:
        create_network("nope")
    message = info.value.args[0]
    assert "unknown network 'nope'" in message
    assert "fcn8s" in message and "unet" in message


def test_create_network_builds_the_registered_class_with_options():
    net = create_network("unet", in_channels=3, out_channels=1, features=(4, 8, 16))
    assert type(net) is UNet
    assert net.encoders[0][0][0].in_channels == 3
    assert net.head.out_channels == 1
    assert net.total_stride == 4


def test_unknown_option_is_a_value_error_listing_the_valid_options():
    with pytest.raises(ValueError, match=r"network 'unet' got unknown option\(s\) \['featurs'\].*features"):
        create_network("unet", featurs=(4, 8))


def test_spatial_dims_checked_and_dropped_for_2d_only_networks():
    assert supported_spatial_dims("unet") == (2, 3)
    assert supported_spatial_dims("fcn8s") == (2,)
    net = create_network("fcn8s", spatial_dims=2, in_channels=1, out_channels=2, features=(2, 2, 2, 2, 2), fc_channels=4)
    assert type(net) is FCN8s
    with pytest.raises(ValueError, match=r"network 'fcn8s' supports spatial_dims \[2\], got 3"):
        create_network("fcn8s", spatial_dims=3)
    unet3d = create_network("unet", spatial_dims=3, features=(2, 4))
    assert isinstance(unet3d.head, nn.Conv3d)


def test_registering_a_second_factory_under_a_taken_name_fails():
    with pytest.raises(ValueError, match="network 'unet' is already registered"):
        @register_network("unet")
        class Other(nn.Module):
            pass


def test_registry_with_var_keyword_factory_accepts_any_option():
    registry: Registry[dict] = Registry("thing")
    registry.add("plain", lambda a=1: {"a": a})
    registry.add("open", lambda **kw: kw)
    assert registry.create("open", z=3) == {"z": 3}
    assert registry.create("plain", a=5) == {"a": 5}
    with pytest.raises(ValueError, match=r"thing 'plain' got unknown option\(s\) \['z'\]; valid options: a"):
        registry.create("plain", z=3)
    assert "plain" in registry and len(registry) == 2
    with pytest.raises(KeyError, match="unknown thing 'x'; valid names: open, plain"):
        registry.entry("x")


def test_created_network_returns_logits_of_input_size():
    net = create_network("unet", in_channels=1, out_channels=2, features=(4, 8, 16))
    assert net(torch.zeros(1, 1, 12, 12)).shape == (1, 2, 12, 12)
