"""The fundus phantom: its truth is what it says (field of view, lesion counts per grade,
lesion contrast, balanced and reproducible data sets)."""

import numpy as np
import pytest
import scipy.ndimage as ndi
import torch

import medimg
from medimg import _medimg
from medimg.phantoms import fundus_dataset, fundus_phantom

SIZE = 128
MA, HAEMORRHAGE, EXUDATE = 1, 2, 3


def components(lesions, kind):
    """Connected components of one lesion class (scipy's default 4-connectivity)."""
    return ndi.label(np.asarray(lesions) == kind)


def counts(lesions):
    return [components(lesions, kind)[1] for kind in (MA, HAEMORRHAGE, EXUDATE)]


def quadrants(lesions, kind, centre):
    labels, n = components(lesions, kind)
    centres = ndi.center_of_mass(labels > 0, labels, range(1, n + 1))
    return {(y > centre[1], x > centre[0]) for y, x in centres}


def test_types_shapes_and_ranges():
    image, lesions = fundus_phantom(2, SIZE, seed=5)
    assert isinstance(image, torch.Tensor) and image.dtype == torch.float32
    assert image.shape == (3, SIZE, SIZE)
    assert isinstance(lesions, torch.Tensor) and lesions.dtype == torch.uint8
    assert lesions.shape == (SIZE, SIZE)
    assert float(image.min()) >= 0.0 and float(image.max()) <= 1.0
    assert set(np.unique(lesions.numpy())) <= {0, 1, 2, 3}
    image, _ = fundus_phantom(0, 48, seed=1)
    assert image.shape == (3, 48, 48)


def test_one_seed_one_image():
    a, la = fundus_phantom(3, SIZE, seed=11)
    b, lb = fundus_phantom(3, SIZE, seed=11)
    c, lc = fundus_phantom(3, SIZE, seed=12)
    assert torch.equal(a, b) and torch.equal(la, lb)
    assert not torch.equal(a, c) and not torch.equal(la, lc)


def test_same_seed_same_eye_at_every_grade():
    # Anatomy and illumination come from the seed alone; the grades differ in lesions only.
    a = _medimg._fundus_phantom(0, SIZE, 4)
    b = _medimg._fundus_phantom(3, SIZE, 4)
    assert a.fov_centre == b.fov_centre and a.disc_centre == b.disc_centre
    untouched = ndi.binary_dilation(b.lesions.numpy() > 0, iterations=3)
    np.testing.assert_array_equal(a.image.numpy()[:, ~untouched], b.image.numpy()[:, ~untouched])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_black_outside_the_field_of_view(seed):
    p = _medimg._fundus_phantom(4, SIZE, seed)
    image = p.image.numpy()
    y, x = np.mgrid[:SIZE, :SIZE]
    d = np.hypot(x - p.fov_centre[0], y - p.fov_centre[1])
    assert np.all(image[:, d > p.fov_radius + 0.5] == 0)
    assert np.all(image[1, d < p.fov_radius - 2] > 0)  # the retina is never black
    # The documented bounds: centre within 2% of the middle, radius 0.45 ... 0.47 size.
    assert 0.45 * SIZE <= p.fov_radius <= 0.47 * SIZE
    middle = (SIZE - 1) / 2
    assert max(abs(c - middle) for c in p.fov_centre) <= 0.02 * SIZE
    r = np.hypot(x - middle, y - middle)
    assert np.all(image[:, r > 0.49 * SIZE + 1] == 0)
    # The corners: black in every image
    assert np.all(image[:, :8, :8] == 0) and np.all(image[:, -8:, -8:] == 0)


@pytest.mark.parametrize("seed", range(6))
def test_lesion_counts_follow_the_grade_rule(seed):
    found = {}
    for grade in range(5):
        p = _medimg._fundus_phantom(grade, SIZE, 100 + seed)
        lesions = p.lesions.numpy()
        ma, h, ex = counts(lesions)
        # One component per planted lesion
        kinds = [lesion.kind for lesion in p.lesion_list]
        assert [kinds.count(k) for k in (MA, HAEMORRHAGE, EXUDATE)] == [ma, h, ex]
        found[grade] = (ma, h, ex)
        if grade == 0:
            assert (ma, h, ex) == (0, 0, 0)
        elif grade == 1:
            assert 1 <= ma <= 4 and h == 0 and ex == 0
        elif grade == 2:
            assert 5 <= ma <= 10
            assert (1 <= h <= 3 and ex == 0) or (h == 0 and 1 <= ex <= 3)
        else:
            assert 5 <= ma <= 10 and 8 <= h <= 12
            assert quadrants(lesions, HAEMORRHAGE, p.fov_centre) == {
                (False, False), (False, True), (True, False), (True, True)}
            assert (0 <= ex <= 2) if grade == 3 else (8 <= ex <= 14)
        # Only grade 4 has new vessels (reported beside the lesion map, not in it).
        assert (p.new_vessels_radius > 0) == (grade == 4)


