"""Fundus preprocessing against OpenCV, scipy and scikit-image: the field-of-view mask, the
square crop, Ben Graham's local average subtraction and CLAHE on the green channel."""

import cv2
import numpy as np
import pytest
import scipy.ndimage as ndi
import skimage.exposure
import torch

import medimg
from medimg import _medimg
from medimg.preprocess import ben_graham, clahe_green, crop_fundus, fundus_mask

THRESHOLD = 0.03


@pytest.fixture(scope="module")
def phantom():
    return _medimg._fundus_phantom(4, 96, 3)


@pytest.fixture(scope="module")
def photo(phantom):
    """A wide uint8 photograph: the phantom on a black canvas wider than high, as APTOS
    images are, with a speck of noise outside the field of view."""
    rgb = np.round(phantom.image.numpy() * 255).astype(np.uint8)
    canvas = np.zeros((3, 90, 130), np.uint8)
    canvas[:, :, 20:116] = rgb[:, 3:93, :]
    canvas[:, 2, 2] = 200  # a bright speck: not the largest component
    return canvas


def reference_mask(x, threshold=THRESHOLD):
    scale = 255.0 if x.dtype == np.uint8 else 1.0
    above = x.astype(np.float64).mean(axis=0) > threshold * scale
    labels, n = ndi.label(above, structure=np.ones((3, 3)))
    if n == 0:
        return above
    sizes = np.bincount(labels.ravel())[1:]
    return ndi.binary_fill_holes(labels == 1 + np.argmax(sizes))


def test_mask_matches_the_reference_and_the_phantom(phantom, photo):
    mask = fundus_mask(photo)
    assert isinstance(mask, np.ndarray) and mask.dtype == bool and mask.shape == (90, 130)
    np.testing.assert_array_equal(mask, reference_mask(photo))
    assert not mask[2, 2]
    # On the phantom the mask is its field of view, to the anti-aliased rim.
    image = phantom.image.numpy()
    y, x = np.mgrid[:96, :96]
    d = np.hypot(x - phantom.fov_centre[0], y - phantom.fov_centre[1])
    mask = fundus_mask(image)
    assert np.all(mask[d < phantom.fov_radius - 1]) and not np.any(mask[d > phantom.fov_radius + 1])
    # Torch in, torch out; the threshold is a fraction of full scale for every dtype.
    as_torch = fundus_mask(torch.from_numpy(photo), threshold=0.5)
    assert isinstance(as_torch, torch.Tensor) and as_torch.dtype == torch.bool
    np.testing.assert_array_equal(as_torch.numpy(), reference_mask(photo, 0.5))
    np.testing.assert_array_equal(fundus_mask(photo.astype(np.float32) / 255, threshold=0.5),
                                  reference_mask(photo, 0.5))


def test_mask_fills_dark_holes():
    x = np.zeros((3, 40, 40), np.float32)
    x[:, 5:35, 5:35] = 0.5
    x[:, 18:22, 18:22] = 0.0  # a black lesion inside the field of view
    mask = fundus_mask(x)
    assert mask[5:35, 5:35].all() and mask.sum() == 900


