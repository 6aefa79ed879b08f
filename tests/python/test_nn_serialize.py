"""Saving and loading across Python and C++: LibTorch archives, state-dict files written by
either language (tests/data/nn, see make_fixtures.py), model summaries."""

from pathlib import Path

import pytest
import torch

import medimg
from medimg import nn

DATA = Path(__file__).resolve().parents[1] / "data" / "nn"


def _tiny_unet():
    return nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, features=(4, 8))


def _filled(tensor, k):
    """tests/data/nn/make_fixtures.py: fill_state."""
    if not tensor.is_floating_point():
        return torch.full_like(tensor, k)
    values = torch.arange(tensor.numel(), dtype=torch.float64) * 0.001 + k / 100
    return values.reshape(tensor.shape).to(tensor.dtype)


def _assert_filled(state):
    reference = _tiny_unet().state_dict()
    assert list(state) == list(reference)
    for k, (name, tensor) in enumerate(reference.items()):
        assert torch.equal(state[name], _filled(tensor, k)), name


def _assert_same_state(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb)
    for name in sa:
        assert torch.equal(sa[name], sb[name]), name


def test_state_files_of_both_languages_load_everywhere():
    # Written by C++ (medimg::nn::save_state_dict), read by Python's own torch.load.
    _assert_filled(torch.load(DATA / "tiny_unet_state_cpp.pt"))
    # Written by Python's torch.save, read by C++ (medimg::nn::read_state_dict).
    _assert_filled(nn.read_state_dict(DATA / "tiny_unet_state_py.pt"))
    model = _tiny_unet()
    model.load_state_dict(torch.load(DATA / "tiny_unet_state_py.pt"))
    _assert_filled(model.state_dict())


def test_archives_round_trip_exactly(tmp_path):
    a, b = _tiny_unet(), _tiny_unet()
    a(torch.randn(2, 1, 8, 8))  # training step: running statistics change
    nn.save(a, tmp_path / "a.pt")
    nn.load(b, tmp_path / "a.pt")
    _assert_same_state(a, b)
    with pytest.raises(medimg.ShapeError, match="'head.weight' has shape"):
        nn.load(nn.UNet(spatial_dims=2, in_channels=1, out_channels=3, features=(4, 8)),
                tmp_path / "a.pt")
    with pytest.raises(medimg.IoError):
        nn.load(b, tmp_path / "missing.pt")
    with pytest.raises(medimg.ArgumentError, match="medimg.nn network"):
        nn.save(torch.nn.Linear(2, 2), tmp_path / "x.pt")


def test_python_state_dict_through_cpp_and_back(tmp_path):
    a, b = _tiny_unet(), _tiny_unet()
    a(torch.randn(2, 1, 8, 8))
    torch.save(dict(a.state_dict()), tmp_path / "py.pt")
    b.load_state_dict(nn.read_state_dict(tmp_path / "py.pt"))
    _assert_same_state(a, b)
    nn.save_state_dict(b, tmp_path / "cpp.pt")
    c = _tiny_unet()
    c.load_state_dict(torch.load(tmp_path / "cpp.pt"))
    _assert_same_state(a, c)
    # A state_dict saved as it is is an OrderedDict, which LibTorch cannot unpickle.
    torch.save(a.state_dict(), tmp_path / "ordered.pt")
    with pytest.raises(medimg.FormatError, match=r"dict\(model.state_dict\(\)\)"):
        nn.read_state_dict(tmp_path / "ordered.pt")


def test_summary_and_count_parameters():
    net = nn.ResNet(18, in_channels=1, num_classes=2)
    total = sum(p.numel() for p in net.parameters())
    assert nn.count_parameters(net) == total
    summary = nn.summary(net, (1, 1, 64, 64), max_depth=2)
    assert summary.parameters == total
    rows = {row.name: row for row in summary.layers}
    assert rows["layer4"].output_shape == [1, 512, 2, 2]
    assert rows["layer4.1"].parameters == sum(
        p.numel() for p in net.layer4._modules["1"].parameters())
    assert rows["fc"].output_shape == [1, 2] and rows["fc"].depth == 1
    assert "layer3.0" in str(summary) and "total parameters" in str(summary)
    assert net.training  # summary ran in eval mode and restored the flags
