"""NIfTI reading and writing against nibabel as the independent reference."""

import gzip
import shutil
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
import torch

import medimg

NIFTI_DIR = Path(__file__).resolve().parents[1] / "data" / "nifti"
BUNDLED = sorted(p for p in NIFTI_DIR.iterdir()
                 if p.name.endswith((".nii", ".nii.gz", ".img"))
                 or p.name == "anatomical_pair.hdr")

# nibabel's (i, j, k) index -> medimg's (k, j, i) array order, and RAS -> LPS.
_FLIP = np.diag([-1.0, -1.0, 1.0, 1.0])
_KJI_TO_IJK = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]], float)


def lps_array_affine(ras_ijk):
    """nibabel's RAS (i, j, k) affine as medimg's LPS (k, j, i) affine: F @ A @ P."""
    return _FLIP @ ras_ijk @ _KJI_TO_IJK


def ras_ijk_affine(lps_kji):
    """The inverse of lps_array_affine (the map is its own inverse)."""
    return _FLIP @ lps_kji @ _KJI_TO_IJK


def nibabel_voxels(img):
    """nibabel's array [i, j, k, t, ...] as medimg's (C, Z, Y, X), t fastest in C."""
    a = np.asanyarray(img.dataobj)
    if a.dtype.names:  # RGB24 / RGBA32: a structured array of uint8 fields
        fields = [a[name] for name in a.dtype.names]
        a = np.stack(fields, axis=-1)  # [i, j, k(, t), rgb]
        a = a.reshape(a.shape[:3] + (-1, len(fields)), order="F")
        a = a.transpose(3, 4, 2, 1, 0).reshape(-1, *a.shape[2::-1])
        return a
    a = a.reshape(a.shape + (1,) * (3 - a.ndim))
    return a.reshape(a.shape[:3] + (-1,), order="F").transpose(3, 2, 1, 0)


def expected_dtype(img):
    """medimg's dtype rule: the stored one, unsigned 16/32-bit widened, scaled to float."""
    stored = img.get_data_dtype()
    if stored.names:
        return np.dtype(np.uint8)
    slope, inter = img.dataobj.slope, img.dataobj.inter  # the header's, as loaded
    if (slope, inter) != (1.0, 0.0):
        return np.dtype(np.float64 if stored.itemsize >= 4 and stored.kind in "iuf"
                        and stored != np.float32 else np.float32)
    return {np.dtype(np.uint16): np.dtype(np.int32),
            np.dtype(np.uint32): np.dtype(np.int64)}.get(stored.newbyteorder("="),
                                                        stored.newbyteorder("="))


def assert_reads_like_nibabel(path):
    ref = nib.load(path)
    im = medimg.io.read_nifti(path)
    voxels = nibabel_voxels(ref)
    assert im.array.dtype == expected_dtype(ref)
    assert im.shape == voxels.shape
    # Exact: medimg's float32 equals nibabel's float64 rounded once.
    np.testing.assert_array_equal(im.array, voxels.astype(im.array.dtype))
    np.testing.assert_allclose(im.affine, lps_array_affine(ref.affine), rtol=0, atol=1e-9)
    return im, ref


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_every_bundled_file_reads_like_nibabel(path):
    im, ref = assert_reads_like_nibabel(path)
    assert im.meta["sform_code"] == int(ref.header["sform_code"])
    assert im.meta["qform_code"] == int(ref.header["qform_code"])


def test_axes_spacing_and_metadata_of_a_4d_file():
    im = medimg.io.read_nifti(NIFTI_DIR / "example4d.nii.gz")
    ref = nib.load(NIFTI_DIR / "example4d.nii.gz")
    assert ref.shape == (128, 96, 24, 2) and im.shape == (2, 24, 96, 128)
    np.testing.assert_allclose(im.spacing, ref.header.get_zooms()[2::-1], rtol=1e-6)
    assert im.array[1, 5, 7, 9] == np.asanyarray(ref.dataobj)[9, 7, 5, 1]
    assert im.meta["repetition_time"] == pytest.approx(float(ref.header["pixdim"][4]))
    assert im.meta["time_units"] == ref.header.get_xyzt_units()[1][:1]  # "sec" -> "s"
    # A C string: this file's descrip is "FSL3.3\0 v2.25 NIfTI-1 ...", read up to the NUL.
    assert im.meta["descrip"] == ref.header["descrip"].item().split(b"\0")[0].decode() == "FSL3.3"
    assert im.meta["nifti_version"] == 1
    assert medimg.io.read_nifti(NIFTI_DIR / "example_nifti2.nii.gz").meta["nifti_version"] == 2


