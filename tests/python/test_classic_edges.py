"""Canny and Sobel against scikit-image on real CT slices and synthetic images."""

import numpy as np
import pytest
import torch
from skimage import feature, filters

import medimg
from medimg import classic, preprocess

from classic_data import ct_512_slice, ct_slice_hu, ct_volume_hu


def _agreement(ours, expected):
    assert ours.dtype == bool and ours.shape == expected.shape
    return np.mean(ours == expected)


def test_canny_agrees_with_scikit_image_on_real_ct():
    slice_512 = ct_512_slice()[128:384, 96:416]
    small = ct_slice_hu()
    cases = [
        (slice_512, dict(sigma=1.0, low_threshold=50, high_threshold=150)),
        (slice_512, dict(sigma=2.0, low_threshold=100, high_threshold=300)),
        (slice_512.astype(np.float32) - 1024, dict(sigma=1.5, low_threshold=60,
                                                   high_threshold=150)),
        (slice_512 / 2400.0, dict(sigma=3.0)),
        ((np.clip(slice_512, 0, 2047) // 8).astype(np.uint8), dict(sigma=1.0)),
        (small, dict(sigma=1.0, low_threshold=0.6, high_threshold=0.9, use_quantiles=True)),
        (small.astype(np.float32), dict(sigma=2.0, low_threshold=40, high_threshold=90)),
        (small, dict(sigma=1.0, low_threshold=200, high_threshold=600, mode="nearest")),
    ]
    for image, kwargs in cases:
        ours = classic.canny(image, **kwargs)
        expected = feature.canny(image, **kwargs)
        assert expected.sum() > 100, kwargs  # a real test: edges exist
        assert _agreement(ours, expected) >= 0.999, (image.dtype, kwargs)


def test_canny_with_a_mask_and_input_kinds():
    image = ct_slice_hu().astype(np.float32)
    mask = np.zeros(image.shape, bool)
    mask[10:110, 20:100] = True
    ours = classic.canny(image, 1.5, 50, 120, mask=mask)
    expected = feature.canny(image, 1.5, 50, 120, mask=mask)
    assert _agreement(ours, expected) >= 0.999 and expected.sum() > 100
    tensor = classic.canny(torch.from_numpy(image), 1.5, 50, 120)
    assert isinstance(tensor, torch.Tensor) and tensor.dtype == torch.bool
    wrapped = classic.canny(medimg.Image(image[None], spacing=(0.66, 0.66)), 1.5, 50, 120)
    assert isinstance(wrapped, medimg.Image) and wrapped.spacing == (0.66, 0.66)
    np.testing.assert_array_equal(wrapped.array[0], tensor.numpy())
    assert not classic.canny(np.zeros((20, 20))).any()


def test_canny_in_parallel_chunks_equals_scikit_image():
    # From 2^20 pixels medimg cuts the image into chunks of rows, each suppressed and
    # hysteresis-flooded on its own thread, then joins the edges across the chunks' borders.
    image = np.repeat(np.repeat(ct_512_slice(), 2, axis=0), 2, axis=1)  # 1024 x 1024
    for kwargs in (dict(sigma=1.5, low_threshold=80, high_threshold=250),
                   dict(sigma=1.0, low_threshold=50, high_threshold=200, mask=image > 900)):
        expected = feature.canny(image, **kwargs)
        assert expected[511:513].sum() > 2  # edges cross the border of the two chunks
        np.testing.assert_array_equal(classic.canny(image, **kwargs), expected)


def test_canny_bad_input():
    with pytest.raises(medimg.ShapeError):
        classic.canny(np.zeros((4, 4, 4)))
    with pytest.raises(medimg.ArgumentError, match="sigma"):
        classic.canny(np.zeros((8, 8)), sigma=-1)
    with pytest.raises(medimg.ArgumentError, match="quantile"):
        classic.canny(np.zeros((8, 8)), 1, 0.2, 1.5, use_quantiles=True)
    with pytest.raises(medimg.ArgumentError, match="exceed"):
        classic.canny(np.zeros((8, 8)), 1, 0.5, 0.1)
    with pytest.raises(medimg.ShapeError):
        classic.canny(np.zeros((8, 8)), mask=np.ones((8, 9), bool))


def test_sobel_equals_scikit_image():
    images = [ct_slice_hu(), ct_slice_hu().astype(np.float32) / 1000,
              (ct_volume_hu()[:10, :20, :20] / 1000.0), ct_volume_hu()[:8, :12, :14]]
    for image in images:
        for mode in ("reflect", "constant", "nearest", "wrap", "mirror"):
            for axis in [None] + list(range(image.ndim)):
                ours = classic.sobel(image, axis=axis, mode=mode)
                expected = filters.sobel(image, axis=axis, mode=mode)
                assert ours.dtype == expected.dtype, (image.dtype, mode, axis)
                tolerance = 1e-6 if expected.dtype == np.float32 else 1e-12
                np.testing.assert_allclose(ours, expected, rtol=0, atol=tolerance)
    mask = np.zeros((128, 128), bool)
    mask[20:90, 30:100] = True
    np.testing.assert_allclose(classic.sobel(ct_slice_hu(), mask),
                               filters.sobel(ct_slice_hu(), mask), atol=1e-12)
    with pytest.raises(medimg.ArgumentError, match="axis"):
        classic.sobel(np.zeros((5, 5)), axis=2)


def test_gaussian_is_the_preprocessing_filter():
    assert classic.gaussian is preprocess.gaussian
    image = medimg.Image(np.random.default_rng(0).random((1, 20, 30)).astype(np.float32),
                         spacing=(2.0, 0.5))
    np.testing.assert_allclose(classic.gaussian(image, 1.0).array,
                               preprocess.gaussian_filter(image, [0.5, 2.0]).array, atol=1e-6)
