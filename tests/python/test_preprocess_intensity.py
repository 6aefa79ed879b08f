"""Windows and normalisation against numpy formulas, pydicom's DICOM windowing and MONAI's /
nnU-Net's definitions (re-derived here with numpy, since neither is packaged)."""

import numpy as np
import pydicom
import pytest
import torch
from pydicom.pixel_data_handlers.util import apply_modality_lut, apply_windowing

import medimg
from dicom_reference import shared_data
from medimg import preprocess as pp

f32 = np.float32


def ct_like(rng, shape, dtype=np.int16):
    """HU-like values: air, soft tissue and bone, plus a few extremes."""
    values = rng.choice([-1000, -600, 0, 40, 300, 1200], size=shape) + rng.normal(0, 60, shape)
    return np.clip(values, -1024, 3071).astype(dtype)


def numpy_window(x, c, w, mode, low=0.0, high=1.0):
    """The documented float32 formula of each mode."""
    F = np.float64 if x.dtype == np.float64 else np.float32
    v = x.astype(F)
    with np.errstate(divide="ignore", invalid="ignore"):  # LINEAR with width 1: a step
        if mode == "linear-clip":
            t = (v - F(c - w / 2)) / F(w)
        elif mode == "linear":
            t = (v - F(c - 0.5)) / F(w - 1) + F(0.5)
        else:
            t = (v - F(c)) / F(w) + F(0.5)
    t = np.clip(t, F(0), F(1))
    return (F(low) + t * F(high - low)).astype(np.float32)


@pytest.mark.parametrize("mode", ["linear-clip", "linear", "linear-exact"])
@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.uint8, np.float32, np.float64])
def test_window_equals_the_numpy_formula(mode, dtype):
    rng = np.random.default_rng(7)
    x = ct_like(rng, (3, 20, 30), dtype) if dtype != np.uint8 else rng.integers(
        0, 256, (3, 20, 30)).astype(np.uint8)
    for c, w in [(40, 400), (-600, 1500), (127.3, 55.5), (0, 1)]:
        got = pp.window(x, c, w, mode=mode)
        assert got.dtype == np.float32 and got.shape == x.shape
        np.testing.assert_array_equal(got, numpy_window(x, c, w, mode))
    np.testing.assert_array_equal(pp.window(x, 40, 400, mode=mode, output=(255, -1)),
                                  numpy_window(x, 40, 400, mode, 255, -1))


def test_window_of_a_large_volume_owns_a_fresh_output():
    # From 4 MiB on the output comes from core/large_allocation (2 MiB aligned, reusable):
    # the same values, and an ordinary array or tensor that outlives its input.
    rng = np.random.default_rng(3)
    x = ct_like(rng, (5, 512, 512))  # 5 MiB of float32 out
    expected = numpy_window(x, -600, 1500, "linear-clip")
    first = pp.window(x, -600, 1500)
    np.testing.assert_array_equal(first, expected)
    second = pp.window(torch.from_numpy(x), -600, 1500)  # while the first is alive
    assert isinstance(second, torch.Tensor) and second.is_contiguous()
    np.testing.assert_array_equal(second.numpy(), expected)
    assert first.ctypes.data != second.data_ptr()
    del x
    second += 1
    np.testing.assert_array_equal(first, expected)
    np.testing.assert_array_equal(second.numpy(), expected + np.float32(1))
    image = medimg.Image(torch.from_numpy(ct_like(rng, (1, 20, 512, 512))))
    np.testing.assert_array_equal(pp.window(image, 40, 400).array,
                                  numpy_window(image.array, 40, 400, "linear-clip"))


def test_window_matches_the_plain_clip_and_scale_definition():
    rng = np.random.default_rng(0)
    x = ct_like(rng, (1, 64, 64))
    c, w = pp.window_preset("lung")
    expected = (np.clip(x, c - w / 2, c + w / 2) - (c - w / 2)) / w
    np.testing.assert_allclose(pp.window(x, preset="lung"), expected, atol=1e-6, rtol=0)
    # DICOM LINEAR with width 1 is a threshold at c - 0.5.
    step = pp.window(np.array([9, 10], np.int16), 10, 1, mode="linear")
    np.testing.assert_array_equal(step, [0, 1])