def test_sform_wins_over_qform_as_in_nibabel():
    both = medimg.io.read_nifti(NIFTI_DIR / "anatomical.nii")
    qform = medimg.io.read_nifti(NIFTI_DIR / "anatomical_qform_only.nii")
    sform = medimg.io.read_nifti(NIFTI_DIR / "anatomical_sform_only.nii")
    np.testing.assert_array_equal(both.affine, sform.affine)
    header = nib.load(NIFTI_DIR / "anatomical.nii").header
    np.testing.assert_allclose(qform.affine, lps_array_affine(header.get_qform()), atol=1e-9)


# Files nibabel writes, one per datatype and layout medimg reads.
def _nibabel_variants(tmp):
    rng = np.random.default_rng(0)
    shape = (5, 4, 3)
    oblique = nib.affines.from_matvec(
        nib.eulerangles.euler2mat(0.3, -0.2, 0.1) @ np.diag([0.7, 1.3, 2.5]), [10, -20, 30])
    made = {}

    def save(name, img):
        img.to_filename(tmp / name)
        made[name] = tmp / name

    for dtype, lo, hi in [(np.int8, -128, 128), (np.uint16, 0, 65536),
                          (np.uint32, 0, 2 ** 32), (np.int64, -2 ** 40, 2 ** 40),
                          (np.int32, -2 ** 31, 2 ** 31)]:
        data = rng.integers(lo, hi, shape).astype(dtype)
        save(f"{np.dtype(dtype).name}.nii", nib.Nifti1Image(data, oblique, dtype=dtype))
    floats = rng.normal(size=shape)
    floats[1, 2, 0] = np.nan
    floats[0, 0, 1] = -np.inf
    save("float64_nan.nii.gz", nib.Nifti1Image(floats, oblique, dtype=np.float64))
    rgb = np.zeros(shape + (2,), dtype=[("R", "u1"), ("G", "u1"), ("B", "u1")])
    for name in "RGB":
        rgb[name] = rng.integers(0, 256, rgb.shape)
    save("rgb24_4d.nii", nib.Nifti1Image(rgb, oblique))
    save("plane_2d.nii", nib.Nifti1Image(rng.integers(0, 99, (6, 7)).astype(np.int16), oblique))
    save("pair2.hdr", nib.Nifti2Pair(floats.astype(np.float32), oblique))
    gz_pair = nib.Nifti1Pair(rng.integers(0, 255, shape).astype(np.uint8), oblique)
    gz_pair.to_filename(tmp / "gzpair.hdr")
    for ext in ("hdr", "img"):
        with open(tmp / f"gzpair.{ext}", "rb") as src, \
                gzip.open(tmp / f"gzpair.{ext}.gz", "wb") as dst:
            shutil.copyfileobj(src, dst)
        (tmp / f"gzpair.{ext}").unlink()
    made["gzpair.hdr.gz"] = tmp / "gzpair.hdr.gz"
    qform_only = nib.Nifti1Image(rng.integers(0, 9, shape).astype(np.int16), None)
    flipped = oblique @ np.diag([1, 1, -1, 1])  # qfac = -1
    qform_only.set_qform(flipped, code=1)
    qform_only.set_sform(None, code=0)
    save("qform_qfac.nii", qform_only)
    bare = nib.Nifti1Image(rng.integers(0, 9, shape).astype(np.int16), None)
    bare.header.set_zooms((0.5, 2.0, 3.0))
    bare.set_qform(None, code=0)
    bare.set_sform(None, code=0)
    save("no_xform.nii", bare)
    for name, dtype, slope, inter in [("scaled_u8.nii", np.uint8, 0.25, -3.0),
                                      ("scaled_i32.nii", np.int32, 1e-3, 7.5)]:
        img = nib.Nifti1Image(rng.integers(0, 200, shape).astype(dtype), oblique, dtype=dtype)
        img.header.set_slope_inter(slope, inter)
        img.to_filename(tmp / name)
        made[name] = tmp / name
    return made


