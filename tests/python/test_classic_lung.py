"""lung_mask and nodule_candidates on CT phantoms with known truth and on the three real
LIDC-IDRI chest CTs, whose radiologists' XML contours give the reference nodules."""

import numpy as np
import pytest
import scipy.ndimage as ndi

import medimg
from dicom_reference import shared_data

LIDC = shared_data() / "lidc_idri_subset"
XML = {"LIDC-IDRI-0001": "annotations_69.xml", "LIDC-IDRI-0002": "annotations_71.xml",
       "LIDC-IDRI-0003": "annotations_72.xml"}
needs_lidc = pytest.mark.skipif(not LIDC.is_dir(), reason="../shared/data is not beside the repo")


def dice(a, b):
    return 2.0 * np.count_nonzero(a & b) / (np.count_nonzero(a) + np.count_nonzero(b))


@pytest.fixture(scope="module", params=[0, 1, 2])
def phantom(request):
    return medimg.phantoms.ct_phantom(seed=request.param, nodules=6, nodule_diameter=(4.0, 20.0))


@pytest.fixture(scope="module")
def lidc():
    return {case: medimg.io.read_dicom_series(LIDC / case) for case in XML}


def test_lung_mask_equals_the_phantom_lungs(phantom):
    found = medimg.classic.lung_mask(phantom.ct)
    labels, truth = found.array[0], phantom.lungs.array[0]
    assert found.array.dtype == np.uint8
    assert np.allclose(found.affine, phantom.ct.affine)
    assert dice(labels > 0, truth > 0) >= 0.98
    for side in (1, 2):  # right and left named as the phantom names them
        assert dice(labels == side, truth == side) >= 0.98


def test_joined_lungs_are_split(phantom):
    # A slab of air across the mediastinum joins the lungs into one component.
    hu = phantom.ct.array.copy()
    truth = phantom.lungs.array[0]
    z, y = truth.shape[0] // 2, truth.shape[1] // 2
    xs = np.nonzero(truth[z, y] > 0)[0]
    bridge = np.zeros(truth.shape, bool)
    bridge[z - 2:z + 3, y - 3:y + 3, xs.min():xs.max() + 1] = True
    hu[0][bridge] = -900
    air, _ = ndi.label(hu[0] < -320)
    assert air[z, y, xs.min()] == air[z, y, xs.max()]
    labels = medimg.classic.lung_mask(medimg.Image(hu, spacing=phantom.ct.spacing)).array[0]
    assert set(np.unique(labels)) == {0, 1, 2}
    outside = ~bridge
    for side in (1, 2):
        assert dice((labels == side) & outside, (truth == side) & outside) >= 0.97


def test_nodule_candidates_find_every_phantom_nodule(phantom):
    lungs = medimg.classic.lung_mask(phantom.ct)
    candidates = medimg.classic.nodule_candidates(phantom.ct, lungs)
    centres = np.array([c.centre for c in candidates])
    for nodule in phantom.nodules:
        if nodule.diameter < 4.0:
            continue
        distance = np.linalg.norm(centres - np.asarray(nodule.centre), axis=1).min()
        assert distance <= max(nodule.diameter / 2, 2.5), (nodule.diameter, distance)
    # Candidates are dense, inside the default diameter range, largest first, and centred
    # in the lungs (a curved blob's centroid may fall just outside: most, not all).
    assert all(3.0 <= c.diameter <= 35.0 and c.mean_hu > -550 for c in candidates)
    assert [c.diameter for c in candidates] == sorted((c.diameter for c in candidates),
                                                      reverse=True)
    inside = [lungs.array[0][tuple(np.round(c.index).astype(int))] > 0 for c in candidates]
    assert np.mean(inside) >= 0.8


