""".npz and MedMNIST reading against numpy.load as the reference."""

import importlib.util
import io
import zipfile

import numpy as np
import pytest
import torch

import medimg

DTYPES = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64",
          "float16", "float32", "float64", "complex64", "complex128"]
WIDENED = {"uint16": torch.int32, "uint32": torch.int64}


def sample(dtype, shape=(3, 4, 5), seed=0):
    """Random values over the dtype's whole range, in the dtype's byte order."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    native = dtype.newbyteorder("=")
    if dtype.kind == "b":
        values = rng.integers(0, 2, shape).astype(bool)
    elif dtype.kind in "iu":
        info = np.iinfo(native)
        values = rng.integers(info.min, info.max, shape, dtype=native, endpoint=True)
    elif dtype.kind == "c":
        values = rng.normal(size=shape) + 1j * rng.normal(size=shape)
    else:
        values = rng.normal(size=shape) * 1000
    return values.astype(dtype)


def assert_same(tensor, reference):
    """tensor holds exactly numpy's array (uint16/uint32 widened)."""
    assert isinstance(tensor, torch.Tensor)
    assert tuple(tensor.shape) == reference.shape
    assert tensor.is_contiguous()
    expected = reference.astype(reference.dtype.newbyteorder("="))
    if expected.dtype.name in WIDENED:
        assert tensor.dtype == WIDENED[expected.dtype.name]
        expected = expected.astype(np.int64)
    np.testing.assert_array_equal(tensor.numpy(), expected)


def assert_matches_numpy(path):
    arrays = medimg.io.read_npz(path)
    with np.load(path) as reference:
        assert list(arrays) == reference.files
        for name in reference.files:
            assert_same(arrays[name], reference[name])
    return arrays


@pytest.fixture
def pneumoniamnist(root_dir):
    path = root_dir.parent / "shared" / "data" / "medmnist" / "pneumoniamnist.npz"
    assert path.is_file(), f"{path} is missing: ../shared must lie beside the repository"
    return path


@pytest.mark.parametrize("save", [np.savez, np.savez_compressed])
@pytest.mark.parametrize("order", ["<", ">"])
def test_every_dtype_in_both_byte_orders_equals_numpy(tmp_path, save, order):
    arrays = {name: sample(np.dtype(name).newbyteorder(order)) for name in DTYPES}
    assert arrays["int32"].dtype.isnative == (order == "<")
    save(tmp_path / "a.npz", **arrays)
    assert_matches_numpy(tmp_path / "a.npz")


@pytest.mark.parametrize("save", [np.savez, np.savez_compressed])
def test_fortran_order_zero_d_and_empty_arrays_equal_numpy(tmp_path, save):
    save(tmp_path / "a.npz",
         fortran3d=np.asfortranarray(sample("float32", (2, 3, 4))),
         fortran_be=np.asfortranarray(sample(">i2", (5, 7))),
         fortran_u16=np.asfortranarray(sample("uint16", (4, 3))),
         scalar=np.array(3.25), scalar_bool=np.array(True),
         empty=np.zeros((0, 4), np.int16), empty3d=np.ones((2, 0, 3), np.uint8),
         vector=np.arange(7, dtype=np.int64))
    arrays = assert_matches_numpy(tmp_path / "a.npz")
    assert arrays["scalar"].dim() == 0 and arrays["scalar"].item() == 3.25
    assert arrays["empty3d"].shape == (2, 0, 3)


def test_unsigned_types_widen_exactly(tmp_path):
    np.savez(tmp_path / "u.npz", u16=np.array([0, 1, 32768, 65535], np.uint16),
             u32=np.array([0, 2**31, 2**32 - 1], np.uint32))
    arrays = medimg.io.read_npz(tmp_path / "u.npz")
    assert arrays["u16"].dtype == torch.int32 and arrays["u16"].tolist() == [0, 1, 32768, 65535]
    assert arrays["u32"].dtype == torch.int64 and arrays["u32"].tolist() == [0, 2**31, 2**32 - 1]


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
def test_npy_format_versions(tmp_path, version):
    array = sample("float64", (4, 5))
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, version=version)
    with zipfile.ZipFile(tmp_path / "v.npz", "w") as archive:
        archive.writestr("x.npy", buffer.getvalue())
    assert_matches_numpy(tmp_path / "v.npz")