def test_every_datatype_and_layout_nibabel_writes_reads_like_nibabel(tmp_path):
    variants = _nibabel_variants(tmp_path)
    for name, path in variants.items():
        im, ref = assert_reads_like_nibabel(path)
        if name == "float64_nan.nii.gz":
            assert np.isnan(im.array[0, 0, 2, 1]) and im.array[0, 1, 0, 0] == -np.inf
        if name == "rgb24_4d.nii":
            assert im.shape == (6, 3, 4, 5)  # (t, rgb) -> 6 channels
        if name == "plane_2d.nii":
            assert im.shape == (1, 1, 7, 6)
        if name.startswith("scaled"):
            assert im.meta["scl_slope"] == ref.dataobj.slope
    assert medimg.io.read_nifti(variants["uint16.nii"]).array.max() > 32767
    assert medimg.io.read_nifti(variants["uint32.nii"]).array.max() > 2 ** 31


def _oblique_geometry(spacing):
    angle = 0.4
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])
    tilt = np.array([[1, 0, 0], [0, np.cos(0.2), -np.sin(0.2)], [0, np.sin(0.2), np.cos(0.2)]])
    return dict(spacing=spacing, origin=(-12.5, 40.25, 7.0), direction=rot @ tilt)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.int64,
                                   np.float32, np.float64, bool])
@pytest.mark.parametrize("version", [1, 2])
def test_written_files_read_back_in_nibabel(tmp_path, dtype, version):
    rng = np.random.default_rng(3)
    array = (rng.normal(size=(1, 4, 5, 6)) * 100).astype(dtype)
    image = medimg.Image(array, **_oblique_geometry((2.5, 0.75, 1.25)))
    path = tmp_path / "x.nii.gz"
    medimg.io.write_nifti(path, image, version=version)
    ref = nib.load(path)
    assert isinstance(ref, nib.Nifti1Image if version == 1 else nib.Nifti2Image)
    expected = array.astype(np.uint8) if dtype is bool else array
    np.testing.assert_array_equal(nibabel_voxels(ref), expected)
    assert ref.get_data_dtype() == (np.uint8 if dtype is bool else dtype)
    # NIfTI-1 keeps the sform in float32, NIfTI-2 in float64.
    tolerance = 1e-5 if version == 1 else 1e-12
    np.testing.assert_allclose(ras_ijk_affine(image.affine), ref.affine, rtol=0, atol=tolerance)
    np.testing.assert_allclose(ref.header.get_qform(), ref.affine, rtol=0, atol=1e-4)
    assert int(ref.header["sform_code"]) == 1 and int(ref.header["qform_code"]) == 1


def test_axis_aligned_float32_affines_round_trip_exactly(tmp_path):
    image = medimg.Image(np.zeros((1, 3, 4, 5), np.int16), spacing=(3.0, 0.5, 0.75),
                         origin=(-100.5, 20.25, 8.0))
    medimg.io.write_nifti(tmp_path / "x.nii", image)
    ref = nib.load(tmp_path / "x.nii")
    np.testing.assert_array_equal(ras_ijk_affine(image.affine), ref.affine)
    np.testing.assert_array_equal(ref.header.get_qform(), ref.affine)
    np.testing.assert_array_equal(ref.header.get_zooms(), (0.75, 0.5, 3.0))


