"""The CT phantom: its truth is what it says (tissues, lungs, nodules, geometry)."""

import numpy as np
import pytest
import scipy.ndimage as ndi

import medimg
from medimg.phantoms import ct_phantom


@pytest.fixture(scope="module")
def phantom():
    return ct_phantom(shape=(64, 112, 112), spacing=(3.0, 2.5, 2.5), nodules=6,
                      nodule_diameter=(8, 18), seed=3)


def test_one_seed_one_phantom():
    a = ct_phantom(shape=(24, 48, 48), spacing=(8, 6, 6), nodules=1, nodule_diameter=(10, 12),
                   seed=1)
    b = ct_phantom(shape=(24, 48, 48), spacing=(8, 6, 6), nodules=1, nodule_diameter=(10, 12),
                   seed=1)
    c = ct_phantom(shape=(24, 48, 48), spacing=(8, 6, 6), nodules=1, nodule_diameter=(10, 12),
                   seed=2)
    np.testing.assert_array_equal(a.ct.array, b.ct.array)
    assert not np.array_equal(a.ct.array, c.ct.array)


def test_tissues_have_their_hounsfield_units(phantom):
    ct, lungs = phantom.ct.array[0], phantom.lungs.array[0]
    nodules = phantom.nodule_labels.array[0] > 0
    parenchyma = ndi.binary_erosion(lungs > 0, iterations=2) & ~ndi.binary_dilation(nodules, iterations=2)
    assert abs(np.median(ct[parenchyma]) + 850) < 5
    assert abs(ct[0, 0, 0] + 1000) < 80  # air in the corner, noise sigma 15
    assert abs(np.median(ct[:, :3, :3]) + 1000) < 5
    assert ct.max() > 400  # bone


def test_partial_volume_mixes_tissues_at_the_lung_border():
    clean = ct_phantom(shape=(64, 112, 112), spacing=(3.0, 2.5, 2.5), nodules=0, noise_std=0)
    ct, lungs = clean.ct.array[0], clean.lungs.array[0] > 0
    border = ndi.binary_dilation(lungs) ^ ndi.binary_erosion(lungs)
    mixed = (ct > -840) & (ct < 30)  # strictly between lung and soft tissue
    assert mixed[border].mean() > 0.9
    assert mixed[~border].mean() < 0.15


def test_geometry_is_lps_with_the_left_lung_at_positive_x(phantom):
    lungs = phantom.lungs
    assert lungs.spacing == (3.0, 2.5, 2.5)
    for label, sign in ((1, -1), (2, 1)):
        centroid = np.array(ndi.center_of_mass(lungs.array[0] == label))
        world = lungs.geometry.index_to_world(centroid)
        assert np.sign(world[0]) == sign
    np.testing.assert_allclose(phantom.ct.geometry.index_to_world(np.array([31.5, 55.5, 55.5])),
                               [0, 0, 0], atol=1e-9)
    volume_ml = (lungs.array > 0).sum() * np.prod(lungs.spacing) / 1000
    assert 1500 < volume_ml < 4000


def test_nodules_are_where_the_list_says(phantom):
    labels = phantom.nodule_labels.array[0]
    lungs = phantom.lungs.array[0]
    assert len(phantom.nodules) == 6
    for k, nodule in enumerate(phantom.nodules, start=1):
        mask = labels == k
        assert 8 <= nodule.diameter <= 18 and nodule.lung in (1, 2)
        assert (lungs[mask] == nodule.lung).all()
        centroid = np.array(ndi.center_of_mass(mask))
        np.testing.assert_allclose(centroid, nodule.index, atol=0.5)
        np.testing.assert_allclose(phantom.ct.geometry.index_to_world(nodule.index), nodule.centre,
                                   atol=1e-9)
        volume = mask.sum() * np.prod(phantom.ct.spacing)
        assert volume == pytest.approx(np.pi / 6 * nodule.diameter ** 3, rel=0.3)
        core_hu = phantom.ct.array[0][tuple(np.round(nodule.index).astype(int))]
        assert core_hu > -150  # solid, or the solid core of a part-solid nodule


def test_bad_options():
    with pytest.raises(medimg.ArgumentError):
        ct_phantom(shape=(8, 64, 64))
    with pytest.raises(medimg.ArgumentError):
        ct_phantom(spacing=(0, 1, 1))
    with pytest.raises(medimg.ArgumentError):
        ct_phantom(nodule_diameter=(5, 50))
    with pytest.raises(medimg.ArgumentError):
        ct_phantom(shape=(16, 16, 16), spacing=(1, 1, 1), nodules=40, nodule_diameter=(30, 40))