def test_lesions_inside_the_fov_and_off_the_disc():
    for grade in (3, 4):
        for seed in range(3):
            p = _medimg._fundus_phantom(grade, SIZE, seed)
            ys, xs = np.nonzero(p.lesions.numpy())
            d_fov = np.hypot(xs - p.fov_centre[0], ys - p.fov_centre[1])
            d_disc = np.hypot(xs - p.disc_centre[0], ys - p.disc_centre[1])
            assert d_fov.max() < 0.9 * p.fov_radius
            assert d_disc.min() > 1.2 * p.disc_radius


def lesion_contrast(image, lesions, kind):
    """(green inside, green of the ring 2-4 px around, excluding other lesions) per lesion."""
    labels, n = components(lesions, kind)
    green = image[1]
    pairs = []
    for k in range(1, n + 1):
        inside = labels == k
        ring = (ndi.binary_dilation(inside, iterations=4) & ~ndi.binary_dilation(inside, iterations=2)
                & (lesions == 0))
        pairs.append((green[inside].mean(), np.median(green[ring])))
    return np.array(pairs)


def test_lesions_differ_from_their_surroundings():
    ma, h, ex = [], [], []
    for seed in range(4):
        image, lesions = (t.numpy() for t in fundus_phantom(4, SIZE, seed))
        ma.append(lesion_contrast(image, lesions, MA))
        h.append(lesion_contrast(image, lesions, HAEMORRHAGE))
        ex.append(lesion_contrast(image, lesions, EXUDATE))
    ma, h, ex = np.concatenate(ma), np.concatenate(h), np.concatenate(ex)
    # Red lesions have less green than the retina around them, exudates much more.
    assert np.all(ma[:, 0] < ma[:, 1])
    assert np.all(h[:, 0] < h[:, 1] - 0.05)
    assert np.all(ex[:, 0] > ex[:, 1] + 0.2)


def test_illumination_varies_so_mean_colour_is_no_grade_label():
    images, grades, _ = fundus_dataset(40, 64, seed=3)
    means = images.mean(dim=(2, 3)).numpy()
    spread = means[:, 0].max() / means[:, 0].min()
    assert spread > 1.3  # brightness and colour vary by tens of percent between images
    # The red-channel mean of grade-0 and grade-4 images overlap.
    g0, g4 = means[grades.numpy() == 0, 0], means[grades.numpy() == 4, 0]
    assert g0.max() > g4.min() and g4.max() > g0.min()


def test_dataset_is_balanced_and_reproducible():
    images, grades, lesions = fundus_dataset(23, 64, seed=7)
    assert images.shape == (23, 3, 64, 64) and images.dtype == torch.float32
    assert grades.shape == (23,) and grades.dtype == torch.int64
    assert lesions.shape == (23, 64, 64) and lesions.dtype == torch.uint8
    per_grade = np.bincount(grades.numpy(), minlength=5)
    assert per_grade.max() - per_grade.min() <= 1
    for block in range(4):  # each block of five holds every grade once
        assert sorted(grades[5 * block:5 * block + 5].tolist()) == [0, 1, 2, 3, 4]
    assert grades[:5].tolist() != [0, 1, 2, 3, 4] or grades[5:10].tolist() != [0, 1, 2, 3, 4]
    # A prefix is the smaller data set; any case is its phantom alone.
    small = fundus_dataset(9, 64, seed=7)
    assert torch.equal(small[0], images[:9]) and torch.equal(small[1], grades[:9])
    assert torch.equal(small[2], lesions[:9])
    other = fundus_dataset(9, 64, seed=8)
    assert not torch.equal(other[0], images[:9])
    for k in (0, 4, 22):
        ma, h, ex = counts(lesions[k].numpy())
        assert (ma + h + ex == 0) == (grades[k] == 0)


def test_empty_dataset():
    images, grades, lesions = fundus_dataset(0, 32)
    assert images.shape == (0, 3, 32, 32) and grades.shape == (0,) and lesions.shape == (0, 32, 32)


@pytest.mark.parametrize("call", [
    lambda: fundus_phantom(5),
    lambda: fundus_phantom(-1),
    lambda: fundus_phantom(0, size=16),
    lambda: fundus_phantom(0, size=10000),
    lambda: fundus_dataset(-1),
    lambda: fundus_dataset(3, size=8),
])
def test_bad_arguments(call):
    with pytest.raises(medimg.ArgumentError):
        call()
