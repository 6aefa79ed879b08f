"""medimg's own decoder for uncompressed pixel data GDCM mishandles (32-bit explicit big
endian, RT Dose without NumberOfFrames, native YBR_FULL_422, Float / Double Float Pixel Data)
and the geometry of those files, against pydicom. The conformance files are also in the
sweep of test_io_dicom.py; here are their geometry and small files written with pydicom to
reach the other branches (planar colour, masked signed bits, big-endian floats, errors)."""

import numpy as np
import pydicom
import pytest
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.pixel_data_handlers.util import convert_color_space
from pydicom.uid import ExplicitVRBigEndian, ExplicitVRLittleEndian, generate_uid

import medimg
from dicom_reference import (PYDICOM_TEST_FILES, expected_pixels, medimg_channels_last,
                             shared_data, stored_values)

SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"


def write_dicom(path, syntax, pixel_keyword, pixel_bytes, **attributes):
    """A minimal image file: `attributes` (Rows, Columns, BitsAllocated, ...) and the pixel
    bytes as given, in `syntax` (pydicom writes OB/OW/OF/OD bytes unchanged)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SECONDARY_CAPTURE
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = syntax
    ds = FileDataset(str(path), {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian = syntax != ExplicitVRBigEndian
    ds.is_implicit_VR = False
    ds.SOPClassUID = SECONDARY_CAPTURE
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "OT"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    for keyword, value in attributes.items():
        setattr(ds, keyword, value)
    setattr(ds, pixel_keyword, pixel_bytes)
    if pixel_keyword == "PixelData":
        ds["PixelData"].VR = "OW" if int(ds.BitsAllocated) > 8 else "OB"
    ds.save_as(str(path), write_like_original=False)
    return path


def test_rt_dose_frames_are_placed_by_grid_frame_offsets():
    for name in ("rtdose.dcm", "rtdose_expb.dcm"):
        path = PYDICOM_TEST_FILES / name
        ds = pydicom.dcmread(path)
        image = medimg.io.read_dicom(path)
        offsets = np.array(ds.GridFrameOffsetVector, float)
        assert image.shape == (1, len(offsets), int(ds.Rows), int(ds.Columns))
        assert "FrameSpacingWarning" not in image.meta
        assert image.meta["DoseGridScaling"] == pytest.approx(float(ds.DoseGridScaling))
        row = np.array(ds.ImageOrientationPatient[:3], float)
        col = np.array(ds.ImageOrientationPatient[3:], float)
        ipp = np.array(ds.ImagePositionPatient, float)
        # Frame k lies GridFrameOffsetVector[k] along the normal (PS3.3 C.8.8.3.2).
        for k in (0, 1, len(offsets) - 1):
            expected = ipp + offsets[k] * np.cross(row, col) + 3 * float(ds.PixelSpacing[1]) * row
            np.testing.assert_allclose(image.index_to_world((k, 0, 3)), expected, atol=1e-9)


def test_single_frame_rt_dose_is_2d_with_its_geometry():
    for name in ("rtdose_1frame.dcm", "rtdose_rle_1frame.dcm", "rtdose_expb_1frame.dcm"):
        path = PYDICOM_TEST_FILES / name
        ds = pydicom.dcmread(path)
        image = medimg.io.read_dicom(path, keep_stored_values=True)
        assert image.shape == (1, 10, 10) and str(image.dtype) == "torch.int64"
        np.testing.assert_array_equal(image.array[0], ds.pixel_array)
        assert image.origin == tuple(float(v) for v in ds.ImagePositionPatient)
        assert image.spacing == tuple(float(v) for v in ds.PixelSpacing)


def test_parametric_map_float_pixels_and_functional_group_geometry():
    path = shared_data() / "pydicom_data" / "parametric_map_float.dcm"
    ds = pydicom.dcmread(path)
    image = medimg.io.read_dicom(path)
    assert str(image.dtype) == "torch.float32"
    np.testing.assert_array_equal(image.array[0], ds.pixel_array)
    # GDCM 3.0 does not know the Parametric Map SOP class: medimg reads its functional groups.
    shared = ds.SharedFunctionalGroupsSequence[0]
    frame = ds.PerFrameFunctionalGroupsSequence[0]
    assert image.spacing == tuple(float(v) for v in shared.PixelMeasuresSequence[0].PixelSpacing)
    position = frame.PlanePositionSequence[0].ImagePositionPatient
    assert image.origin == tuple(float(v) for v in position)
    np.testing.assert_allclose(image.direction, np.eye(3))


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, ExplicitVRBigEndian])
def test_double_float_pixel_data(tmp_path, syntax):
    values = np.linspace(-1e6, 1e6, 2 * 3 * 4).reshape(2, 3, 4) * np.pi
    order = "<" if syntax == ExplicitVRLittleEndian else ">"
    path = write_dicom(tmp_path / "double.dcm", syntax, "DoubleFloatPixelData",
                       values.astype(order + "f8").tobytes(), Rows=3, Columns=4,
                       NumberOfFrames=2, BitsAllocated=64)
    image = medimg.io.read_dicom(path)
    assert str(image.dtype) == "torch.float64"
    np.testing.assert_array_equal(image.array[0], pydicom.dcmread(path).pixel_array)
    np.testing.assert_array_equal(image.array[0], values)


def test_big_endian_float_pixel_data(tmp_path):
    values = np.arange(12, dtype=np.float32).reshape(3, 4) / 7 - 0.5
    path = write_dicom(tmp_path / "float.dcm", ExplicitVRBigEndian, "FloatPixelData",
                       values.astype(">f4").tobytes(), Rows=3, Columns=4, BitsAllocated=32)
    image = medimg.io.read_dicom(path)
    np.testing.assert_array_equal(image.array[0], pydicom.dcmread(path).pixel_array)
    np.testing.assert_array_equal(image.array[0], values)


def test_big_endian_32_bit_signed_values_are_masked_and_sign_extended(tmp_path):
    rng = np.random.default_rng(3)
    stored = rng.integers(-(1 << 19), 1 << 19, size=(2, 5, 6))
    # 20 stored bits at HighBit 19 with garbage above them, which readers must ignore.
    garbage = rng.integers(0, 1 << 12, size=stored.shape) << 20
    words = ((stored & 0xFFFFF) | garbage).astype(">u4")
    path = write_dicom(tmp_path / "be32.dcm", ExplicitVRBigEndian, "PixelData",
                       words.tobytes(), Rows=5, Columns=6, NumberOfFrames=2,
                       BitsAllocated=32, BitsStored=20, HighBit=19, PixelRepresentation=1,
                       RescaleSlope=0.5, RescaleIntercept=-3)
    kept = medimg.io.read_dicom(path, keep_stored_values=True)
    np.testing.assert_array_equal(kept.array[0], stored)
    ds = pydicom.dcmread(path)
    np.testing.assert_array_equal(stored_values(ds, ds.pixel_array, True), stored)
    real = medimg.io.read_dicom(path)
    np.testing.assert_array_equal(medimg_channels_last(real), expected_pixels(path))


def test_big_endian_32_bit_planar_colour(tmp_path):
    rgb = np.arange(2 * 3 * 4 * 3, dtype=np.uint32).reshape(2, 3, 4, 3) * 100_003
    planes = rgb.transpose(0, 3, 1, 2)  # planar configuration 1: R, G, B planes per frame
    path = write_dicom(tmp_path / "rgb32.dcm", ExplicitVRBigEndian, "PixelData",
                       planes.astype(">u4").tobytes(), Rows=3, Columns=4, NumberOfFrames=2,
                       SamplesPerPixel=3, PhotometricInterpretation="RGB",
                       PlanarConfiguration=1, BitsAllocated=32, BitsStored=32, HighBit=31,
                       PixelRepresentation=0)
    image = medimg.io.read_dicom(path)
    assert image.shape == (3, 2, 3, 4)
    np.testing.assert_array_equal(medimg_channels_last(image), pydicom.dcmread(path).pixel_array)
    np.testing.assert_array_equal(medimg_channels_last(image), rgb)


def test_ybr_full_422_frames_equal_pydicom(tmp_path):
    rng = np.random.default_rng(5)
    # Per frame and row: pairs of pixels Y1 Y2 Cb Cr.
    stored = rng.integers(0, 256, size=(2, 4, 3, 4), dtype=np.uint8)
    path = write_dicom(tmp_path / "ybr.dcm", ExplicitVRLittleEndian, "PixelData",
                       stored.tobytes(), Rows=4, Columns=6, NumberOfFrames=2, SamplesPerPixel=3,
                       PhotometricInterpretation="YBR_FULL_422", PlanarConfiguration=0,
                       BitsAllocated=8, BitsStored=8, HighBit=7, PixelRepresentation=0)
    image = medimg.io.read_dicom(path)
    ybr = pydicom.dcmread(path).pixel_array  # pydicom upsamples but does not convert
    np.testing.assert_array_equal(ybr[:, :, 0::2, 0], stored[..., 0])
    np.testing.assert_array_equal(medimg_channels_last(image),
                                  convert_color_space(ybr, "YBR_FULL_422", "RGB"))


def test_unsupported_and_truncated_native_pixels(tmp_path):
    path = write_dicom(tmp_path / "ybr16.dcm", ExplicitVRLittleEndian, "PixelData",
                       bytes(4 * 4 * 2 * 2), Rows=4, Columns=4, SamplesPerPixel=3,
                       PhotometricInterpretation="YBR_FULL_422", PlanarConfiguration=0,
                       BitsAllocated=16, BitsStored=16, HighBit=15, PixelRepresentation=0)
    with pytest.raises(medimg.Unsupported, match="YBR_FULL_422"):
        medimg.io.read_dicom(path)
    short = write_dicom(tmp_path / "short.dcm", ExplicitVRLittleEndian, "FloatPixelData",
                        bytes(4 * 10), Rows=4, Columns=4, BitsAllocated=32)
    with pytest.raises(medimg.FormatError, match="truncated"):
        medimg.io.read_dicom(short)
    whole = (shared_data() / "pydicom_data" / "parametric_map_float.dcm").read_bytes()
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(whole[: len(whole) - 1000])
    with pytest.raises(medimg.FormatError):
        medimg.io.read_dicom(cut)
