"""Connected components, keep_largest and regionprops against scikit-image and numpy."""

import numpy as np
import pytest
import scipy.ndimage as ndi
import torch
from skimage import measure

import medimg
from medimg import classic

from classic_data import ct_slice_hu, ct_volume_hu


def _blobs(shape, seed, fraction=0.5, sigma=1.5):
    rng = np.random.default_rng(seed)
    field = ndi.gaussian_filter(rng.random(shape), sigma)
    return field > np.quantile(field, 1 - fraction)


def _assert_same_partition(ours, expected):
    """Equal up to a relabelling: background agrees and labels map one-to-one."""
    assert ours.shape == expected.shape
    assert np.array_equal(ours == 0, expected == 0)
    pairs = np.unique(np.stack([ours[ours > 0], expected[expected > 0]]), axis=1)
    assert len(np.unique(pairs[0])) == pairs.shape[1] == len(np.unique(pairs[1]))


@pytest.mark.parametrize("ndim", [2, 3])
def test_label_equals_scikit_image(ndim):
    masks = [_blobs((61, 57) if ndim == 2 else (21, 24, 26), ndim),
             _blobs((40, 44) if ndim == 2 else (13, 15, 17), 10 + ndim, 0.3, 0.7),
             (ct_slice_hu() > 200) if ndim == 2 else (ct_volume_hu() > 100)]
    for mask in masks:
        for connectivity in [None] + list(range(1, ndim + 1)):
            ours, count = classic.label(mask, return_num=True, connectivity=connectivity)
            expected, expected_count = measure.label(mask, return_num=True,
                                                     connectivity=connectivity)
            assert ours.dtype == np.int64 and count == expected_count
            _assert_same_partition(ours, expected)
            assert np.array_equal(ours, expected)  # both number in raster order


def test_label_integer_images_and_background():
    rng = np.random.default_rng(3)
    values = rng.integers(0, 4, (30, 33)).astype(np.int32)
    for background in (None, 0, 2, 7):
        for connectivity in (1, 2):
            ours = classic.label(values, background=background, connectivity=connectivity)
            expected = measure.label(values, background=background, connectivity=connectivity)
            _assert_same_partition(ours, expected)
    mask = _blobs((25, 26), 4)
    _assert_same_partition(classic.label(mask, background=1), measure.label(mask, background=1))
    with pytest.raises(medimg.ArgumentError):
        classic.label(mask.astype(np.float32))
    with pytest.raises(medimg.ArgumentError, match="connectivity"):
        classic.label(mask, connectivity=3)


def test_label_keeps_the_input_kind():
    mask = _blobs((20, 21), 5)
    image = medimg.Image(mask[None], spacing=(2.0, 0.5))
    out = classic.label(image)
    assert isinstance(out, medimg.Image) and out.spacing == (2.0, 0.5)
    assert out.tensor.dtype == torch.int64 and out.tensor.shape == (1, 20, 21)
    assert torch.equal(classic.label(torch.from_numpy(mask)), torch.from_numpy(measure.label(mask)))
    assert classic.label(np.zeros((3, 3), bool), return_num=True)[1] == 0


def test_keep_largest_equals_a_numpy_reference():
    mask = _blobs((18, 22, 24), 6, 0.4, 1.0)
    for n in (1, 2, 5):
        for connectivity in (1, 3):
            labels = measure.label(mask, connectivity=connectivity)
            sizes = np.bincount(labels.ravel())[1:]
            keep = np.argsort(-sizes, kind="stable")[:n] + 1
            expected = np.isin(labels, keep)
            assert np.array_equal(classic.keep_largest(mask, n, connectivity), expected)
    assert classic.keep_largest(np.zeros((5, 5))).sum() == 0
    assert classic.keep_largest(np.ones((5, 5)), 3).all()


PROPERTIES = ["area", "centroid", "bbox", "intensity_mean", "intensity_min", "intensity_max",
              "axis_major_length", "axis_minor_length"]


