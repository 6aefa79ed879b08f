"""medimg.nn networks behave as torch.nn.Modules: the parts of torch.nn.Module that recurse
over children, move tensors or feed optimizers all act on the C++ network."""

import copy

import pytest
import torch

import medimg
from medimg import _medimg, nn


def _small_resnet():
    return nn.ResNet(18, in_channels=1, num_classes=3)


def test_networks_are_torch_modules():
    net = nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, features=(4, 8))
    assert isinstance(net, torch.nn.Module)
    assert isinstance(net, _medimg.UNet)  # the class torch::python::bind_module made
    assert isinstance(net.cpp_module, _medimg.cpp.UNet)
    names = [name for name, _ in net.named_modules()]
    assert "encoder.1.conv2" in names and "upsample.0" in names and "head" in names
    assert isinstance(net.encoder, torch.nn.Module)
    assert net.head.weight.shape == (2, 4, 1, 1)
    assert "medimg::nn::UNet(spatial_dims=2" in repr(net)
    assert "forward_features" in dir(net)


def test_state_dict_round_trips_and_is_shared_with_cpp():
    a, b = _small_resnet(), _small_resnet()
    state = a.state_dict()
    assert len(state) == 122 and "layer1.0.bn1.num_batches_tracked" in state
    b.load_state_dict(state)
    for key, value in b.state_dict().items():
        assert torch.equal(value, state[key]), key
    x = torch.randn(2, 1, 32, 32)
    a.eval()
    b.eval()
    assert torch.equal(a(x), b(x))
    with pytest.raises(RuntimeError, match="Unexpected key"):
        b.load_state_dict({**state, "extra.weight": torch.zeros(1)})
    with pytest.raises(RuntimeError, match="size mismatch"):
        b.load_state_dict({**state, "fc.bias": torch.zeros(7)})


def test_train_eval_reach_every_cpp_module_and_keep_child_flags():
    net = _small_resnet()
    net.eval()
    assert not net.training and not net.layer4.training
    assert all(not m.training for m in net.modules())
    net.train()
    net.layer1.eval()  # a frozen stage, as in fine-tuning
    # Wrapping the C++ network again must not switch its children back to training.
    rewrapped = nn.CppModule(net.cpp_module)
    assert all(not m.training for name, m in rewrapped.named_modules() if name.startswith("layer1"))
    assert rewrapped.training and net.layer2.training


def test_optimizer_and_autograd_train_the_cpp_parameters():
    torch.manual_seed(0)
    net = nn.CNN3d(in_channels=1, num_classes=2, features=(4, 8), dropout=0.0)
    x = torch.randn(4, 1, 16, 16, 16)
    y = torch.tensor([0, 1, 0, 1])
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    losses = []
    for _ in range(15):
        loss = torch.nn.functional.cross_entropy(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    # The gradient reached the input across the C++ boundary.
    x.requires_grad_(True)
    net(x).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_to_dtype_and_requires_grad_act_on_cpp_tensors():
    net = nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, features=(4, 8))
    net.to(torch.float64)
    assert all(p.dtype == torch.float64 for p in net.parameters())
    assert net(torch.zeros(1, 1, 8, 8, dtype=torch.float64)).dtype == torch.float64
    net.double().float()
    assert net.head.weight.dtype == torch.float32
    assert net.state_dict()["encoder.0.norm1.num_batches_tracked"].dtype == torch.int64
    net.requires_grad_(False)
    assert nn.count_parameters(net, trainable_only=True) == 0


def test_freeze_replace_head_and_deepcopy():
    net = _small_resnet()
    net.freeze_backbone()
    assert nn.count_parameters(net, trainable_only=True) == 512 * 3 + 3
    old_fc = net.fc
    net.replace_head(5)
    assert net.fc is not old_fc and net.fc.weight.shape == (5, 512)
    assert net(torch.randn(2, 1, 32, 32)).shape == (2, 5)
    net.unfreeze()
    assert nn.count_parameters(net, trainable_only=True) == nn.count_parameters(net)
    clone = copy.deepcopy(net)
    assert isinstance(clone, nn.ResNet) and clone is not net
    with torch.no_grad():
        clone.fc.bias.add_(1)
    assert not torch.equal(clone.fc.bias, net.fc.bias)
    with pytest.raises(TypeError, match="replace_head"):
        net.fc = torch.nn.Linear(512, 2)


def test_cbam_inside_a_block_comes_back_as_cbam():
    net = nn.ResNet(18, cbam=True, num_classes=2)
    block = getattr(net.layer1, "0")
    assert isinstance(block.cbam, nn.CBAM)
    assert block.cbam(torch.randn(1, 64, 8, 8)).shape == (1, 64, 8, 8)
    with pytest.raises(medimg.Unsupported, match="forward_features"):
        block.conv1(torch.randn(1, 64, 8, 8))


def test_bad_options_and_inputs_raise_medimg_errors():
    with pytest.raises(medimg.ArgumentError, match="unknown norm 'layer'"):
        nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, norm="layer")
    with pytest.raises(medimg.ArgumentError, match="unknown activation"):
        nn.CNN3d(activation="gelu")
    with pytest.raises(medimg.ArgumentError, match="unknown upsample mode"):
        nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, upsample="nearest")
    with pytest.raises(medimg.ArgumentError, match="variant 'b9'"):
        nn.EfficientNet("b9")
    with pytest.raises(medimg.ArgumentError, match="spatial_dims must be 2 or 3"):
        nn.ResNet(18, spatial_dims=1)
    with pytest.raises(medimg.ArgumentError, match=r"UNet: unknown option\(s\) 'colour'"):
        nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, colour="red")
    net = _small_resnet()
    with pytest.raises(medimg.ShapeError, match="expects 1 input channel"):
        net(torch.zeros(1, 3, 32, 32))
    with pytest.raises(medimg.ShapeError, match=r"expects \(N, C, H, W\) input"):
        net(torch.zeros(1, 1, 32))
    with pytest.raises(medimg.ArgumentError, match="no layer named 'layer5'.*'layer4'"):
        net.forward_features(torch.zeros(1, 1, 32, 32), ["layer5"])


def test_forward_features_gives_activations_and_their_gradients():
    net = _small_resnet().eval()
    x = torch.randn(2, 1, 64, 64)
    out, features = net.forward_features(x, ["layer4", "layer3.1"])
    assert list(features) == ["layer4", "layer3.1"]
    assert features["layer4"].shape == (2, 512, 2, 2)
    torch.testing.assert_close(out, net(x))
    # What Grad-CAM needs: d(score)/d(activation) through autograd.
    (grad,) = torch.autograd.grad(out[:, 0].sum(), features["layer4"])
    assert grad.shape == features["layer4"].shape and grad.abs().sum() > 0


def test_bfloat16_autocast_runs_the_cpp_network():
    net = nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, features=(4, 8)).eval()
    x = torch.randn(1, 1, 16, 16)
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        y = net(x)
    assert y.dtype == torch.bfloat16
    with torch.no_grad():
        torch.testing.assert_close(y.float(), net(x), rtol=0.1, atol=0.1)
