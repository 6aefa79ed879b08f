"""Sliding-window inference against MONAI's algorithm and nnU-Net's Gaussian, both
re-derived here (neither library is packaged): window positions from MONAI's
_get_scan_interval / dense_patch_slices, blending as MONAI's loop, the Gaussian built as
nnU-Net's compute_gaussian with scipy.ndimage.gaussian_filter on an impulse."""

import itertools
import math

import numpy as np
import pytest
import scipy.ndimage as ndi
import torch
import torch.nn.functional as F

import medimg
from medimg.train import gaussian_importance_map, predict_image, sliding_window_inference


# --- the references ---------------------------------------------------------------------

def monai_scan_interval(image_size, roi, overlap):
    """MONAI's _get_scan_interval."""
    return [r if r == s else max(int(r * (1 - overlap)), 1) for s, r in zip(image_size, roi)]


def monai_window_starts(image_size, roi, overlap):
    """MONAI's dense_patch_slices: the start of every window, first axis slowest."""
    per_axis = []
    for size, r, interval in zip(image_size, roi, monai_scan_interval(image_size, roi, overlap)):
        num = int(math.ceil(float(size) / interval))
        last = next(d for d in range(num) if d * interval + r >= size)
        per_axis.append([d * interval - max(d * interval + r - size, 0) for d in range(last + 1)])
    return list(itertools.product(*per_axis))  # == np.meshgrid(..., indexing="ij") flattened


