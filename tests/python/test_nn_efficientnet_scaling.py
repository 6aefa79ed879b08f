"""EfficientNet width/depth multipliers against torchvision 0.14's own scaling
(_efficientnet_conf(width_mult, depth_mult) -> EfficientNet), and through every entry point
(Python constructor, build_network's JSON keys, model files)."""

import json
import math

import pytest
import torch

import medimg
from medimg import nn

torchvision = pytest.importorskip("torchvision")
from torchvision.models.efficientnet import EfficientNet as TvEfficientNet  # noqa: E402
from torchvision.models.efficientnet import _efficientnet_conf  # noqa: E402


def _torchvision(width, depth, num_classes=4):
    setting, last_channel = _efficientnet_conf("efficientnet_b0", width_mult=width,
                                               depth_mult=depth)
    return TvEfficientNet(setting, 0.2, num_classes=num_classes, last_channel=last_channel)


def _shapes(module):
    return [(name, tuple(t.shape)) for name, t in module.state_dict().items()]


def _assert_same_outputs(ours, reference):
    """Loads the reference's weights into ours and compares eval outputs on a 64 px batch;
    returns the batch."""
    ours.load_state_dict(reference.state_dict())
    ours.eval()
    reference.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = reference(x)
        torch.testing.assert_close(ours(x), expected, rtol=0, atol=1e-5 * expected.abs().max())
    return x


@pytest.mark.parametrize("width,depth", [(0.25, 0.5), (0.5, 0.5), (0.35, 1.0), (1.0, 0.3),
                                         (1.4, 1.8)])
def test_multipliers_build_torchvisions_network(width, depth):
    torch.manual_seed(0)
    ours = nn.EfficientNet("b0", num_classes=4, width_multiplier=width, depth_multiplier=depth)
    reference = _torchvision(width, depth)
    assert _shapes(ours) == _shapes(reference)
    assert nn.count_parameters(ours) == nn.count_parameters(reference)
    _assert_same_outputs(ours, reference)


def test_hand_formula_for_a_quarter_width_half_depth_b0():
    # _make_divisible(c * 0.25, 8): 32 -> 8, 16 -> 8, 24 -> 8, 40 -> 16, 80 -> 24,
    # 112 -> 32, 192 -> 48, 320 -> 80; ceil(n * 0.5): 1, 2, 2, 3, 3, 4, 1 -> 1, 1, 1, 2, 2, 2, 1.
    net = nn.EfficientNet("b0", width_multiplier=0.25, depth_multiplier=0.5)
    state = net.state_dict()
    assert state["features.0.0.weight"].shape == (8, 3, 3, 3)
    blocks = [len({k.split(".")[2] for k in state if k.startswith(f"features.{s}.")})
              for s in range(1, 8)]
    assert blocks == [1, 1, 1, 2, 2, 2, 1]
    assert state["features.7.0.block.3.0.weight"].shape[0] == 80
    assert state["features.8.0.weight"].shape == (320, 80, 1, 1)
    assert state["classifier.1.weight"].shape == (1000, 320)


def test_variant_multipliers_are_the_defaults():
    plain = nn.EfficientNet("b4")
    explicit = nn.EfficientNet("b4", width_multiplier=1.4, depth_multiplier=1.8)
    assert _shapes(plain) == _shapes(explicit)


#: Output channels of the 10 MBConv blocks of B0 at width 0.25, depth 0.5 (stages 1-7 have
#: 1, 1, 1, 2, 2, 2, 1 blocks).
_NARROW_BLOCK_OUTS = [8, 8, 16, 24, 24, 32, 32, 48, 48, 80]


