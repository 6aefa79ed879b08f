"""Distance transform and surface distances against scipy and MedPy's definitions
(re-derived here with scipy, since MedPy is not packaged)."""

import math

import numpy as np
import pytest
import scipy.ndimage as ndi
import torch
from scipy.spatial.distance import directed_hausdorff as scipy_directed_hausdorff

import medimg
from medimg import metrics


def _border(mask):
    structure = ndi.generate_binary_structure(mask.ndim, 1)
    return mask ^ ndi.binary_erosion(mask, structure=structure, iterations=1)


def _medpy_surface_distances(pred, ref, spacing):
    """MedPy's __surface_distances, both directions."""
    pb, rb = _border(pred), _border(ref)
    to_ref = ndi.distance_transform_edt(~rb, sampling=spacing)[pb]
    to_pred = ndi.distance_transform_edt(~pb, sampling=spacing)[rb]
    return to_ref, to_pred


def _random_blobs(rng, shape, threshold):
    field = ndi.gaussian_filter(rng.random(shape), 2)
    return field > np.quantile(field, threshold)


@pytest.mark.parametrize("shape, spacing", [((37, 41), (0.7, 1.9)),
                                            ((19, 23, 29), (2.5, 0.8, 1.1)),
                                            ((8, 64, 64), (5.0, 0.5, 0.5))])
def test_edt_equals_scipy(shape, spacing):
    rng = np.random.default_rng(len(shape))
    mask = rng.random(shape) > 0.2
    expected = ndi.distance_transform_edt(mask, sampling=spacing)
    np.testing.assert_allclose(metrics.distance_transform_edt(mask, spacing), expected,
                               atol=1e-6, rtol=0)
    sparse = rng.random(shape) > 0.995  # few background voxels: long distances
    np.testing.assert_allclose(metrics.distance_transform_edt(~sparse, spacing),
                               ndi.distance_transform_edt(~sparse, sampling=spacing), atol=1e-6)


def test_edt_keeps_the_input_kind_and_geometry():
    mask = np.ones((1, 5, 6), np.uint8)
    mask[0, 2, 3] = 0
    image = medimg.Image(mask, spacing=(2.0, 0.5), origin=(1, 2, 3))
    out = metrics.distance_transform_edt(image)
    assert isinstance(out, medimg.Image) and out.geometry == image.geometry
    np.testing.assert_allclose(out.array[0], ndi.distance_transform_edt(mask[0], sampling=(2, 0.5)))
    assert isinstance(metrics.distance_transform_edt(torch.from_numpy(mask[0])), torch.Tensor)
    assert np.all(np.isinf(metrics.distance_transform_edt(np.ones((3, 3)))))  # no background
    assert not metrics.distance_transform_edt(np.zeros((3, 3))).any()


@pytest.mark.parametrize("shape, spacing", [((48, 52), (0.9, 1.3)),
                                            ((24, 32, 28), (2.0, 0.7, 0.9))])
def test_surface_metrics_equal_the_medpy_definitions(shape, spacing):
    rng = np.random.default_rng(11)
    pred = _random_blobs(rng, shape, 0.6)
    ref = _random_blobs(rng, shape, 0.55)
    to_ref, to_pred = _medpy_surface_distances(pred, ref, spacing)
    d = metrics.surface_distances(pred, ref, spacing=spacing)
    np.testing.assert_allclose(d.pred_to_ref, to_ref, atol=1e-9)
    np.testing.assert_allclose(d.ref_to_pred, to_pred, atol=1e-9)
    pooled = np.hstack((to_ref, to_pred))
    assert metrics.hausdorff(pred, ref, spacing=spacing) == pytest.approx(pooled.max(), abs=1e-9)
    assert metrics.hausdorff(pred, ref, spacing=spacing, percentile=95) == pytest.approx(
        np.percentile(pooled, 95), abs=1e-9)
    assert metrics.assd(pred, ref, spacing=spacing) == pytest.approx(
        (to_ref.mean() + to_pred.mean()) / 2, abs=1e-9)
    assert metrics.masd(d) == pytest.approx(pooled.mean(), abs=1e-9)
    assert metrics.surface_dice(d, tolerance_mm=1.5) == pytest.approx(
        np.mean(pooled <= 1.5), abs=1e-12)
    # Hausdorff equals scipy's directed_hausdorff on the same surface point sets (in mm).
    points = [np.argwhere(_border(m)) * np.asarray(spacing) for m in (pred, ref)]
    expected = max(scipy_directed_hausdorff(points[0], points[1])[0],
                   scipy_directed_hausdorff(points[1], points[0])[0])
    assert metrics.hausdorff(d) == pytest.approx(expected, abs=1e-9)