def test_window_keeps_nan_and_the_input_kind():
    x = np.array([-2000, np.nan, 2000], np.float32)
    y = pp.window(x, 0, 100)
    assert y[0] == 0 and np.isnan(y[1]) and y[2] == 1
    t = torch.arange(-500, 500, dtype=torch.int16).reshape(1, 10, 100)
    out = pp.window(t, 40, 400)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    image = medimg.Image(t.numpy(), spacing=(0.7, 0.6), origin=(1, 2, 3))
    image.meta["Modality"] = "CT"
    windowed = pp.window(image, preset="abdomen")
    assert isinstance(windowed, medimg.Image) and windowed.geometry == image.geometry
    assert windowed.meta["Modality"] == "CT"
    np.testing.assert_array_equal(windowed.array, numpy_window(t.numpy(), 50, 400, "linear-clip"))


def test_window_writes_into_a_reused_buffer():
    rng = np.random.default_rng(1)
    x = ct_like(rng, (4, 32, 32))
    out = np.full(x.shape, -7, np.float32)
    assert pp.window(x, 40, 400, out=out) is out
    np.testing.assert_array_equal(out, numpy_window(x, 40, 400, "linear-clip"))
    tensor_out = torch.empty(x.shape)
    pp.window(torch.from_numpy(x), 40, 400, out=tensor_out)
    np.testing.assert_array_equal(tensor_out.numpy(), out)
    with pytest.raises(medimg.ArgumentError, match="float32"):
        pp.window(x, 40, 400, out=np.empty(x.shape, np.float64))
    with pytest.raises(medimg.ShapeError):
        pp.window(x, 40, 400, out=np.empty((4, 32), np.float32))


def test_window_presets():
    assert pp.window_preset("lung") == (-600, 1500)
    assert pp.window_preset("mediastinum") == (40, 400)
    assert pp.window_preset("bone") == (400, 1800)
    assert pp.window_preset("brain") == (40, 80)
    assert pp.window_preset("abdomen") == (50, 400)
    assert pp.window_preset("liver") == (60, 160)
    with pytest.raises(medimg.ArgumentError,
                       match="lung, mediastinum, bone, brain, abdomen, liver"):
        pp.window_preset("head")


def test_window_refuses_bad_arguments():
    x = np.zeros((1, 4, 4), np.int16)
    for center, width in [(40, 0), (40, -1), (np.nan, 400), (40, np.inf)]:
        with pytest.raises(medimg.ArgumentError, match="window"):
            pp.window(x, center, width)
    with pytest.raises(medimg.ArgumentError, match="LINEAR"):
        pp.window(x, 40, 0.5, mode="linear")
    with pytest.raises(medimg.ArgumentError, match="linear-clip"):
        pp.window(x, 40, 400, mode="sigmoid")
    with pytest.raises(medimg.ArgumentError, match="preset"):
        pp.window(x, 40, 400, preset="lung")
    with pytest.raises(medimg.ArgumentError):
        pp.window(x, 40)
    with pytest.raises(medimg.ShapeError, match="non-empty"):
        pp.window(np.zeros((0, 3), np.int16), 40, 400)
    with pytest.raises(medimg.ArgumentError, match="output"):
        pp.window(x, 40, 400, output=(0, np.nan))


@pytest.mark.parametrize("relative", ["lidc_idri_subset/LIDC-IDRI-0001/z-100.000000.dcm",
                                      "cornerstone_ct_ts/CTImage.dcm"])