def _cbam_parameters(outs):
    # mlp C -> max(1, C/16) -> C with biases, 7x7x2 spatial conv without bias.
    return sum(c * max(1, c // 16) + max(1, c // 16) + max(1, c // 16) * c + c + 2 * 49
               for c in outs)


def test_cbam_and_multipliers_together():
    torch.manual_seed(1)
    net = nn.EfficientNet("b0", num_classes=4, cbam=True, width_multiplier=0.25,
                          depth_multiplier=0.5)
    base = _torchvision(0.25, 0.5)
    # One CBAM per MBConv block.
    extra = nn.count_parameters(net) - nn.count_parameters(base)
    assert extra == _cbam_parameters(_NARROW_BLOCK_OUTS)
    assert net(torch.randn(2, 3, 64, 64)).shape == (2, 4)


def test_cbam_from_stage_leaves_the_early_stages_without_cbam(tmp_path):
    net = nn.EfficientNet("b0", num_classes=4, cbam=True, cbam_from_stage=4,
                          width_multiplier=0.25, depth_multiplier=0.5)
    extra = nn.count_parameters(net) - nn.count_parameters(_torchvision(0.25, 0.5))
    assert extra == _cbam_parameters(_NARROW_BLOCK_OUTS[3:])  # stages 4-7: 7 blocks
    stages = {name.split(".")[1] for name in net.state_dict() if ".cbam." in name}
    assert stages == {"4", "5", "6", "7"}
    nn.save_model(net, tmp_path / "late_cbam.pt")
    loaded = nn.load_model(tmp_path / "late_cbam.pt")
    assert loaded.options["cbam_from_stage"] == 4
    assert _shapes(loaded) == _shapes(net)
    # The default (every stage) is not written.
    nn.save_model(nn.EfficientNet("b0", cbam=True), tmp_path / "cbam.pt")
    assert "cbam_from_stage" not in torch.load(tmp_path / "cbam.pt")["options"]
    for bad in (0, 8):
        with pytest.raises(medimg.ArgumentError, match="cbam_from_stage must be in"):
            nn.EfficientNet("b0", cbam=True, cbam_from_stage=bad)


def test_multipliers_reach_build_network_and_model_files(tmp_path):
    net = nn.build_network("efficientnet", num_classes=4, width_multiplier=0.25,
                           depth_multiplier=0.5)
    assert net.options["width_multiplier"] == 0.25
    direct = nn.EfficientNet("b0", num_classes=4, width_multiplier=0.25, depth_multiplier=0.5)
    assert _shapes(net) == _shapes(direct)
    torch.manual_seed(2)
    path = tmp_path / "small.pt"
    nn.save_model(direct, path)
    loaded = nn.load_model(path)
    assert _shapes(loaded) == _shapes(direct)
    for a, b in zip(loaded.state_dict().values(), direct.state_dict().values()):
        assert torch.equal(a, b)
    options = json.loads(torch.load(path)["options"])
    assert options["width_multiplier"] == 0.25 and options["depth_multiplier"] == 0.5
    # Unset multipliers are not written: a plain B0's options text is as before.
    nn.save_model(nn.EfficientNet("b0"), tmp_path / "plain.pt")
    assert "multiplier" not in torch.load(tmp_path / "plain.pt")["options"]
    # null keeps the variant's.
    same = nn.build_network("efficientnet", width_multiplier=None)
    assert _shapes(same) == _shapes(nn.EfficientNet("b0"))


@pytest.mark.parametrize("bad", [0.0, -0.5, math.inf, math.nan, 9.0])
def test_bad_multipliers_are_refused(bad):
    with pytest.raises(medimg.ArgumentError, match="width_multiplier"):
        nn.EfficientNet("b0", width_multiplier=bad)
    with pytest.raises(medimg.ArgumentError, match="depth_multiplier"):
        nn.EfficientNet("b0", depth_multiplier=bad)


def _torchvision_dilated(width, depth, output_stride, dilated=True):
    """torchvision's network with the stride-2 depthwise convolutions past output_stride set
    to stride 1 and (``dilated``) every later depthwise convolution dilated (2, then 4), by
    hand."""
    net = _torchvision(width, depth)
    reached, dilation = 2, 1
    for stage in net.features[1:8]:
        depthwise = [[m for m in block.modules()
                      if isinstance(m, torch.nn.Conv2d) and m.groups > 1][0] for block in stage]
        if depthwise[0].stride == (2, 2):
            if reached >= output_stride:
                depthwise[0].stride = (1, 1)
                dilation *= 2 if dilated else 1
            else:
                reached *= 2
        for conv in depthwise:
            k = conv.kernel_size[0]
            conv.dilation = (dilation, dilation)
            conv.padding = ((k - 1) // 2 * dilation,) * 2
    return net


@pytest.mark.parametrize("output_stride,dilated", [(8, True), (16, True), (32, True),
                                                   (8, False), (16, False)])
def test_output_stride_equals_a_modified_torchvision_network(output_stride, dilated):
    torch.manual_seed(3)
    ours = nn.EfficientNet("b0", num_classes=4, width_multiplier=0.25, depth_multiplier=0.5,
                           output_stride=output_stride, dilated=dilated)
    reference = _torchvision_dilated(0.25, 0.5, output_stride, dilated)
    # Same parameters as the plain network: only strides and dilations change.
    assert _shapes(ours) == _shapes(_torchvision(0.25, 0.5))
    x = _assert_same_outputs(ours, reference)
    with torch.no_grad():
        _, features = ours.forward_features(x, ["features.8"])
    assert features["features.8"].shape[-2:] == (64 // output_stride, 64 // output_stride)


def test_output_stride_reaches_build_network_model_files_and_refuses_others(tmp_path):
    net = nn.build_network("efficientnet", num_classes=4, width_multiplier=0.25,
                           depth_multiplier=0.5, output_stride=8, dilated=False)
    assert net.options["output_stride"] == 8 and net.options["dilated"] is False
    path = tmp_path / "os8.pt"
    nn.save_model(net, path)
    loaded = nn.load_model(path)
    x = torch.randn(1, 3, 64, 64)
    assert loaded.forward_features(x, ["features.8"])[1]["features.8"].shape[-1] == 8
    assert loaded.options["dilated"] is False
    # The default is not written: model files of plain networks stay as they were.
    nn.save_model(nn.EfficientNet("b0"), tmp_path / "plain.pt")
    assert "output_stride" not in torch.load(tmp_path / "plain.pt")["options"]
    assert "dilated" not in torch.load(tmp_path / "plain.pt")["options"]
    for bad in (0, 4, 12, 64):
        with pytest.raises(medimg.ArgumentError, match="output_stride must be 8, 16 or 32"):
            nn.EfficientNet("b0", output_stride=bad)