def test_zip64_records_and_extra_fields(tmp_path, monkeypatch):
    # zipfile writes Zip64 end records and extra fields past ZIP64_LIMIT; lowering it makes a
    # small file use every Zip64 structure numpy writes for arrays over 4 GiB.
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 64)
    monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 2)
    np.savez(tmp_path / "z.npz", a=sample("int32"), b=sample("float32"), c=sample("uint8"))
    with open(tmp_path / "z.npz", "rb") as f:
        assert b"PK\x06\x06" in f.read()  # a Zip64 end-of-central-directory record
    monkeypatch.undo()
    assert_matches_numpy(tmp_path / "z.npz")


class _Unseekable(io.RawIOBase):
    """A write-only stream: zipfile then writes data descriptors after each member."""

    def __init__(self):
        self.data = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.data += b
        return len(b)


def test_members_with_data_descriptors(tmp_path):
    stream = _Unseekable()
    np.savez_compressed(stream, a=sample("int16"), b=sample(">f8"))
    (tmp_path / "d.npz").write_bytes(bytes(stream.data))
    with zipfile.ZipFile(tmp_path / "d.npz") as archive:
        assert all(info.flag_bits & 0x08 for info in archive.infolist())
    assert_matches_numpy(tmp_path / "d.npz")


def test_npz_file_reads_arrays_by_name(tmp_path):
    np.savez_compressed(tmp_path / "a.npz", first=np.arange(3), second=np.eye(2))
    npz = medimg.io.NpzFile(tmp_path / "a.npz")
    assert npz.names == ["first", "second"] == medimg.io.list_npz(tmp_path / "a.npz")
    assert "second" in npz and "second.npy" in npz and "third" not in npz
    assert npz.path == str(tmp_path / "a.npz")
    np.testing.assert_array_equal(npz.read("second").numpy(), np.eye(2))
    np.testing.assert_array_equal(npz.read("first.npy").numpy(), np.arange(3))
    with pytest.raises(medimg.ArgumentError, match="no array 'third'.*holds first, second"):
        npz.read("third")


def test_non_ascii_names_equal_numpy_keys(tmp_path):
    np.savez(tmp_path / "a.npz", **{"Straße_µ": np.arange(2), "plain": np.arange(3)})
    assert list(assert_matches_numpy(tmp_path / "a.npz")) == ["Straße_µ", "plain"]


def test_committed_fixtures_hold_what_their_script_writes(root_dir):
    folder = root_dir / "tests" / "data" / "npz"
    spec = importlib.util.spec_from_file_location("make_fixtures", folder / "make_fixtures.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for name, arrays in [("dtypes.npz", script.dtype_arrays()),
                         ("dtypes_compressed.npz", script.dtype_arrays()),
                         ("medmnist_rgb.npz", script.medmnist_rgb_arrays())]:
        read = assert_matches_numpy(folder / name)
        assert list(read) == list(arrays)
        for key, array in arrays.items():
            assert_same(read[key], array)
    assert sum((folder / name).stat().st_size for name in
               ["dtypes.npz", "dtypes_compressed.npz", "medmnist_rgb.npz"]) < 20_000


def test_real_pneumoniamnist_equals_numpy(pneumoniamnist):
    arrays = assert_matches_numpy(pneumoniamnist)
    assert list(arrays) == ["train_images", "train_labels", "val_images", "val_labels",
                            "test_images", "test_labels"]
    with np.load(pneumoniamnist) as reference:
        for split, n in [("train", 3882), ("val", 524), ("test", 624)]:
            images, labels = medimg.io.read_medmnist(pneumoniamnist, split)
            assert images.shape == (n, 1, 28, 28) and images.dtype == torch.uint8
            assert labels.shape == (n, 1) and labels.dtype == torch.int64
            np.testing.assert_array_equal(images[:, 0].numpy(), reference[f"{split}_images"])
            np.testing.assert_array_equal(labels.numpy(), reference[f"{split}_labels"])