def test_window_from_metadata_equals_pydicom_voi_windowing(relative):
    path = shared_data() / relative
    ds = pydicom.dcmread(path)
    expected = apply_windowing(apply_modality_lut(ds.pixel_array, ds), ds)
    # pydicom's output range: the stored bits' range through the rescale.
    bits = int(ds.BitsStored)
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if ds.PixelRepresentation else (
        0, 2 ** bits - 1)
    low, high = [v * float(ds.RescaleSlope) + float(ds.RescaleIntercept) for v in (low, high)]
    image = medimg.io.read_dicom(path)
    got = pp.window_from_metadata(image, output=(low, high))
    assert got.geometry == image.geometry
    np.testing.assert_allclose(got.array[0], expected, rtol=0, atol=(high - low) * 2e-7)
    exact = pp.window_from_metadata(image, mode="linear-exact")
    ds.VOILUTFunction = "LINEAR_EXACT"
    linear_exact = apply_windowing(apply_modality_lut(ds.pixel_array, ds), ds)
    expected_exact = (linear_exact - low) / (high - low)
    np.testing.assert_allclose(exact.array[0], expected_exact, rtol=0, atol=2e-7)


def test_window_from_metadata_needs_the_attributes(data_dir):
    image = medimg.io.read_dicom(data_dir / "ct_small.dcm")  # has no window
    with pytest.raises(medimg.ArgumentError, match="WindowCenter"):
        pp.window_from_metadata(image)
    with pytest.raises(medimg.ArgumentError, match="medimg.Image"):
        pp.window_from_metadata(image.array)
    image.meta["WindowCenter"] = [40.0, -600.0]
    image.meta["WindowWidth"] = [400.0, 1500.0]
    np.testing.assert_array_equal(pp.window_from_metadata(image).array,
                                  numpy_window(image.array, 40, 400, "linear"))


def ct_volume(root_dir):
    return medimg.io.read_nifti(root_dir / "tests/data/nifti/example_ct_sm.nii.gz")


def test_normalize_minmax_per_channel(root_dir):
    ct = ct_volume(root_dir)
    x = np.concatenate([ct.array, ct.array[:, ::-1] * 0.5 + 3,
                        np.full_like(ct.array, 9)]).astype(np.float32)
    got = pp.normalize_minmax(x, output=(-1, 2))
    assert got.dtype == np.float32
    for c in range(2):
        v = x[c].astype(np.float64)
        expected = ((v - v.min()) / (v.max() - v.min()) * 3 - 1).astype(np.float32)
        np.testing.assert_array_equal(got[c], expected)
    np.testing.assert_array_equal(got[2], -1)  # constant channel: output[0], not NaN
    out = pp.normalize_minmax(ct)
    assert isinstance(out, medimg.Image) and out.geometry == ct.geometry
    assert out.array.min() == 0 and out.array.max() == 1


def ulps(a, b):
    """Distance in float32 units in the last place."""
    return np.abs(a.astype(np.float32).view(np.int32).astype(np.int64)
                  - b.astype(np.float32).view(np.int32).astype(np.int64))


def test_normalize_zscore_equals_numpy_within_an_ulp(root_dir):
    ct = ct_volume(root_dir).array.astype(np.float32)
    got = pp.normalize_zscore(ct)
    v = ct.astype(np.float64)
    expected = ((v - v.mean()) / v.std()).astype(np.float32)
    # The mean is summed in blocks, numpy sums pairwise: the float64 statistics may differ
    # in the last bits, which can move a float32 result by one ulp.
    assert ulps(got, expected).max() <= 1
    assert abs(float(got.astype(np.float64).mean())) < 1e-6


