"""segment_nodule on CT phantoms: against the phantom's own nodules, and voxel for voxel
against the same method written here with scipy.ndimage."""

import numpy as np
import pytest
import scipy.ndimage as ndi
import torch

import medimg

# The defaults of segment_nodule, spelled out for the scipy reference.
THRESHOLD, MAX_DIAMETER, OPENING, MAX_OPENING, SEED_RADIUS = -550.0, 35.0, 2.5, 7.5, 5.0


def dice(a, b):
    return 2.0 * np.count_nonzero(a & b) / (np.count_nonzero(a) + np.count_nonzero(b))


def ellipsoid(radius, spacing):
    """The voxels within `radius` mm of the centre on the grid (half extents floor(r / s))."""
    half = [int(radius / s) for s in spacing]
    grid = np.mgrid[tuple(slice(-h, h + 1) for h in half)]
    return sum((g * s / radius) ** 2 for g, s in zip(grid, spacing)) <= 1 + 1e-9


def nearest_component(mask, seed, spacing, radius):
    """The 26-connected component of the mask voxel nearest to the seed within radius."""
    voxels = np.argwhere(mask)
    if len(voxels) == 0:
        return None
    distance = np.linalg.norm((voxels - seed) * spacing, axis=1)
    if distance.min() > radius:
        return None
    labels, _ = ndi.label(mask, np.ones((3, 3, 3)))
    return labels == labels[tuple(voxels[np.argmin(distance)])]


def scipy_segment_nodule(hu, lungs, seed, spacing):
    """The method of docs/classic_lung.md with scipy.ndimage, default options."""
    spacing = np.asarray(spacing)
    half = np.ceil(MAX_DIAMETER / spacing).astype(int)
    box = tuple(slice(max(0, s - h), min(n, s + h + 1)) for s, h, n in zip(seed, half, hu.shape))
    local = np.array([s - b.start for s, b in zip(seed, box)])
    dense = (hu[box] > THRESHOLD) & (lungs[box] > 0)
    faces = np.zeros(dense.shape, bool)  # the box's faces inside the image
    for axis, b in enumerate(box):
        if b.start > 0:
            faces[(slice(None),) * axis + (0,)] = True
        if b.stop < hu.shape[axis]:
            faces[(slice(None),) * axis + (-1,)] = True
    nodule, radius = None, OPENING
    while radius <= MAX_OPENING + 1e-9:
        footprint = ellipsoid(radius, spacing)
        opened = ndi.binary_dilation(ndi.binary_erosion(dense, footprint, border_value=1),
                                     footprint)
        component = nearest_component(opened, local, spacing, SEED_RADIUS)
        if component is None:
            break
        nodule = component | (ndi.binary_dilation(component, footprint) & dense)
        if not (nodule & faces).any():
            break
        radius *= 1.5
    if nodule is None:
        nodule = nearest_component(dense, local, spacing, SEED_RADIUS)
    nodule = ndi.binary_fill_holes(nodule)
    nodule = np.stack([ndi.binary_fill_holes(s) for s in nodule])
    out = np.zeros(hu.shape, bool)
    out[box] = nodule
    return out


@pytest.fixture(scope="module", params=[0, 1, 2])
def phantom(request):
    return medimg.phantoms.ct_phantom(shape=(64, 128, 128), seed=request.param, nodules=6,
                                      nodule_diameter=(5.0, 20.0))


def test_phantom_nodules_are_segmented(phantom):
    truth = phantom.nodule_labels.array[0]
    scores = []
    for k, nodule in enumerate(phantom.nodules, 1):
        if nodule.diameter < 5.0:
            continue
        found = medimg.classic.segment_nodule(phantom.ct, nodule.centre, phantom.lungs)
        assert found.array.dtype == np.uint8 and found.array.shape == phantom.ct.array.shape
        assert found.geometry == phantom.ct.geometry
        scores.append(dice(found.array[0] > 0, truth == k))
    # Partial volume and noise blur the edge of the small ones (a 6 mm sphere is ~15 voxels).
    assert min(scores) >= 0.8, scores
    assert np.mean(scores) >= 0.93, scores