def test_read_medmnist_layouts(tmp_path):
    rgb = sample("uint8", (5, 6, 7, 3))
    volumes = sample("uint8", (4, 8, 9, 10))
    np.savez_compressed(tmp_path / "m.npz", train_images=rgb, train_labels=np.arange(5),
                        val_images=volumes, val_labels=sample("uint8", (4, 14)) % 2,
                        test_images=sample("uint8", (2, 6, 7)),
                        test_labels=np.zeros((2, 1), np.uint8))
    images, labels = medimg.io.read_medmnist(tmp_path / "m.npz", "train")
    assert images.shape == (5, 3, 6, 7) and images.is_contiguous()
    np.testing.assert_array_equal(images.numpy(), rgb.transpose(0, 3, 1, 2))
    assert labels.shape == (5, 1) and labels.dtype == torch.int64
    images, labels = medimg.io.read_medmnist(tmp_path / "m.npz", "val")
    np.testing.assert_array_equal(images.numpy(), volumes[:, None])
    assert labels.shape == (4, 14)
    images, _ = medimg.io.read_medmnist(tmp_path / "m.npz", "test")
    assert images.shape == (2, 1, 6, 7)


# Bad input: each its own test, each a medimg exception naming the problem.

def test_missing_file_is_an_io_error(tmp_path):
    with pytest.raises(medimg.IoError, match="no such file") as raised:
        medimg.io.read_npz(tmp_path / "missing.npz")
    assert isinstance(raised.value, OSError) and raised.value.path == str(tmp_path / "missing.npz")
    with pytest.raises(OSError, match="not a regular file"):
        medimg.io.list_npz(tmp_path)


def test_not_a_zip_is_a_format_error(tmp_path):
    (tmp_path / "text.npz").write_text("hello, this is not a zip archive")
    with pytest.raises(medimg.FormatError, match="not a zip archive"):
        medimg.io.read_npz(tmp_path / "text.npz")
    np.save(tmp_path / "plain.npy", np.arange(3))
    with pytest.raises(medimg.FormatError, match="not a zip archive"):
        medimg.io.read_npz(tmp_path / "plain.npy")


