"""write_nifti to .hdr/.img pairs (NIfTI-1 and NIfTI-2, plain or gzipped) against nibabel's
Nifti1Pair / Nifti2Pair as the independent reader."""

import nibabel as nib
import numpy as np
import pytest

import medimg

# nibabel's RAS (i, j, k) affine <-> medimg's LPS (k, j, i) affine (the map is an involution).
_FLIP = np.diag([-1.0, -1.0, 1.0, 1.0])
_KJI_TO_IJK = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]], float)


def ras_ijk_affine(lps_kji):
    return _FLIP @ lps_kji @ _KJI_TO_IJK


def oblique_image(array):
    c, s = np.cos(0.3), np.sin(0.3)
    direction = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    return medimg.Image(array, spacing=(2.5, 0.75, 1.25), origin=(-12.5, 40.25, 7.0),
                        direction=direction)


@pytest.mark.parametrize("name,header,voxels", [
    ("x.hdr", "x.hdr", "x.img"),
    ("x.img", "x.hdr", "x.img"),
    ("x.hdr.gz", "x.hdr.gz", "x.img.gz"),
    ("x.img.gz", "x.hdr.gz", "x.img.gz"),
])
@pytest.mark.parametrize("version", [1, 2])
def test_pairs_read_back_in_nibabel(tmp_path, name, header, voxels, version):
    rng = np.random.default_rng(7)
    array = rng.integers(-30000, 30000, size=(2, 3, 4, 5)).astype(np.int16)
    image = oblique_image(array)
    medimg.io.write_nifti(tmp_path / name, image, version=version)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([header, voxels])
    ref = nib.load(tmp_path / header)
    assert isinstance(ref, nib.Nifti1Pair if version == 1 else nib.Nifti2Pair)
    assert not isinstance(ref, nib.Nifti1Image)  # a pair, not a single file
    assert int(ref.header["vox_offset"]) == 0
    # nibabel's a[i, j, k, t] is medimg's (t, k, j, i).
    np.testing.assert_array_equal(np.asanyarray(ref.dataobj).transpose(3, 2, 1, 0), array)
    tolerance = 1e-5 if version == 1 else 1e-12  # NIfTI-1 keeps the sform in float32
    np.testing.assert_allclose(ref.affine, ras_ijk_affine(image.affine), rtol=0, atol=tolerance)
    back = medimg.io.read_nifti(tmp_path / voxels)
    np.testing.assert_array_equal(back.array, array)
    np.testing.assert_allclose(back.affine, image.affine, rtol=0, atol=tolerance)


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float32, np.float64, bool])
def test_pair_dtypes_and_a_2d_image(tmp_path, dtype):
    array = (np.random.default_rng(2).normal(size=(1, 3, 4, 5)) * 50).astype(dtype)
    medimg.io.write_nifti(tmp_path / "v.hdr", medimg.Image(array, spacing=(3.0, 0.5, 0.75)))
    ref = nib.load(tmp_path / "v.hdr")
    assert ref.get_data_dtype() == (np.uint8 if dtype is bool else dtype)
    stored = array.astype(ref.get_data_dtype())
    np.testing.assert_array_equal(np.asanyarray(ref.dataobj).T[None], stored)
    # Axis-aligned float32 values: the affine round-trips exactly even in NIfTI-1.
    np.testing.assert_array_equal(ref.affine, ras_ijk_affine(
        medimg.Image(array, spacing=(3.0, 0.5, 0.75)).affine))

    plane = medimg.Image(np.arange(12, dtype=np.int16).reshape(1, 3, 4), spacing=(0.5, 0.25))
    medimg.io.write_nifti(tmp_path / "p.img", plane)
    ref = nib.load(tmp_path / "p.hdr")
    assert ref.shape == (4, 3)
    np.testing.assert_array_equal(np.asanyarray(ref.dataobj).T, plane.array[0])


def test_nibabel_pairs_and_medimg_pairs_agree(tmp_path):
    """A pair nibabel writes and the pair medimg writes from what medimg read of it hold the
    same voxels and affine."""
    array = np.arange(4 * 5 * 6, dtype=np.float32).reshape(6, 5, 4)  # nibabel's [i, j, k]
    affine = np.array([[-2.0, 0, 0, 32], [0, 2.5, 0, -40], [0, 0, 3.0, -16], [0, 0, 0, 1]])
    nib.Nifti1Pair(array, affine).to_filename(tmp_path / "nib.hdr")
    image = medimg.io.read_nifti(tmp_path / "nib.img")
    medimg.io.write_nifti(tmp_path / "mine.hdr", image)
    ours, theirs = nib.load(tmp_path / "mine.hdr"), nib.load(tmp_path / "nib.hdr")
    np.testing.assert_array_equal(np.asanyarray(ours.dataobj), np.asanyarray(theirs.dataobj))
    np.testing.assert_array_equal(ours.affine, theirs.affine)


def test_a_failed_pair_write_leaves_nothing(tmp_path):
    image = np.zeros((1, 2, 3, 4), np.int16)
    with pytest.raises(OSError, match="folder does not exist"):
        medimg.io.write_nifti(tmp_path / "missing" / "x.hdr", image)
    (tmp_path / "taken.img").mkdir()  # the voxels cannot replace a folder
    with pytest.raises(medimg.IoError, match="cannot replace"):
        medimg.io.write_nifti(tmp_path / "taken.hdr", image)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.img"]
    with pytest.raises(medimg.ArgumentError, match="hdr/.img"):
        medimg.io.write_nifti(tmp_path / ".hdr", image)