def test_channels_become_time_and_2d_images_are_written_as_2d(tmp_path):
    series = np.arange(3 * 2 * 4 * 5, dtype=np.float32).reshape(3, 2, 4, 5)
    image = medimg.Image(series, spacing=(2.0, 1.0, 1.5), meta={"repetition_time": 2.5})
    medimg.io.write_nifti(tmp_path / "t.nii", image)
    ref = nib.load(tmp_path / "t.nii")
    assert ref.shape == (5, 4, 2, 3)
    assert ref.header.get_zooms() == (1.5, 1.0, 2.0, 2.5)
    np.testing.assert_array_equal(nibabel_voxels(ref), series)

    plane = medimg.Image(np.arange(12, dtype=np.int16).reshape(1, 3, 4), spacing=(0.5, 0.25),
                         origin=(1.0, 2.0, 3.0))
    medimg.io.write_nifti(tmp_path / "p.nii", plane)
    ref = nib.load(tmp_path / "p.nii")
    assert ref.shape == (4, 3)
    np.testing.assert_array_equal(np.asanyarray(ref.dataobj).T, plane.array[0])
    back = medimg.io.read_nifti(tmp_path / "p.nii")
    assert back.shape == (1, 1, 3, 4)
    np.testing.assert_allclose(back.spacing[1:], plane.spacing)
    np.testing.assert_allclose(back.origin, plane.origin)
    np.testing.assert_allclose(back.direction[:, :2], plane.direction[:, :2], atol=1e-7)


@pytest.mark.parametrize("name", ["x.nii", "x.nii.gz"])
def test_medimg_round_trip_keeps_voxels_geometry_and_metadata(tmp_path, name):
    rng = np.random.default_rng(5)
    array = rng.normal(size=(2, 3, 4, 5)).astype(np.float32)
    meta = {"descrip": "round trip", "intent_code": 1002, "intent_name": "label",
            "sform_code": 2, "qform_code": 4, "repetition_time": 0.8, "time_units": "ms"}
    image = medimg.Image(array, meta=meta, **_oblique_geometry((1.5, 0.5, 0.8)))
    medimg.io.write_nifti(tmp_path / name, image)
    back = medimg.io.read_nifti(tmp_path / name)
    np.testing.assert_array_equal(back.array, array)
    assert back.geometry.is_close(image.geometry, 1e-5)
    for key, value in meta.items():
        assert back.meta[key] == pytest.approx(value), key
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_wide_images_switch_to_nifti2(tmp_path):
    wide = np.arange(40000, dtype=np.int8).reshape(1, 1, 1, 40000)
    medimg.io.write_nifti(tmp_path / "w.nii", wide)
    assert isinstance(nib.load(tmp_path / "w.nii"), nib.Nifti2Image)
    np.testing.assert_array_equal(medimg.io.read_nifti(tmp_path / "w.nii").array, wide)
    with pytest.raises(medimg.Unsupported, match="32767"):
        medimg.io.write_nifti(tmp_path / "w1.nii", wide, version=1)


# --- bad input, one test each -------------------------------------------------------------


def test_missing_file_is_an_io_error(tmp_path):
    with pytest.raises(medimg.IoError, match="no such file") as info:
        medimg.io.read_nifti(tmp_path / "missing.nii.gz")
    assert isinstance(info.value, OSError)


def test_pair_without_its_image_file_is_an_io_error():
    with pytest.raises(medimg.IoError, match=r"nifti1\.img: no such file"):
        medimg.io.read_nifti(NIFTI_DIR / "nifti1.hdr")
    with pytest.raises(medimg.IoError, match=r"nifti2\.img: no such file"):
        medimg.io.read_nifti(NIFTI_DIR / "nifti2.hdr")