def test_normalize_zscore_mask_nonzero_and_given_statistics():
    rng = np.random.default_rng(3)
    x = rng.normal(100, 20, (2, 24, 24)).astype(np.float32)
    x[:, :5] = 0
    mask = rng.random((24, 24)) > 0.6
    got = pp.normalize_zscore(x, mask=mask)
    for c in range(2):
        sel = x[c][mask].astype(np.float64)
        expected = ((x[c].astype(np.float64) - sel.mean()) / sel.std()).astype(np.float32)
        assert ulps(got[c], expected).max() <= 1
    # MONAI's NormalizeIntensity(nonzero=True, channel_wise=True), in numpy.
    got = pp.normalize_zscore(x, nonzero=True)
    for c in range(2):
        v = x[c].astype(np.float64)
        nz = v != 0
        expected = v.copy()
        expected[nz] = (v[nz] - v[nz].mean()) / v[nz].std()
        assert ulps(got[c], expected).max() <= 1
        assert np.all(got[c][~nz] == 0)
    # nnU-Net's CTNormalization: clip to the dataset's percentiles, z-score with its stats.
    got = pp.normalize_zscore(x, clip=(50.0, 140.0), mean=95.0, std=[18.0, 21.0])
    for c, s in enumerate([18.0, 21.0]):
        expected = ((np.clip(x[c].astype(np.float64), 50, 140) - 95.0) / s).astype(np.float32)
        np.testing.assert_array_equal(got[c], expected)
    # Constant channels become zeros; a per-channel mask may differ between channels.
    np.testing.assert_array_equal(pp.normalize_zscore(np.full((1, 4, 4), 3.0)), 0)
    per_channel = np.stack([mask, ~mask])
    got = pp.normalize_zscore(torch.from_numpy(x), mask=torch.from_numpy(per_channel))
    assert isinstance(got, torch.Tensor)
    sel = x[1][~mask].astype(np.float64)
    assert ulps(got[1].numpy(), (x[1].astype(np.float64) - sel.mean()) / sel.std()).max() <= 1


def test_percentiles_equal_numpy_exactly(root_dir):
    ct = ct_volume(root_dir)  # int16 HU: the counting path
    values = ct.array[0].astype(np.float64)
    for lower, upper in [(0.5, 99.5), (0, 100), (25, 75), (33.3, 33.3)]:
        (got,) = pp.channel_percentiles(ct, lower, upper)
        assert got == tuple(np.percentile(values, [lower, upper]))
    rng = np.random.default_rng(5)
    x = rng.normal(size=(3, 17, 19)).astype(np.float32)  # the sorting path
    mask = rng.random((17, 19)) > 0.5
    for c, got in enumerate(pp.channel_percentiles(x, 0.5, 99.5, mask=mask)):
        assert got == tuple(np.percentile(x[c][mask].astype(np.float64), [0.5, 99.5]))
    clipped = pp.clip_percentile(x, 1, 99)
    for c in range(3):
        lo, hi = np.percentile(x[c].astype(np.float64), [1, 99])
        expected = np.clip(x[c].astype(np.float64), lo, hi).astype(np.float32)
        np.testing.assert_array_equal(clipped[c], expected)
    # nonzero selection, as for MRI with a zero background.
    x[:, :4] = 0
    (got, *_) = pp.channel_percentiles(x, 2, 98, nonzero=True)
    assert got == tuple(np.percentile(x[0][x[0] != 0].astype(np.float64), [2, 98]))


def test_normalisation_refuses_bad_input():
    x = np.ones((2, 4, 4), np.float32)
    x[1, 2, 2] = np.nan
    with pytest.raises(medimg.ArgumentError, match="channel 1 has NaN"):
        pp.normalize_zscore(x)
    with pytest.raises(medimg.ArgumentError, match="NaN"):
        pp.normalize_minmax(x)
    with pytest.raises(medimg.ArgumentError, match="NaN"):
        pp.clip_percentile(x)
    y = np.arange(32, dtype=np.float32).reshape(2, 4, 4)
    with pytest.raises(medimg.ArgumentError, match="selects no voxel"):
        pp.normalize_zscore(y, mask=np.zeros((4, 4), bool))
    with pytest.raises(medimg.ShapeError, match="mask"):
        pp.normalize_zscore(y, mask=np.ones((4, 5), bool))
    with pytest.raises(medimg.ArgumentError, match="both mean and std"):
        pp.normalize_zscore(y, mean=1.0)
    with pytest.raises(medimg.ArgumentError, match="std must be"):
        pp.normalize_zscore(y, mean=1.0, std=0.0)
    with pytest.raises(medimg.ArgumentError, match="percentiles"):
        pp.clip_percentile(y, 90, 10)
    with pytest.raises(medimg.ShapeError):  # a bare (Y, X) array has no channel axis
        pp.normalize_minmax(np.ones((4, 4), np.float32))
    with pytest.raises(medimg.ShapeError):
        pp.normalize_minmax(np.ones((1, 0, 4), np.float32))