def nnunet_gaussian(roi, sigma_scale=0.125):
    """nnU-Net's compute_gaussian (float32)."""
    impulse = np.zeros(roi)
    impulse[tuple(r // 2 for r in roi)] = 1
    g = ndi.gaussian_filter(impulse, [r * sigma_scale for r in roi], 0, mode="constant", cval=0)
    g = (g / g.max()).astype(np.float32)
    g[g == 0] = g[g != 0].min()
    return g


def mirror_axes(spatial_dims):
    return [axes for k in range(1, spatial_dims + 1)
            for axes in itertools.combinations(range(2, spatial_dims + 2), k)]


def monai_reference(inputs, roi, sw_batch_size, predictor, overlap=0.25, mode="constant",
                    sigma_scale=0.125, padding_mode="constant", cval=0.0, flip_tta=False):
    """MONAI's sliding_window_inference loop (windows cut from the padded input, predicted
    in batches, out += w * pred, count += w, out / count, padding cropped), with nnU-Net's
    Gaussian and nnU-Net's per-window mirroring."""
    n, _, *size = inputs.shape
    roi = [s if r is None or r <= 0 else r for s, r in zip(size, roi)]
    image_size = [max(s, r) for s, r in zip(size, roi)]
    pad = []
    for s, r in reversed(list(zip(size, roi))):
        diff = max(r - s, 0)
        pad += [diff // 2, diff - diff // 2]
    x = inputs
    if max(pad) > 0:
        x = (F.pad(inputs, pad, mode="constant", value=cval) if padding_mode == "constant"
             else F.pad(inputs, pad, mode=padding_mode))
    weight = (torch.from_numpy(nnunet_gaussian(roi, sigma_scale)) if mode == "gaussian"
              else torch.ones(roi))
    starts = monai_window_starts(image_size, roi, overlap)
    windows = [(b, s) for b in range(n) for s in starts]

    def region(s):
        return tuple(slice(a, a + r) for a, r in zip(s, roi))

    out, count = None, torch.zeros(image_size)
    for first in range(0, len(windows), sw_batch_size):
        chunk = windows[first:first + sw_batch_size]
        data = torch.cat([x[b:b + 1][(slice(None), slice(None)) + region(s)] for b, s in chunk])
        pred = predictor(data).float()
        if flip_tta:
            for axes in mirror_axes(len(roi)):
                pred = pred + torch.flip(predictor(torch.flip(data, axes)), axes).float()
            pred = pred / 2 ** len(roi)
        if out is None:
            out = torch.zeros([n, pred.shape[1]] + image_size)
        for (b, s), p in zip(chunk, pred):
            out[(b, slice(None)) + region(s)] += weight * p
            if b == 0:
                count[region(s)] += weight
    out = out / count
    crop = tuple(slice(pad[2 * k], pad[2 * k] + s)
                 for k, s in reversed(list(enumerate(reversed(size)))))
    return out[(slice(None), slice(None)) + crop]


def pointwise(in_channels, out_channels, spatial_dims, seed=0):
    torch.manual_seed(seed)
    conv = (torch.nn.Conv3d if spatial_dims == 3 else torch.nn.Conv2d)(in_channels,
                                                                       out_channels, 1)
    return conv.eval()


def conv_net(in_channels, out_channels, spatial_dims, seed=0):
    """conv 3 (zero padding 'same') -> ReLU -> conv 3: receptive-field radius 2."""
    torch.manual_seed(seed)
    conv = torch.nn.Conv3d if spatial_dims == 3 else torch.nn.Conv2d
    return torch.nn.Sequential(conv(in_channels, 3, 3, padding=1), torch.nn.ReLU(),
                               conv(3, out_channels, 3, padding=1)).eval()


def coordinates(size, batch=1):
    """Channel d = each voxel's index along spatial axis d: a window's first voxel is its
    start."""
    grids = np.meshgrid(*[np.arange(s, dtype=np.float32) for s in size], indexing="ij")
    return torch.from_numpy(np.stack(grids))[None].repeat(batch, *[1] * (len(size) + 1))


# --- tests ------------------------------------------------------------------------------

@pytest.mark.parametrize("roi, sigma_scale", [((64, 64, 64), 0.125), ((7, 10), 0.125),
                                              ((5, 6, 9), 0.125), ((16,), 0.05),
                                              ((12, 20), 0.03), ((9, 8), 0.3)])
def test_gaussian_matches_nnunet(roi, sigma_scale):
    ours = gaussian_importance_map(roi, sigma_scale)
    assert ours.dtype == torch.float32 and tuple(ours.shape) == roi
    expected = nnunet_gaussian(roi, sigma_scale)
    np.testing.assert_allclose(ours.numpy(), expected, atol=1e-6, rtol=0)
    assert ours[tuple(r // 2 for r in roi)] == 1


@pytest.mark.parametrize("size, roi, overlap", [((10, 7, 9), (4, 7, 5), 0.25),
                                                ((20, 23), (8, 8), 0.5),
                                                ((11, 6), (4, -1), 0.0),
                                                ((11, 6), (4, None), 0.0),
                                                ((8, 5), (5, 5), 0.9),
                                                ((33, 17, 12), (16, 16, 12), 0.6),
                                                ((40, 50, 45), (16, 20, 18), 0.5)])
def test_window_positions_match_monai(size, roi, overlap):
    seen = []

    def record(windows):
        corner = windows[(slice(None), slice(None)) + (0,) * len(size)]
        seen.extend(tuple(int(v) for v in c) for c in corner)
        return windows[:, :1]

    sliding_window_inference(coordinates(size, batch=2), roi, 5, record, overlap=overlap)
    full_roi = [s if r is None or r <= 0 else r for s, r in zip(size, roi)]
    expected = monai_window_starts(size, full_roi, overlap)
    assert seen == expected * 2  # batch item 0's windows, then item 1's


@pytest.mark.parametrize("mode", ["constant", "gaussian"])
def test_pointwise_model_equals_one_forward_pass_exactly(mode):
    model = pointwise(3, 4, 3)
    x = torch.randn(2, 3, 13, 17, 11, generator=torch.Generator().manual_seed(1))
    out = sliding_window_inference(x, (6, 8, 5), 3, model, overlap=0.5, mode=mode)
    with torch.no_grad():
        full = model(x)
    assert out.shape == full.shape and out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), full.numpy(), atol=1e-6, rtol=0)


@pytest.mark.parametrize("mode", ["constant", "gaussian"])
def test_conv_net_equals_one_forward_pass_within_the_blending_bound(mode):
    """Tolerance: a window's prediction differs from the full pass only within the
    receptive-field radius r = 2 of its faces inside the volume (zero padding replaces real
    neighbours there), by at most L = |k2|_1 (|k1|_1 max|x| + max|b1|) (every missing tap at
    its largest; b2 is the same in both). So the blend is
    exact (1e-5) where no covering window has such a face nearby, and off by at most
    L * (weight of those windows) / (weight of all covering windows) elsewhere."""
    net = conv_net(1, 1, 3)
    size, roi = (14, 19, 13), (8, 8, 8)
    x = torch.rand(1, 1, *size, generator=torch.Generator().manual_seed(2)) * 2 - 1
    out = sliding_window_inference(x, roi, 4, net, overlap=0.5, mode=mode)[0, 0].numpy()
    with torch.no_grad():
        full = net(x)[0, 0].numpy()
    k1, b1, k2 = net[0].weight.detach(), net[0].bias.detach(), net[2].weight.detach()
    bound = float(k2.abs().sum() * (k1.abs().sum() * x.abs().max() + b1.abs().max()))

    w = nnunet_gaussian(roi) if mode == "gaussian" else np.ones(roi, np.float32)
    total, near_face = np.zeros(size), np.zeros(size)
    for start in monai_window_starts(size, roi, 0.5):
        sl = tuple(slice(s, s + r) for s, r in zip(start, roi))
        near = np.zeros(roi, bool)
        for d, (s, r, n) in enumerate(zip(start, roi, size)):
            index = [slice(None)] * 3
            if s > 0:
                index[d] = slice(0, 2)
                near[tuple(index)] = True
            if s + r < n:
                index[d] = slice(r - 2, r)
                near[tuple(index)] = True
        total[sl] += w
        near_face[sl] += w * near
    diff = np.abs(out - full)
    clean = near_face == 0
    assert clean.sum() > 50
    assert diff[clean].max() < 1e-5
    assert np.all(diff <= bound * near_face / total + 1e-5)
    assert 0 < diff.max() < bound  # the bound is tight enough to mean something


@pytest.mark.parametrize("spatial_dims, mode, padding_mode, flip_tta, sw_batch_size", [
    (3, "gaussian", "constant", False, 2),
    (3, "constant", "constant", True, 3),
    (2, "gaussian", "reflect", True, 1),
    (2, "constant", "replicate", False, 4),
    (3, "gaussian", "circular", False, 5),
])
def test_matches_the_monai_reference(spatial_dims, mode, padding_mode, flip_tta, sw_batch_size):
    """A non-pointwise model, so that window placement, weights, padding and mirroring all
    change the result: medimg equals the re-derived MONAI loop to float rounding."""
    net = conv_net(2, 3, spatial_dims, seed=spatial_dims)
    gen = torch.Generator().manual_seed(3)
    if spatial_dims == 3:
        x, roi = torch.randn(2, 2, 11, 6, 15, generator=gen), (6, 8, 6)  # Y padded 6 -> 8
    else:
        x, roi = torch.randn(2, 2, 5, 29, generator=gen), (8, 10)  # Y padded 5 -> 8
    kwargs = dict(overlap=0.4, mode=mode, padding_mode=padding_mode, cval=0.3,
                  flip_tta=flip_tta)
    out = sliding_window_inference(x, roi, sw_batch_size, net, **kwargs)
    with torch.no_grad():
        expected = monai_reference(x, roi, sw_batch_size, net, **kwargs)
    assert out.shape == expected.shape == (2, 3) + tuple(x.shape[2:])
    np.testing.assert_allclose(out.numpy(), expected.numpy(), atol=1e-5, rtol=0)


@pytest.mark.parametrize("spatial_dims", [2, 3])
@pytest.mark.parametrize("padding_mode", ["constant", "reflect", "replicate", "circular"])
def test_input_smaller_than_the_window(spatial_dims, padding_mode):
    """One window covers the padded input: the result is the net on torch's padding, cropped."""
    net = conv_net(1, 2, spatial_dims)
    size = (3, 5, 4)[-spatial_dims:]
    roi = (5, 6, 6)[-spatial_dims:]
    x = torch.randn(1, 1, *size, generator=torch.Generator().manual_seed(4))
    pad = []
    for s, r in reversed(list(zip(size, roi))):
        pad += [(r - s) // 2, r - s - (r - s) // 2]
    padded = (F.pad(x, pad, value=-0.5) if padding_mode == "constant"
              else F.pad(x, pad, mode=padding_mode))
    with torch.no_grad():
        full = net(padded)
    crop = tuple(slice(pad[2 * k], pad[2 * k] + s)
                 for k, s in reversed(list(enumerate(reversed(size)))))
    out = sliding_window_inference(x, roi, 1, net, padding_mode=padding_mode, cval=-0.5)
    assert out.shape == (1, 2) + size
    np.testing.assert_allclose(out.numpy(), full[(slice(None), slice(None)) + crop].numpy(),
                               atol=1e-6, rtol=0)


def test_medimg_unet_runs_in_cpp_and_matches_the_python_call():
    torch.manual_seed(5)
    net = medimg.nn.UNet(spatial_dims=3, in_channels=1, out_channels=2, features=(4, 8)).eval()
    x = torch.randn(1, 1, 13, 10, 11, generator=torch.Generator().manual_seed(6))
    fast = sliding_window_inference(x, 8, 2, net, overlap=0.5, mode="gaussian")
    via_python = sliding_window_inference(x, 8, 2, lambda w: net(w), overlap=0.5,
                                          mode="gaussian")
    with torch.no_grad():
        expected = monai_reference(x, (8, 8, 8), 2, net, overlap=0.5, mode="gaussian")
    np.testing.assert_allclose(fast.numpy(), via_python.numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(fast.numpy(), expected.numpy(), atol=1e-5, rtol=0)
    # A forward hook must fire, so a hooked network is called through Python.
    calls = []
    handle = net.register_forward_hook(lambda module, args, output: calls.append(1))
    hooked = sliding_window_inference(x, 8, 2, net, overlap=0.5, mode="gaussian")
    handle.remove()
    assert len(calls) == 6  # 3 x 2 x 2 windows in batches of 2
    np.testing.assert_allclose(hooked.numpy(), fast.numpy(), atol=1e-6, rtol=0)


def test_sw_batch_size_only_changes_the_batching():
    sizes = []
    model = conv_net(1, 1, 3)

    def counted(w):
        sizes.append(w.shape[0])
        return model(w)

    x = torch.randn(2, 1, 10, 7, 9, generator=torch.Generator().manual_seed(7))
    one = sliding_window_inference(x, (4, 7, 5), 1, model, mode="gaussian")
    batched = sliding_window_inference(x, (4, 7, 5), 4, counted, mode="gaussian")
    assert sizes == [4, 4, 4, 4, 2]  # 2 items x 9 windows
    np.testing.assert_allclose(batched.numpy(), one.numpy(), atol=1e-6, rtol=0)


@pytest.mark.parametrize("spatial_dims", [2, 3])
def test_flip_tta_equals_averaging_flipped_full_passes(spatial_dims):
    """For a pointwise (flip-equivariant) model, mirroring every window equals averaging
    the sliding-window passes over every flipped input, flipped back."""
    model = pointwise(2, 3, spatial_dims)
    x = torch.randn(1, 2, *(9, 13, 10)[-spatial_dims:], generator=torch.Generator().manual_seed(8))
    roi = (4, 6, 5)[-spatial_dims:]
    calls = []

    def counted(w):
        calls.append(1)
        return model(w)

    tta = sliding_window_inference(x, roi, 64, counted, mode="gaussian", flip_tta=True)
    assert len(calls) == 2 ** spatial_dims  # one batch holds every window
    passes = [sliding_window_inference(x, roi, 64, model, mode="gaussian")]
    for axes in mirror_axes(spatial_dims):
        flipped = sliding_window_inference(torch.flip(x, axes), roi, 64, model, mode="gaussian")
        passes.append(torch.flip(flipped, axes))
    np.testing.assert_allclose(tta.numpy(), torch.stack(passes).mean(0).numpy(), atol=1e-6,
                               rtol=0)


def test_progress_reports_windows_done(capsys):
    calls = []
    x = torch.randn(2, 1, 10, 7, 9)
    sliding_window_inference(x, (4, 7, 5), 4, pointwise(1, 1, 3),
                             progress=lambda done, total: calls.append((done, total)))
    assert calls == [(4, 18), (8, 18), (12, 18), (16, 18), (18, 18)]
    sliding_window_inference(x, (4, 7, 5), 8, pointwise(1, 1, 3), progress=True)
    assert "18/18" in capsys.readouterr().err

    def cancel(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sliding_window_inference(x, (4, 7, 5), 4, pointwise(1, 1, 3), progress=cancel)


def test_predict_image_keeps_the_geometry():
    direction = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]], float)
    voxels = np.random.default_rng(9).integers(-100, 100, (1, 9, 12, 10)).astype(np.int16)
    image = medimg.Image(voxels, spacing=(2.0, 0.5, 0.7), origin=(1, -2, 3), direction=direction)
    model = pointwise(1, 3, 3)
    with torch.no_grad():
        logits = model(torch.from_numpy(voxels.astype(np.float32))[None])[0]
    kwargs = dict(roi_size=(4, 6, 6), sw_batch_size=2, overlap=0.5, mode="gaussian")

    probs = predict_image(image, model, **kwargs)
    assert isinstance(probs, medimg.Image) and probs.geometry == image.geometry
    np.testing.assert_allclose(probs.array, torch.softmax(logits, 0).numpy(), atol=1e-6)
    labels = predict_image(image, model, output="labels", **kwargs)
    assert labels.array.dtype == np.uint8 and labels.geometry == image.geometry
    np.testing.assert_array_equal(labels.array, logits.argmax(0, keepdim=True).numpy())
    raw = predict_image(image, model, output="logits", **kwargs)
    np.testing.assert_allclose(raw.array, logits.numpy(), atol=1e-4, rtol=1e-6)

    binary = pointwise(1, 1, 3)
    with torch.no_grad():
        logit = binary(torch.from_numpy(voxels.astype(np.float32))[None])[0]
    sig = predict_image(voxels.astype(np.float32), binary, **kwargs)
    assert isinstance(sig, np.ndarray)
    np.testing.assert_allclose(sig, torch.sigmoid(logit).numpy(), atol=1e-6)
    mask = predict_image(torch.from_numpy(voxels), binary, output="labels", **kwargs)
    assert isinstance(mask, torch.Tensor) and mask.dtype == torch.uint8
    np.testing.assert_array_equal(mask.numpy(), (torch.sigmoid(logit) > 0.5).numpy())


def test_numpy_in_numpy_out_and_float64_predictors():
    x = np.random.default_rng(10).random((1, 1, 9, 11)).astype(np.float32)
    out = sliding_window_inference(x, (4, 4), 2, lambda w: w * 2)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, x * 2, atol=1e-6)
    out64 = sliding_window_inference(torch.from_numpy(x), 4, 2, lambda w: w.double())
    assert out64.dtype == torch.float64


def test_bad_input_raises_medimg_errors():
    x = torch.zeros(1, 1, 8, 9, 7)
    model = pointwise(1, 1, 3)
    with pytest.raises(medimg.ArgumentError, match="roi_size has 2 entries"):
        sliding_window_inference(x, (4, 4), 1, model)
    with pytest.raises(medimg.ArgumentError, match="overlap"):
        sliding_window_inference(x, 4, 1, model, overlap=1.0)
    with pytest.raises(medimg.ShapeError, match="expected inputs"):
        sliding_window_inference(x[0, 0], 4, 1, model)
    with pytest.raises(medimg.ShapeError, match="predictor mapped windows"):
        sliding_window_inference(x, 4, 1, lambda w: w[:, :, :2])
    with pytest.raises(medimg.ArgumentError, match="must return a torch.Tensor"):
        sliding_window_inference(x, 4, 1, lambda w: (w,))
    with pytest.raises(medimg.ArgumentError, match="callable"):
        sliding_window_inference(x, 4, 1, "model")
    with pytest.raises(medimg.ArgumentError, match="sw_batch_size"):
        sliding_window_inference(x, 4, 0, model)
    with pytest.raises(medimg.ArgumentError, match="mode must be"):
        sliding_window_inference(x, 4, 1, model, mode="linear")
    with pytest.raises(medimg.ArgumentError, match="padding_mode"):
        sliding_window_inference(x, 4, 1, model, padding_mode="wrap")
    with pytest.raises(medimg.ArgumentError, match="reflect"):
        sliding_window_inference(x, (4, 4, 20), 1, model, padding_mode="reflect")
    with pytest.raises(medimg.ArgumentError, match="output must be"):
        predict_image(x[0], model, 4, output="scores")

    def broken(w):
        raise KeyError("inside the predictor")

    with pytest.raises(KeyError, match="inside the predictor"):
        sliding_window_inference(x, 4, 1, broken)