def reference_crop(x, margin=0):
    mask = reference_mask(x)
    rows, cols = np.nonzero(mask.any(1))[0], np.nonzero(mask.any(0))[0]
    y0, y1 = max(rows[0] - margin, 0), min(rows[-1] + 1 + margin, x.shape[1])
    x0, x1 = max(cols[0] - margin, 0), min(cols[-1] + 1 + margin, x.shape[2])
    crop = x[:, y0:y1, x0:x1]
    side = max(crop.shape[1:])
    py, px = side - crop.shape[1], side - crop.shape[2]
    return np.pad(crop, ((0, 0), (py // 2, py - py // 2), (px // 2, px - px // 2)))


@pytest.mark.parametrize("margin", [0, 3, 50])
def test_crop_is_the_square_around_the_field_of_view(photo, margin):
    out = crop_fundus(photo, margin=margin)
    assert out.dtype == np.uint8 and out.shape[1] == out.shape[2]
    np.testing.assert_array_equal(out, reference_crop(photo, margin))


def test_crop_of_an_image_moves_its_origin(photo):
    image = medimg.Image(photo, spacing=(0.5, 0.5))
    out = crop_fundus(image)
    assert isinstance(out, medimg.Image)
    mask = reference_mask(photo)
    rows, cols = np.nonzero(mask.any(1))[0], np.nonzero(mask.any(0))[0]
    pad_before = ((cols[-1] - cols[0]) - (rows[-1] - rows[0])) // 2  # the taller axis is padded
    expected_origin = (cols[0] * 0.5, (rows[0] - pad_before) * 0.5)  # (x, y) world mm
    np.testing.assert_allclose(np.asarray(out.origin)[:2], expected_origin)
    np.testing.assert_array_equal(out.array, reference_crop(photo))


def test_crop_without_field_of_view_is_the_identity():
    black = torch.zeros(3, 20, 30, dtype=torch.uint8)
    assert torch.equal(crop_fundus(black), black)


def mirror_truncate(sigma, k):
    return k + 0.25 / sigma  # scipy radius int(t sigma + 0.5) == OpenCV's floor(k sigma + 0.75)


@pytest.mark.parametrize("sigma", [3.0, 3.3, 5.0])
def test_ben_graham_uint8_matches_opencv(photo, sigma):
    out = ben_graham(photo, sigma=sigma)
    assert out.dtype == np.uint8
    hwc = np.ascontiguousarray(photo.transpose(1, 2, 0))
    reference = cv2.addWeighted(hwc, 4, cv2.GaussianBlur(hwc, (0, 0), sigma), -4, 128)
    reference = reference.transpose(2, 0, 1) * reference_mask(photo)
    # OpenCV blurs 8-bit images in fixed point: its rounded average may differ by one level,
    # which the factor 4 makes 4.
    diff = np.abs(out.astype(int) - reference.astype(int))
    assert diff.max() <= 4
    assert np.mean(diff > 0) < 0.05
    assert np.all(out[:, ~reference_mask(photo)] == 0)


@pytest.mark.parametrize("sigma", [2.0, 4.5])
def test_ben_graham_float_matches_scipy_and_opencv(photo, sigma):
    x = photo.astype(np.float32) / 255
    out = ben_graham(torch.from_numpy(x), sigma=sigma)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    blur = np.stack([ndi.gaussian_filter(c.astype(np.float64), sigma, mode="mirror",
                                         truncate=mirror_truncate(sigma, 4)) for c in x])
    reference = np.clip(4 * x - 4 * blur + 0.5, 0, 1) * reference_mask(photo)
    np.testing.assert_allclose(out.numpy(), reference, atol=2e-6)
    cv_blur = cv2.GaussianBlur(np.ascontiguousarray(x.transpose(1, 2, 0)), (0, 0), sigma)
    cv_reference = np.clip(4 * x - 4 * cv_blur.transpose(2, 0, 1) + 0.5, 0, 1) * reference_mask(photo)
    np.testing.assert_allclose(out.numpy(), cv_reference, atol=1e-5)


def test_ben_graham_circle_keeps_a_disc(phantom):
    x = phantom.image.numpy()
    out = ben_graham(x, sigma=3.0, circle=0.9)
    mask = reference_mask(x)
    rows, cols = np.nonzero(mask.any(1))[0], np.nonzero(mask.any(0))[0]
    cy, cx = (rows[0] + rows[-1]) / 2, (cols[0] + cols[-1]) / 2
    radius = 0.9 * (cols[-1] - cols[0] + 1) / 2
    y, xx = np.mgrid[:96, :96]
    inside = np.hypot(y - cy, xx - cx) <= radius
    assert np.all(out[:, ~inside] == 0)
    assert np.mean(out[:, inside] > 0) > 0.95  # only dark lesions and vessels clip to 0
    # Flat retina becomes mid grey: the local average is subtracted.
    assert abs(np.median(out[1][inside]) - 0.5) < 0.05


def test_ben_graham_keeps_an_image_geometry(photo):
    image = medimg.Image(photo, spacing=(0.2, 0.3))
    out = ben_graham(image, sigma=4)
    assert isinstance(out, medimg.Image) and out.spacing == image.spacing


@pytest.mark.parametrize("clip_limit,kernel_size", [(0.01, None), (0.03, 16), (0.02, (12, 20))])
def test_clahe_green_matches_skimage(photo, clip_limit, kernel_size):
    x = photo.astype(np.float32) / 255
    out = clahe_green(x, clip_limit=clip_limit, kernel_size=kernel_size)
    reference = skimage.exposure.equalize_adapthist(x[1], kernel_size=kernel_size, clip_limit=clip_limit)
    assert out.dtype == np.float32 and out.shape == x.shape
    assert np.mean(np.abs(out[1] - reference)) < 1e-3
    np.testing.assert_array_equal(out[[0, 2]], x[[0, 2]])
    # uint8 in, uint8 out: green is 255 x CLAHE of the uint8 channel, rounded.
    out8 = clahe_green(torch.from_numpy(photo), clip_limit=clip_limit, kernel_size=kernel_size)
    assert out8.dtype == torch.uint8
    reference8 = skimage.exposure.equalize_adapthist(photo[1], kernel_size=kernel_size, clip_limit=clip_limit)
    assert np.abs(out8[1].numpy().astype(int) - np.round(reference8 * 255)).max() <= 1
    np.testing.assert_array_equal(out8[[0, 2]].numpy(), photo[[0, 2]])


@pytest.mark.parametrize("call,error", [
    (lambda: fundus_mask(np.zeros((3, 4, 5, 6), np.uint8)), medimg.ShapeError),
    (lambda: fundus_mask(np.zeros((3, 5, 6), np.int16)), medimg.ArgumentError),
    (lambda: fundus_mask(np.zeros((3, 5, 6), np.uint8), threshold=1.5), medimg.ArgumentError),
    (lambda: crop_fundus(np.zeros((3, 5, 6), np.uint8), margin=-1), medimg.ArgumentError),
    (lambda: ben_graham(np.zeros((3, 5, 6), np.uint8), sigma=0), medimg.ArgumentError),
    (lambda: ben_graham(np.zeros((3, 5, 6), np.uint8), circle=-1), medimg.ArgumentError),
    (lambda: clahe_green(np.zeros((1, 5, 6), np.uint8)), medimg.ShapeError),
    (lambda: clahe_green(np.zeros((3, 5, 6), np.uint8), clip_limit=2), medimg.ArgumentError),
])
def test_bad_input(call, error):
    with pytest.raises(error):
        call()