@pytest.mark.parametrize("ndim", [2, 3])
def test_regionprops_equal_scikit_image(ndim):
    rng = np.random.default_rng(7)
    if ndim == 2:
        labels = measure.label(ct_slice_hu() > 200)
        intensity = ct_slice_hu().astype(np.float64)
    else:
        labels = measure.label(_blobs((16, 20, 22), 8, 0.35, 1.2))
        intensity = rng.normal(size=labels.shape)
    ours = classic.regionprops(labels, intensity)
    expected = measure.regionprops(labels, intensity)
    assert [p.label for p in ours] == [p.label for p in expected]
    for p, e in zip(ours, expected):
        for name in PROPERTIES:
            np.testing.assert_allclose(getattr(p, name), getattr(e, name), rtol=0, atol=1e-6,
                                       err_msg=name)
        np.testing.assert_allclose(p.equivalent_diameter, e.equivalent_diameter_area, atol=1e-6)
        assert p.volume == p.area
        if e.axis_minor_length > 1e-3:
            np.testing.assert_allclose(p.elongation, e.axis_major_length / e.axis_minor_length,
                                       rtol=1e-6)


def test_regionprops_in_millimetres_and_world_coordinates():
    rng = np.random.default_rng(9)
    labels = measure.label(_blobs((14, 16, 18), 10, 0.3, 1.2))
    spacing = np.array([2.5, 0.7, 0.9])
    theta = 0.3
    direction = np.array([[np.cos(theta), -np.sin(theta), 0], [np.sin(theta), np.cos(theta), 0],
                          [0, 0, 1]])
    image = medimg.Image(labels[None], spacing=tuple(spacing), origin=(-10, 5, 40),
                         direction=direction)
    intensity = rng.random(labels.shape)
    ours = classic.regionprops(image, intensity)
    affine = image.affine
    for p in ours:
        coords = np.argwhere(labels == p.label).astype(np.float64)
        world = coords @ affine[:3, :3].T + affine[:3, 3]
        np.testing.assert_allclose(p.centroid_world, world.mean(0), atol=1e-6)
        np.testing.assert_allclose(p.volume, len(coords) * spacing.prod(), rtol=1e-12)
        np.testing.assert_allclose(p.equivalent_diameter, (6 * p.volume / np.pi) ** (1 / 3))
        eigen = np.clip(np.linalg.eigvalsh(np.cov(world.T, bias=True)), 0, None)
        np.testing.assert_allclose(p.axis_major_length, np.sqrt(20 * eigen[-1]), atol=1e-6)
        np.testing.assert_allclose(p.axis_minor_length, np.sqrt(20 * eigen[0]), atol=1e-6)
        np.testing.assert_allclose(p.intensity_mean, intensity[labels == p.label].mean(),
                                   atol=1e-12)
    # Isotropic spacing scales scikit-image's lengths.
    scaled = classic.regionprops(labels, spacing=(1.5, 1.5, 1.5))
    for p, e in zip(scaled, measure.regionprops(labels)):
        np.testing.assert_allclose(p.axis_major_length, 1.5 * e.axis_major_length, atol=1e-6)
        np.testing.assert_allclose(p.equivalent_diameter, 1.5 * e.equivalent_diameter_area,
                                   atol=1e-6)
    assert np.isnan(scaled[0].intensity_mean)


def test_regionprops_bad_input():
    with pytest.raises(medimg.ArgumentError, match="integer"):
        classic.regionprops(np.ones((4, 4), bool))
    with pytest.raises(medimg.ArgumentError, match=">= 0"):
        classic.regionprops(-np.ones((4, 4), np.int32))
    with pytest.raises(medimg.ShapeError):
        classic.regionprops(np.ones((4, 4), np.int32), np.ones((4, 5)))
    with pytest.raises(medimg.ArgumentError, match="contradicts"):
        classic.regionprops(medimg.Image(np.ones((1, 4, 4), np.int32), spacing=(2, 2)),
                            spacing=(1, 1))
    assert classic.regionprops(np.zeros((3, 3), np.int64)) == []
