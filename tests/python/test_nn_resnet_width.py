"""ResNet's `width` option: channel counts, parameter counts, model files, errors."""

import pytest
import torch

import medimg
from medimg import nn

torchvision = pytest.importorskip("torchvision")


def _resnet18_parameters(width, in_channels, num_classes):
    # Written out layer by layer (convolutions without bias, batch norm weight + bias):
    w = width
    stem = in_channels * w * 49 + 2 * w
    layer1 = 2 * (2 * 9 * w * w + 2 * 2 * w)
    total = stem + layer1
    for planes in (2 * w, 4 * w, 8 * w):
        inplanes = planes // 2
        first = 9 * inplanes * planes + 9 * planes * planes + inplanes * planes + 3 * 2 * planes
        second = 2 * 9 * planes * planes + 2 * 2 * planes
        total += first + second
    return total + 8 * w * num_classes + num_classes


@pytest.mark.parametrize("width", [8, 16, 24, 64])
def test_parameter_count_follows_the_layer_by_layer_sum(width):
    net = nn.ResNet(18, in_channels=1, num_classes=2, width=width)
    assert nn.count_parameters(net) == _resnet18_parameters(width, 1, 2)
    assert net.options["width"] == width


def test_hand_counts():
    assert _resnet18_parameters(64, 3, 1000) == 11_689_512  # torchvision's resnet18
    assert _resnet18_parameters(16, 1, 2) == 700_786


@pytest.mark.parametrize("depth", [18, 50])
def test_shapes_are_torchvisions_with_channels_scaled(depth):
    reference = getattr(torchvision.models, f"resnet{depth}")(num_classes=2).state_dict()
    ours = nn.ResNet(depth, in_channels=3, num_classes=2, width=16).state_dict()
    assert list(ours) == list(reference)
    for name, tensor in reference.items():
        expected = list(tensor.shape)
        if tensor.dim() >= 1 and name != "fc.bias":
            expected[0] = expected[0] // 4  # output channels
        if tensor.dim() >= 2 and name != "conv1.weight":
            expected[1] = expected[1] // 4  # input channels (conv1 keeps the image's 3)
        if name == "fc.weight":
            expected = [2, tensor.shape[1] // 4]
        assert list(ours[name].shape) == expected, name


def test_default_width_is_torchvisions_network():
    torch.manual_seed(0)
    reference = torchvision.models.resnet18()
    ours = nn.ResNet(18)
    assert ours.options["width"] == 64
    ours.load_state_dict(reference.state_dict())
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours.eval()(x), reference.eval()(x), rtol=0, atol=1e-4)


def test_narrow_network_runs_saves_and_loads(tmp_path):
    torch.manual_seed(0)
    net = nn.ResNet(18, in_channels=1, num_classes=2, width=16).eval()
    x = torch.randn(3, 1, 28, 28)
    with torch.no_grad():
        out = net(x)
    assert out.shape == (3, 2)
    nn.save_model(net, tmp_path / "m.pt")
    loaded = nn.load_model(tmp_path / "m.pt").eval()
    assert loaded.options == net.options
    with torch.no_grad():
        torch.testing.assert_close(loaded(x), out, rtol=0, atol=0)
    rebuilt = nn.build_network("resnet", depth=50, width=8, num_classes=3)
    assert rebuilt.fc.weight.shape == (3, 8 * 8 * 4)


def test_bad_width_is_refused():
    for width in (0, -16):
        with pytest.raises(medimg.ArgumentError, match="width must be positive"):
            nn.ResNet(18, width=width)