def test_equals_the_scipy_method(phantom):
    hu, lungs = phantom.ct.array[0], phantom.lungs.array[0]
    for nodule in phantom.nodules:
        found = medimg.classic.segment_nodule(phantom.ct, nodule.centre, phantom.lungs)
        seed = np.round(phantom.ct.geometry.world_to_index(np.asarray(nodule.centre))).astype(int)
        expected = scipy_segment_nodule(hu, lungs, seed, phantom.ct.spacing)
        np.testing.assert_array_equal(found.array[0] > 0, expected)


def test_seed_beside_the_nodule_and_array_input():
    phantom = medimg.phantoms.ct_phantom(shape=(48, 96, 96), seed=5, nodules=2,
                                         nodule_diameter=(12.0, 14.0))
    nodule = phantom.nodules[0]
    at_centre = medimg.classic.segment_nodule(phantom.ct, nodule.centre, phantom.lungs)
    # A seed just outside the nodule (radius + 2 mm along x) finds it within seed_radius.
    beside = np.asarray(nodule.centre) + [nodule.diameter / 2 + 2.0, 0, 0]
    np.testing.assert_array_equal(
        medimg.classic.segment_nodule(phantom.ct, beside, phantom.lungs).array, at_centre.array)
    with pytest.raises(medimg.ArgumentError, match="seed_radius"):
        medimg.classic.segment_nodule(phantom.ct, beside, phantom.lungs, seed_radius=1.0)
    # Bare (Z, Y, X) arrays with a spacing: world = index * spacing (origin 0, identity axes).
    spacing = phantom.ct.spacing
    centre = np.asarray(nodule.index, float)[::-1] * np.asarray(spacing)[::-1]
    found = medimg.classic.segment_nodule(phantom.ct.array[0], centre, phantom.lungs.array[0],
                                          spacing=spacing)
    np.testing.assert_array_equal(found.array, at_centre.array)


def test_bad_input():
    phantom = medimg.phantoms.ct_phantom(shape=(32, 64, 64), seed=1, nodules=1,
                                         nodule_diameter=(10.0, 10.0))
    ct, lungs, centre = phantom.ct, phantom.lungs, phantom.nodules[0].centre
    far = ct.geometry.index_to_world(np.array([40.0, 10.0, 10.0]))
    with pytest.raises(medimg.ArgumentError, match="outside the image"):
        medimg.classic.segment_nodule(ct, far)
    with pytest.raises(medimg.ArgumentError, match="finite"):
        medimg.classic.segment_nodule(ct, (np.nan, 0.0, 0.0))
    with pytest.raises(medimg.ArgumentError, match="three numbers"):
        medimg.classic.segment_nodule(ct, (1.0, 2.0))
    with pytest.raises(medimg.ArgumentError, match="three numbers"):
        medimg.classic.segment_nodule(ct, "centre")
    with pytest.raises(medimg.ShapeError, match="one-channel 3D"):
        medimg.classic.segment_nodule(medimg.Image(np.zeros((1, 8, 8), np.float32)), (0, 0, 0))
    with pytest.raises(medimg.ShapeError, match="lung mask"):
        medimg.classic.segment_nodule(ct, centre, np.zeros((1, 8, 8, 8), np.uint8))
    with pytest.raises(medimg.ArgumentError, match="opening_radius"):
        medimg.classic.segment_nodule(ct, centre, opening_radius=-1)
    with pytest.raises(medimg.ArgumentError, match="max_diameter"):
        medimg.classic.segment_nodule(ct, centre, max_diameter=0)
    nan = ct.array.copy()
    nan[0, 1, 1, 1] = np.nan
    with pytest.raises(medimg.ArgumentError, match="NaN"):
        medimg.classic.segment_nodule(medimg.Image(nan, spacing=ct.spacing), centre)
    # Aerated lung only near the seed: nothing above the threshold, a clear error.
    in_air = ct.array.copy()
    in_air[0][ndi.binary_dilation(phantom.nodule_labels.array[0] > 0, iterations=4)] = -850.0
    with pytest.raises(medimg.ArgumentError, match="no voxel above -550"):
        medimg.classic.segment_nodule(ct.with_tensor(torch.from_numpy(in_air)), centre, lungs)
