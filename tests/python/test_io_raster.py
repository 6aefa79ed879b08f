"""PNG reading and writing against Pillow as the independent reference."""

import numpy as np
import pytest
import torch
from PIL import Image as PILImage

import medimg


def test_bundled_ct_slice_equals_pillow_and_pydicom(data_dir):
    im = medimg.io.read_raster(data_dir / "ct_small_slice.png")
    reference = np.asarray(PILImage.open(data_dir / "ct_small_slice.png"))
    assert im.shape == (1, 128, 128) and im.dtype == torch.int32
    np.testing.assert_array_equal(im.array[0], reference)
    pydicom = pytest.importorskip("pydicom")
    from pydicom.data import get_testdata_file
    np.testing.assert_array_equal(im.array[0], pydicom.dcmread(get_testdata_file("CT_small.dcm")).pixel_array)


@pytest.mark.parametrize("channels, mode", [(1, "L"), (3, "RGB"), (4, "RGBA")])
def test_written_png_reads_back_in_pillow_with_rgb_order(tmp_path, channels, mode):
    rng = np.random.default_rng(channels)
    array = rng.integers(0, 256, size=(channels, 6, 9), dtype=np.uint8)
    medimg.io.write_png(tmp_path / "x.png", array)
    with PILImage.open(tmp_path / "x.png") as written:
        assert written.mode == mode
        pixels = np.asarray(written)
    np.testing.assert_array_equal(pixels.reshape(6, 9, channels), array.transpose(1, 2, 0))
    np.testing.assert_array_equal(medimg.io.read_raster(tmp_path / "x.png").array, array)


def test_masks_and_16_bit(tmp_path):
    mask = torch.zeros(1, 3, 3, dtype=torch.bool)
    mask[0, 1, 1] = True
    medimg.io.write_png(tmp_path / "mask.png", mask)
    assert np.asarray(PILImage.open(tmp_path / "mask.png"))[1, 1] == 255
    wide = np.array([[[0, 1000, 65535]]], np.int32)
    medimg.io.write_png(tmp_path / "wide.png", wide)
    np.testing.assert_array_equal(np.asarray(PILImage.open(tmp_path / "wide.png")), wide[0])


def test_failed_writes_leave_nothing(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"old")
    with pytest.raises(medimg.ArgumentError, match="uint8"):
        medimg.io.write_png(target, np.zeros((1, 2, 2), np.float32))
    with pytest.raises(medimg.ArgumentError, match=r"\[0, 65535\]"):
        medimg.io.write_png(target, np.full((1, 2, 2), -1, np.int32))
    with pytest.raises(medimg.ShapeError):
        medimg.io.write_png(target, np.zeros((1, 2, 2, 2), np.uint8))
    with pytest.raises(OSError):
        medimg.io.write_png(tmp_path / "missing" / "x.png", np.zeros((1, 2, 2), np.uint8))
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]
