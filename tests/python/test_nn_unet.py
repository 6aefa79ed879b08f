"""medimg.nn.UNet: shapes in 2D and 3D, options, and training on real CT slices."""

import time
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import medimg
from medimg import nn

DATA = Path(__file__).resolve().parents[1] / "data" / "nn"


@pytest.fixture
def one_thread():
    """The training test is a CPU-time budget: one intra-op thread, restored afterwards."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.mark.parametrize("spatial_dims, shape", [(2, (2, 3, 32, 48)), (2, (1, 3, 37, 29)),
                                                 (3, (1, 3, 9, 16, 13))])
def test_output_has_the_input_size(spatial_dims, shape):
    net = nn.UNet(spatial_dims=spatial_dims, in_channels=3, out_channels=4, features=(4, 8, 16))
    assert net(torch.randn(shape)).shape == (shape[0], 4) + shape[2:]


def test_padding_keeps_the_interior_of_a_multiple_size_input():
    """An odd-size input is padded with edge values and cropped back: the output equals the
    network's output on the explicitly edge-padded input, cropped."""
    torch.manual_seed(0)
    net = nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, features=(4, 8, 16)).eval()
    x = torch.randn(1, 1, 13, 10)
    padded = F.pad(x, (1, 1, 1, 2), mode="replicate")  # to 16 x 12, half before
    with torch.no_grad():
        expected = net(padded)[:, :, 1:14, 1:11]
        torch.testing.assert_close(net(x), expected)
    strict = nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, features=(4, 8, 16),
                     pad_input=False)
    with pytest.raises(medimg.ShapeError, match="multiples of 4"):
        strict(x)


def test_classic_and_variant_options():
    classic = nn.UNet(spatial_dims=2, in_channels=1, out_channels=2,
                      features=(64, 128, 256, 512, 1024))
    # Ronneberger's U-Net with batch norm and 'same' padding, counted layer by layer:
    # 3x3 convolutions without bias + batch norms, 2x2 transposed convolutions, 1x1 head.
    convs = [(1, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 512),
             (512, 512), (512, 1024), (1024, 1024)]
    decoder = [(1024, 512), (512, 512), (512, 256), (256, 256), (256, 128), (128, 128),
               (128, 64), (64, 64)]
    expected = sum(9 * i * o + 2 * o for i, o in convs + decoder)
    expected += sum(4 * i * o + o for i, o in [(1024, 512), (512, 256), (256, 128), (128, 64)])
    expected += 64 * 2 + 2
    assert nn.count_parameters(classic) == expected
    variant = nn.UNet(spatial_dims=3, in_channels=2, out_channels=3, features=(4, 8, 16),
                      norm="group", num_groups=2, activation="leaky_relu", dropout=0.2,
                      upsample="interpolation", residual=True, deep_supervision=True)
    outputs = variant.forward_deep_supervision(torch.randn(1, 2, 12, 12, 12))
    assert [o.shape for o in outputs] == [(1, 3, 12, 12, 12)] * 2
    names = {name for name, _ in variant.named_modules()}
    assert {"decoder.1.skip", "aux_heads.0", "upsample.0.1"} <= names


def _liver_task():
    data = np.load(DATA / "liver_slices.npz")
    x = torch.from_numpy(data["ct"]).float().add(150).div(300).clamp(-1, 2)
    y = torch.from_numpy(data["liver"][:, 0]).long()
    return x, y


def _global_dice(logits, y):
    pred = logits.argmax(1)
    return (2 * (pred * y).sum() / (pred.sum() + y.sum())).item()


def test_liver_fixture_is_small_and_real():
    x, y = _liver_task()
    assert (DATA / "liver_slices.npz").stat().st_size < 100_000
    assert x.shape == (8, 1, 64, 64) and y.shape == (8, 64, 64)
    assert 0.02 < y.float().mean() < 0.2  # liver covers a few % to ~17 % of each slice


def test_unet_learns_liver_masks(one_thread):
    """A 2D U-Net trained with torch.optim.Adam reaches Dice >= 0.9 on its training slices
    within a CPU budget; tests/cpp/nn/unet_test.cpp runs the same recipe in C++."""
    x, y = _liver_task()
    torch.manual_seed(0)
    net = nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, features=(8, 16, 32, 64))
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    start, dice, steps = time.process_time(), 0.0, 0
    while steps < 150 and dice < 0.9:
        net.train()
        logits = net(x)
        p = logits.softmax(1)[:, 1]
        loss = F.cross_entropy(logits, y) + 1 - 2 * (p * y).sum() / (p.sum() + y.sum())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        steps += 1
        if steps % 10 == 0:
            net.eval()
            with torch.no_grad():
                dice = _global_dice(net(x), y)
    cpu_seconds = time.process_time() - start
    assert dice >= 0.9, (steps, dice)
    assert cpu_seconds < 60, cpu_seconds
