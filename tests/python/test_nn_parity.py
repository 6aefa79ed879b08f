"""Architecture parity with torchvision 0.14 (Debian's python3-torchvision) and with plain
PyTorch references: same parameter names and counts, same outputs for the same weights."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import medimg
from medimg import nn

torchvision = pytest.importorskip("torchvision")


def _assert_same_outputs(ours, reference, x):
    ours.eval()
    reference.eval()
    with torch.no_grad():
        expected = reference(x)
        got = ours(x)
    # Random-init outputs range from ~1e-14 (EfficientNet in eval mode) to ~1e2 (ResNet-50):
    # 1e-5 relative to their scale. (Here they agree bit for bit: the same LibTorch kernels.)
    scale = expected.abs().max().item()
    assert scale > 0
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=0, atol=1e-5 * scale)


@pytest.mark.parametrize("depth", [18, 50])
def test_resnet_loads_torchvision_state_dict_and_agrees(depth):
    torch.manual_seed(depth)
    reference = getattr(torchvision.models, f"resnet{depth}")()
    ours = nn.ResNet(depth=depth, spatial_dims=2, in_channels=3, num_classes=1000)
    assert list(ours.state_dict()) == list(reference.state_dict())
    assert nn.count_parameters(ours) == nn.count_parameters(reference)
    ours.load_state_dict(reference.state_dict())
    _assert_same_outputs(ours, reference, torch.randn(2, 3, 96, 112))


@pytest.mark.parametrize("variant", ["b0", "b4"])
def test_efficientnet_loads_torchvision_weights_and_agrees(variant):
    torch.manual_seed(1)
    reference = getattr(torchvision.models, f"efficientnet_{variant}")()
    ours = nn.EfficientNet(variant)
    assert list(ours.state_dict()) == list(reference.state_dict())
    assert nn.count_parameters(ours) == nn.count_parameters(reference)
    report = nn.load_torchvision_weights(ours, reference.state_dict())
    assert len(report.loaded) == len(reference.state_dict())
    assert not (report.adapted or report.skipped or report.missing)
    _assert_same_outputs(ours, reference, torch.randn(2, 3, 96, 96))


def test_efficientnet_features_match_torchvision_in_training_mode():
    torch.manual_seed(2)
    reference = torchvision.models.efficientnet_b0(stochastic_depth_prob=0.0)
    ours = nn.EfficientNet("b0", stochastic_depth=0.0)
    ours.load_state_dict(reference.state_dict())
    x = torch.randn(2, 3, 64, 64)
    ours.train()
    reference.train()
    got = ours.forward_features(x, ["features"])[1]["features"]
    np.testing.assert_allclose(got.detach().numpy(), reference.features(x).detach().numpy(),
                               rtol=1e-4, atol=1e-4)
    # Batch statistics were updated identically.
    np.testing.assert_allclose(ours.state_dict()["features.8.1.running_var"].numpy(),
                               reference.state_dict()["features.8.1.running_var"].numpy(),
                               rtol=1e-5)


def test_torchvision_weights_from_a_file_with_one_input_channel(tmp_path):
    reference = torchvision.models.resnet18()
    torch.save(reference.state_dict(), tmp_path / "resnet18.pth")
    ours = nn.ResNet(18, in_channels=1, num_classes=2)
    report = nn.load_torchvision_weights(ours, tmp_path / "resnet18.pth")
    assert report.adapted == ["conv1.weight"] and report.skipped == ["fc.weight", "fc.bias"]
    torch.testing.assert_close(ours.state_dict()["conv1.weight"],
                               reference.conv1.weight.detach().sum(1, keepdim=True))
    # A grey image gives torchvision's response to the same image in RGB up to the head.
    grey = torch.rand(1, 1, 64, 64)
    ours.eval()
    reference.eval()
    with torch.no_grad():
        got = ours.forward_features(grey, ["layer4"])[1]["layer4"]
        expected = torch.nn.Sequential(*list(reference.children())[:-2])(grey.expand(1, 3, 64, 64))
    torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-4)
    with pytest.raises(medimg.ArgumentError, match="not torchvision weights"):
        nn.load_torchvision_weights(nn.EfficientNet("b0"), reference.state_dict())
    with pytest.raises(medimg.ArgumentError, match="ResNet or EfficientNet"):
        nn.load_torchvision_weights(nn.CNN3d(), reference.state_dict())


class _ReferenceCBAM(torch.nn.Module):
    """CBAM as in Woo et al. 2018, written with torch.nn."""

    def __init__(self, channels, reduction, kernel):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.mlp = torch.nn.Sequential(torch.nn.Conv2d(channels, hidden, 1), torch.nn.ReLU(),
                                       torch.nn.Conv2d(hidden, channels, 1))
        self.spatial = torch.nn.Conv2d(2, 1, kernel, padding=kernel // 2, bias=False)

    def forward(self, x):
        x = x * torch.sigmoid(self.mlp(F.adaptive_avg_pool2d(x, 1)) +
                              self.mlp(F.adaptive_max_pool2d(x, 1)))
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)
        return x * torch.sigmoid(self.spatial(pooled))


def test_cbam_equals_a_pytorch_reference():
    ours = nn.CBAM(32, reduction=8, spatial_kernel=5)
    reference = _ReferenceCBAM(32, 8, 5)
    reference.load_state_dict(ours.state_dict())
    x = torch.randn(3, 32, 11, 13)
    torch.testing.assert_close(ours(x), reference(x), rtol=1e-5, atol=1e-6)
    with pytest.raises(medimg.ShapeError, match="expects 32 input channel"):
        ours(torch.randn(1, 16, 5, 5))