def test_truncated_files_are_format_errors(tmp_path):
    raw = (NIFTI_DIR / "anatomical.nii").read_bytes()
    (tmp_path / "short.nii").write_bytes(raw[:-100])
    with pytest.raises(medimg.FormatError, match="truncated"):
        medimg.io.read_nifti(tmp_path / "short.nii")
    (tmp_path / "header.nii").write_bytes(raw[:200])
    with pytest.raises(medimg.FormatError, match="truncated header"):
        medimg.io.read_nifti(tmp_path / "header.nii")
    packed = (NIFTI_DIR / "example4d.nii.gz").read_bytes()
    (tmp_path / "short.nii.gz").write_bytes(gzip.compress(gzip.decompress(packed)[:-5000]))
    with pytest.raises(medimg.FormatError, match="truncated"):
        medimg.io.read_nifti(tmp_path / "short.nii.gz")
    (tmp_path / "cut.nii.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(medimg.FormatError):
        medimg.io.read_nifti(tmp_path / "cut.nii.gz")


@pytest.mark.parametrize("name", ["huge.nii", "huge.nii.gz"])
def test_a_header_claiming_10_to_the_12_voxels_fails_before_allocating(tmp_path, name):
    header = nib.Nifti1Header()
    header.set_data_dtype(np.float32)
    header.set_data_shape((10000, 10000, 10000))
    data = header.binaryblock + b"\0" * 4 + b"\0" * 1000
    (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    with pytest.raises(medimg.FormatError, match="4000000000000 voxel bytes"):
        medimg.io.read_nifti(tmp_path / name)


def test_not_a_nifti_file_is_a_format_error(tmp_path):
    (tmp_path / "text.nii").write_bytes(b"hello " * 100)
    with pytest.raises(medimg.FormatError, match="sizeof_hdr"):
        medimg.io.read_nifti(tmp_path / "text.nii")
    analyze = bytearray((NIFTI_DIR / "anatomical.nii").read_bytes())
    analyze[344:348] = b"\0\0\0\0"
    (tmp_path / "analyze.nii").write_bytes(bytes(analyze))
    with pytest.raises(medimg.FormatError, match="magic"):
        medimg.io.read_nifti(tmp_path / "analyze.nii")


def test_unsupported_datatypes(tmp_path):
    nib.Nifti1Image(np.ones((2, 2, 2), np.complex64), np.eye(4)).to_filename(tmp_path / "c.nii")
    with pytest.raises(medimg.Unsupported, match="COMPLEX64"):
        medimg.io.read_nifti(tmp_path / "c.nii")
    with pytest.raises(medimg.Unsupported, match="float32 and float64"):
        medimg.io.write_nifti(tmp_path / "h.nii", torch.zeros(1, 2, 2, 2, dtype=torch.float16))
    with pytest.raises(medimg.ArgumentError, match=r"\.nii or \.nii\.gz"):
        medimg.io.write_nifti(tmp_path / "x.png", np.zeros((1, 2, 2, 2), np.uint8))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.nii"]


def test_unwritable_targets_leave_nothing(tmp_path):
    image = np.zeros((1, 2, 3, 4), np.int16)
    with pytest.raises(OSError, match="folder does not exist"):
        medimg.io.write_nifti(tmp_path / "missing" / "x.nii.gz", image)
    (tmp_path / "taken.nii").mkdir()  # a folder where the file should go: the rename fails
    with pytest.raises(medimg.IoError, match="cannot replace"):
        medimg.io.write_nifti(tmp_path / "taken.nii", image)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.nii"]
    assert not any((tmp_path / "taken.nii").iterdir())


def test_damaged_copies_never_crash(tmp_path):
    """Truncations at many lengths and header byte flips, plain and gzipped: each reads
    cleanly or raises a medimg error (a crash would end the test process)."""
    rng = np.random.default_rng(11)
    for source in ["anatomical.nii", "example_nifti2.nii.gz", "standard.nii.gz"]:
        raw = (NIFTI_DIR / source).read_bytes()
        plain = gzip.decompress(raw) if source.endswith(".gz") else raw
        cases = [plain[:n] for n in rng.integers(0, len(plain), 40)]
        for _ in range(150):
            flipped = bytearray(plain)
            flipped[int(rng.integers(0, min(548, len(plain))))] = int(rng.integers(0, 256))
            cases.append(bytes(flipped))
        cases += [raw[:n] for n in rng.integers(0, len(raw), 10)]  # cut gzip streams
        for i, case in enumerate(cases):
            for name, content in [(f"c{i}.nii", case), (f"c{i}.nii.gz", gzip.compress(case))]:
                (tmp_path / name).write_bytes(content)
                try:
                    medimg.io.read_nifti(tmp_path / name)
                except (medimg.FormatError, medimg.Unsupported):
                    pass