def test_truncated_zip_is_a_format_error(tmp_path, pneumoniamnist):
    data = pneumoniamnist.read_bytes()
    for size in [10, 1000, len(data) // 2, len(data) - 30]:
        (tmp_path / "cut.npz").write_bytes(data[:size])
        with pytest.raises(medimg.FormatError):
            medimg.io.read_npz(tmp_path / "cut.npz")


def test_truncated_member_is_a_format_error(tmp_path):
    np.savez_compressed(tmp_path / "a.npz", x=sample("float64", (50, 50)))
    with zipfile.ZipFile(tmp_path / "a.npz") as archive:
        info = archive.getinfo("x.npy")
    data = bytearray((tmp_path / "a.npz").read_bytes())
    central = data.rindex(b"PK\x01\x02")
    data[central + 20:central + 24] = (info.compress_size // 3).to_bytes(4, "little")
    (tmp_path / "a.npz").write_bytes(bytes(data))
    with pytest.raises(medimg.FormatError, match="member 'x.npy': truncated deflate stream"):
        medimg.io.read_npz(tmp_path / "a.npz")


def test_crc_mismatch_is_a_format_error(tmp_path):
    np.savez(tmp_path / "a.npz", x=np.zeros(100, np.uint8))
    data = bytearray((tmp_path / "a.npz").read_bytes())
    data[data.index(b"\x00" * 100) + 50] = 7
    (tmp_path / "a.npz").write_bytes(bytes(data))
    with pytest.raises(zipfile.BadZipFile):  # numpy (zipfile) refuses it too
        np.load(tmp_path / "a.npz")["x"]
    with pytest.raises(medimg.FormatError, match="CRC-32 mismatch"):
        medimg.io.read_npz(tmp_path / "a.npz")


def test_huge_shape_is_a_format_error_before_allocating(tmp_path):
    np.savez(tmp_path / "a.npz", x=np.zeros((10, 10), np.float64))
    data = (tmp_path / "a.npz").read_bytes()
    # 10^12 float64 elements: 8 TB, more than any machine here could allocate.
    forged = data.replace(b"'shape': (10, 10), }", b"'shape': (1000000, 1000000), }", 1)
    forged = forged.replace(b"}" + b" " * 10, b"}", 1)  # keep the header length and offsets
    assert len(forged) == len(data)
    (tmp_path / "a.npz").write_bytes(forged)
    with pytest.raises(medimg.FormatError,
                       match=r"claims shape \(1000000, 1000000\) of '<f8', 8000000000000 bytes"):
        medimg.io.read_npz(tmp_path / "a.npz")


@pytest.mark.parametrize("array, match", [
    (np.array(["ab", "c"]), "'<U2'"),
    (np.arange(3, dtype=np.uint64), "uint64 has no lossless"),
    (np.zeros(2, dtype=[("a", "<i4"), ("b", "<f8")]), "structured dtypes"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "'<M8\\[D\\]'"),
    (np.array([None, 1], dtype=object), "'\\|O'"),
])
def test_unknown_dtype_is_unsupported(tmp_path, array, match):
    np.savez(tmp_path / "a.npz", x=array)
    with pytest.raises(medimg.Unsupported, match=match):
        medimg.io.read_npz(tmp_path / "a.npz")


def test_unsupported_compression_is_unsupported(tmp_path):
    buffer = io.BytesIO()
    np.save(buffer, np.arange(10))
    with zipfile.ZipFile(tmp_path / "b.npz", "w", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("x.npy", buffer.getvalue())
    with pytest.raises(medimg.Unsupported, match="bzip2"):
        medimg.io.list_npz(tmp_path / "b.npz")


def test_member_that_is_not_npy_is_a_format_error(tmp_path):
    with zipfile.ZipFile(tmp_path / "a.npz", "w") as archive:
        archive.writestr("notes.txt", "plain text, not an array")
    assert medimg.io.list_npz(tmp_path / "a.npz") == ["notes.txt"]
    with pytest.raises(medimg.FormatError, match="member 'notes.txt': not an .npy array"):
        medimg.io.read_npz(tmp_path / "a.npz")


def test_medmnist_missing_keys_and_bad_split(tmp_path):
    np.savez(tmp_path / "a.npz", train_images=np.zeros((2, 3, 3), np.uint8), other=np.zeros(1))
    with pytest.raises(medimg.FormatError,
                       match="expected keys train_images and train_labels, "
                             "found train_images, other"):
        medimg.io.read_medmnist(tmp_path / "a.npz", "train")
    with pytest.raises(medimg.ArgumentError, match="'train', 'val' or 'test', got 'training'"):
        medimg.io.read_medmnist(tmp_path / "a.npz", "training")
    np.savez(tmp_path / "b.npz", val_images=np.zeros((2, 3, 3), np.uint8),
             val_labels=np.zeros((3, 1), np.uint8))
    with pytest.raises(medimg.FormatError, match="N = 2"):
        medimg.io.read_medmnist(tmp_path / "b.npz", "val")


def test_truncated_and_bit_flipped_real_file_never_crashes(tmp_path, pneumoniamnist):
    """Every corrupt copy gives a medimg error, or (when the flip hit a field nobody checks,
    such as a time stamp) exactly numpy's arrays: the CRC-32 guards every byte of data."""
    data = pneumoniamnist.read_bytes()
    with np.load(pneumoniamnist) as reference:
        expected = [reference[name] for name in reference.files]
    rng = np.random.default_rng(3)
    directory = data.rindex(b"PK\x01\x02")  # flips near the directory hit structure, not data
    positions = np.concatenate([rng.integers(0, len(data), 30),
                                rng.integers(directory - 200, len(data), 50),
                                np.arange(0, 80)])
    cuts = rng.integers(0, len(data), 20)
    failures = 0
    for trial, position in enumerate(list(positions) + [-int(c) for c in cuts]):
        corrupt = bytearray(data)
        if position >= 0:
            corrupt[position] ^= 1 << int(rng.integers(0, 8))
        else:
            del corrupt[-position:]
        (tmp_path / "x.npz").write_bytes(bytes(corrupt))
        try:
            arrays = list(medimg.io.read_npz(tmp_path / "x.npz").values())
        except medimg.Error:
            failures += 1
            continue
        assert len(arrays) == len(expected), trial
        for tensor, array in zip(arrays, expected):
            assert_same(tensor, array)
    assert failures > 50