def test_shifted_boxes_and_concentric_spheres():
    a = np.zeros((30, 30, 30), bool)
    b = np.zeros_like(a)
    a[10:20, 10:20, 10:20] = True
    b[10:20, 10:20, 13:23] = True
    assert metrics.hausdorff(a, b) == 3.0
    assert metrics.hausdorff(a, b, spacing=(1, 1, 0.5)) == 1.5
    grid = np.indices((41, 41, 41)) - 20
    radius = np.sqrt((grid ** 2).sum(0))
    inner, outer = radius <= 10, radius <= 14
    # The surfaces are 4 voxels apart up to voxelisation (one voxel at most).
    assert metrics.hausdorff(inner, outer) == pytest.approx(4, abs=1.0)
    assert metrics.assd(inner, outer) == pytest.approx(4, abs=0.5)


def test_images_carry_their_spacing():
    mask = np.zeros((1, 10, 10), np.uint8)
    mask[0, 2:5, 2:5] = 1
    shifted = np.roll(mask, 2, axis=2)
    a = medimg.Image(mask, spacing=(1.0, 2.5))
    b = medimg.Image(shifted, spacing=(1.0, 2.5))
    assert metrics.hausdorff(a, b) == 5.0
    with pytest.raises(medimg.ArgumentError, match="contradicts"):
        metrics.hausdorff(a, b, spacing=(1, 1))
    with pytest.raises(medimg.ArgumentError, match="spacings differ"):
        metrics.hausdorff(a, medimg.Image(shifted, spacing=(1.0, 1.0)))


def test_empty_masks():
    empty = np.zeros((6, 6), bool)
    blob = empty.copy()
    blob[2:4, 2:4] = True
    assert math.isnan(metrics.hausdorff(empty, empty))
    assert math.isnan(metrics.surface_dice(empty, empty, 1.0))
    assert metrics.hausdorff(blob, empty) == math.inf
    assert metrics.assd(empty, blob) == math.inf
    assert metrics.surface_dice(blob, empty, 1.0) == 0.0


def test_bad_input():
    a = np.zeros((4, 5), bool)
    with pytest.raises(medimg.ShapeError, match="same shape"):
        metrics.hausdorff(a, np.zeros((5, 4), bool))
    with pytest.raises(medimg.ArgumentError, match="binary"):
        metrics.hausdorff(np.full((4, 5), 2, np.uint8), a)
    with pytest.raises(medimg.ArgumentError, match="binary mask"):
        metrics.hausdorff(a.astype(np.float32), a)
    with pytest.raises(medimg.ArgumentError, match="one value per axis"):
        metrics.hausdorff(a, a, spacing=(1, 1, 1))
    with pytest.raises(medimg.ArgumentError, match="finite and > 0"):
        metrics.distance_transform_edt(a, (1, 0))
    with pytest.raises(medimg.ArgumentError, match=r"\[0, 100\]"):
        metrics.hausdorff(a, a, percentile=101)
    with pytest.raises(medimg.ArgumentError, match="tolerance"):
        metrics.surface_dice(a, a, -1.0)
    with pytest.raises(medimg.ShapeError, match=r"\(Y, X\) or \(Z, Y, X\)"):
        metrics.distance_transform_edt(np.zeros(5))
    with pytest.raises(medimg.ArgumentError, match="NaN"):
        metrics.distance_transform_edt(np.array([[1.0, np.nan]]))


def test_point_set_hausdorff_equals_scipy():
    rng = np.random.default_rng(2)
    u, v = rng.normal(size=(500, 3)), rng.normal(size=(300, 3)) + 0.5
    assert metrics.directed_hausdorff(u, v) == pytest.approx(scipy_directed_hausdorff(u, v)[0],
                                                             abs=1e-12)
    assert metrics.hausdorff_distance(u, v) == pytest.approx(
        max(scipy_directed_hausdorff(u, v)[0], scipy_directed_hausdorff(v, u)[0]), abs=1e-12)
    with pytest.raises(medimg.ArgumentError, match="empty point set"):
        metrics.hausdorff_distance(np.zeros((0, 3)), v)
    with pytest.raises(medimg.ShapeError, match="same dimension"):
        metrics.hausdorff_distance(u, v[:, :2])
