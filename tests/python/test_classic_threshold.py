"""Thresholds against numpy and scikit-image's threshold_otsu / threshold_multiotsu."""

import numpy as np
import pytest
import torch
from skimage import filters

import medimg
from medimg import classic

from classic_data import ct_slice_hu, ct_volume_hu


def _images():
    rng = np.random.default_rng(0)
    ct = ct_slice_hu()
    return {
        "uint8": (rng.beta(2, 5, (60, 70)) * 255).astype(np.uint8),
        "int16 CT": ct,
        "int16 CT volume": ct_volume_hu(),
        "float32": (ct.astype(np.float32) / 7.3),
        "float64": rng.normal(size=(40, 50)) + 3 * (rng.random((40, 50)) > 0.6),
        "float32 narrow": (1e4 + rng.random((30, 30))).astype(np.float32),
    }


def test_otsu_equals_scikit_image():
    for name, image in _images().items():
        for nbins in (256, 17, 1000):
            assert classic.threshold_otsu(image, nbins) == filters.threshold_otsu(image, nbins), \
                (name, nbins)
    assert classic.threshold_otsu(np.full((3, 4), 42, np.int16)) == 42
    assert classic.threshold_otsu(torch.ones(5, 5) * 2.5) == 2.5


def test_otsu_with_a_mask_equals_scikit_image_on_the_selection():
    ct = ct_slice_hu()
    body = ct > -500
    assert classic.threshold_otsu(ct, mask=body) == filters.threshold_otsu(ct[body])
    image = medimg.Image(ct[None].astype(np.float32))
    assert classic.threshold_otsu(image, mask=body) == filters.threshold_otsu(
        ct[body].astype(np.float32))
    with pytest.raises(medimg.ArgumentError, match="selects no voxel"):
        classic.threshold_otsu(ct, mask=np.zeros_like(body))
    with pytest.raises(medimg.ShapeError):
        classic.threshold_otsu(ct, mask=body[:-1])


def test_multiotsu_equals_scikit_image():
    images = _images()
    images["int16 CT"] = np.clip(images["int16 CT"], -200, 400)  # fewer integer bins
    del images["int16 CT volume"]
    for name, image in images.items():
        for classes in (2, 3, 4):
            if classes == 4 and image.dtype.kind == "i":
                continue  # hundreds of integer bins to the third power: slow in scikit-image
            np.testing.assert_array_equal(classic.threshold_multiotsu(image, classes),
                                          filters.threshold_multiotsu(image, classes),
                                          err_msg=f"{name} {classes}")
    three = np.array([0, 0, 5, 5, 9, 9], np.uint8)
    np.testing.assert_array_equal(classic.threshold_multiotsu(three),
                                  filters.threshold_multiotsu(three))
    body = ct_slice_hu() > -500
    np.testing.assert_array_equal(
        classic.threshold_multiotsu(ct_slice_hu().astype(np.float32), mask=body),
        filters.threshold_multiotsu(ct_slice_hu().astype(np.float32)[body]))
    with pytest.raises(medimg.ArgumentError, match="different values"):
        classic.threshold_multiotsu(np.array([1, 1, 2, 2]), 3)
    with pytest.raises(medimg.ArgumentError, match="combinations"):
        classic.threshold_multiotsu(np.arange(5000, dtype=np.int32), 5)


def test_fixed_and_range_thresholds_keep_the_kind():
    ct = ct_slice_hu()
    np.testing.assert_array_equal(classic.threshold(ct, -320), ct > -320)
    np.testing.assert_array_equal(classic.threshold_range(ct, -1000, -320),
                                  (ct >= -1000) & (ct <= -320))
    t = classic.threshold(torch.from_numpy(ct), 0.5)
    assert isinstance(t, torch.Tensor) and t.dtype == torch.bool
    image = medimg.Image(ct[None], spacing=(0.66, 0.66))
    out = classic.threshold_range(image, -1000, -320)
    assert isinstance(out, medimg.Image) and out.geometry == image.geometry
    np.testing.assert_array_equal(out.array[0], (ct >= -1000) & (ct <= -320))
    large = np.array([2**40, 2**40 + 1], np.int64)
    np.testing.assert_array_equal(classic.threshold(large, 2**40 + 0.5), [False, True])
    with pytest.raises(medimg.ArgumentError, match="low <= high"):
        classic.threshold_range(ct, 10, -10)
    with pytest.raises(medimg.ArgumentError, match="NaN"):
        classic.threshold_otsu(np.array([1.0, np.nan, 2.0]))