@needs_lidc
@pytest.mark.parametrize("case", XML)
def test_lidc_lung_masks_are_plausible(lidc, case):
    ct = lidc[case]
    labels = medimg.classic.lung_mask(ct).array[0]
    hu = ct.array[0]
    voxel_ml = np.prod(ct.spacing) / 1000.0
    volumes = [np.count_nonzero(labels == side) * voxel_ml for side in (1, 2)]
    slab_cm = hu.shape[0] * ct.spacing[0] / 10.0
    # Each lung: 15-160 cm^3 per cm of slab (adult lungs: ~40-80 cm^2 cross-section each).
    for volume in volumes:
        assert 15 * slab_cm <= volume <= 160 * slab_cm, (volumes, slab_cm)
    assert 0.5 <= volumes[0] / volumes[1] <= 2.0
    # Right (label 1) is on the patient's right: smaller world x in LPS.
    xs = []
    for side in (1, 2):
        index = np.argwhere(labels == side).mean(axis=0)
        xs.append((ct.affine @ np.r_[index, 1.0])[0])
    assert xs[0] < xs[1]
    # Mostly parenchyma: the median HU inside is that of aerated lung.
    assert -950 <= np.median(hu[labels > 0]) <= -700
    # It covers scipy's plain reading (air not connected to the border, holes filled).
    air = hu < -320
    lab, _ = ndi.label(air)
    border = np.unique(np.r_[lab[:, 0].ravel(), lab[:, -1].ravel(), lab[:, :, 0].ravel(),
                             lab[:, :, -1].ravel()])
    plain = air & ~np.isin(lab, border)
    plain = np.stack([ndi.binary_fill_holes(s) for s in plain])
    assert np.count_nonzero(plain & (labels > 0)) >= 0.97 * np.count_nonzero(plain)


def reference_nodules(case, ct):
    """Centres and diameters of the nodules the readers outlined entirely inside the subset."""
    found = []
    for reading in medimg.io.read_lidc_xml(LIDC / case / XML[case]).readings:
        for nodule in reading.nodules:
            if nodule.is_small:
                continue
            mask, skipped = medimg.io.lidc_nodule_mask(nodule, ct)
            if skipped:
                continue
            volume = np.count_nonzero(mask.array) * np.prod(ct.spacing)
            centre = np.asarray(medimg.io.lidc_nodule_centre(nodule, ct)[0])
            found.append((centre, (6 * volume / np.pi) ** (1 / 3)))
    return found


@needs_lidc
@pytest.mark.parametrize("case", ["LIDC-IDRI-0001", "LIDC-IDRI-0003"])
def test_candidates_find_the_radiologists_nodules(lidc, case):
    ct = lidc[case]
    candidates = medimg.classic.nodule_candidates(ct, medimg.classic.lung_mask(ct))
    centres = np.array([c.centre for c in candidates])
    references = reference_nodules(case, ct)
    assert references
    for centre, diameter in references:
        distance = np.linalg.norm(centres - centre, axis=1).min()
        assert distance <= diameter / 2, (case, centre, diameter, distance)


def test_bad_input():
    ct = medimg.phantoms.ct_phantom(shape=(16, 32, 32), nodules=0).ct
    with pytest.raises(medimg.ShapeError, match="one-channel 3D"):
        medimg.classic.lung_mask(medimg.Image(np.zeros((1, 8, 8), np.float32)))
    nan = ct.array.copy()
    nan[0, 3, 3, 3] = np.nan
    with pytest.raises(medimg.ArgumentError, match="NaN"):
        medimg.classic.lung_mask(medimg.Image(nan))
    with pytest.raises(medimg.ArgumentError, match="closing_radius"):
        medimg.classic.lung_mask(ct, closing_radius=-1)
    with pytest.raises(medimg.ShapeError, match="lung mask"):
        medimg.classic.nodule_candidates(ct, np.zeros((1, 8, 8, 8), np.uint8))
    with pytest.raises(medimg.ArgumentError, match="min_diameter"):
        medimg.classic.nodule_candidates(ct, medimg.classic.lung_mask(ct), min_diameter=10,
                                         max_diameter=5)
    # Defined results: soft tissue only gives no lungs and no candidates.
    tissue = medimg.Image(np.full((1, 8, 16, 16), 40.0, np.float32))
    empty = medimg.classic.lung_mask(tissue)
    assert not empty.array.any()
    assert medimg.classic.nodule_candidates(tissue, empty) == []
