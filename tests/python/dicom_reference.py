"""pydicom-based reference for medimg's DICOM reader: what the standard says a reader must
return, derived independently of GDCM (imported by the DICOM tests)."""

from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import (apply_color_lut, apply_modality_lut,
                                              convert_color_space)

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = ROOT.parent / "shared" / "data"
PYDICOM_TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"


def shared_data() -> Path:
    """../shared/data beside the checkout (CI puts it there); a loud failure without it."""
    assert SHARED_DATA.is_dir(), f"the shared data folder {SHARED_DATA} is missing"
    return SHARED_DATA


def stored_values(ds, pixels, signed):
    """BitsStored < BitsAllocated: keep the stored bits and sign-extend signed data (PS3.5
    8.1.1); pydicom leaves some decoders' values unmasked."""
    if pixels.dtype.kind not in "iu":  # Float Pixel Data: real values, no BitsStored
        return pixels
    bits, allocated = int(ds.BitsStored), int(ds.BitsAllocated)
    if bits >= allocated:
        return pixels
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if pixels.min() >= low and pixels.max() <= high:
        return pixels  # already the stored values
    high = int(getattr(ds, "HighBit", bits - 1))
    unsigned = pixels.astype(np.int64) & ((1 << allocated) - 1)
    stored = (unsigned >> (high + 1 - bits)) & ((1 << bits) - 1)
    if signed:
        stored = np.where(stored >= 1 << (bits - 1), stored - (1 << bits), stored)
    return stored


def rescale(ds):
    """(slope, intercept): top-level attributes, else an enhanced object's shared groups."""
    if "RescaleSlope" in ds or "RescaleIntercept" in ds:
        return float(getattr(ds, "RescaleSlope", 1)), float(getattr(ds, "RescaleIntercept", 0))
    shared = getattr(ds, "SharedFunctionalGroupsSequence", None)
    if shared and "PixelValueTransformationSequence" in shared[0]:
        item = shared[0].PixelValueTransformationSequence[0]
        return float(item.RescaleSlope), float(item.RescaleIntercept)
    return 1.0, 0.0


def retile_mosaic(slices, mosaic_shape):
    """medimg's mosaic slices (n, rows, cols, C) tiled back, row by row, into a frame of
    `mosaic_shape` with empty tiles zero: what the file stores."""
    n, rows, cols = slices.shape[:3]
    down, across = mosaic_shape[0] // rows, mosaic_shape[1] // cols
    tiles = np.zeros((down * across,) + slices.shape[1:], slices.dtype)
    tiles[:n] = slices
    tiles = tiles.reshape(down, across, rows, cols, -1).transpose(0, 2, 1, 3, 4)
    return tiles.reshape(down * rows, across * cols, -1)


def expected_pixels(path):
    """What medimg.io.read_dicom(path) must return, channels last: (frames, rows, cols, C)
    or (rows, cols, C), and whether it is exact (lossless) or lossy-decoded colour."""
    ds = pydicom.dcmread(str(path))
    # Read before decoding: pydicom's J2K handler rewrites PixelRepresentation to match the
    # codestream, but the header's value defines the stored values.
    signed = int(getattr(ds, "PixelRepresentation", 0)) == 1
    pixels = ds.pixel_array
    pi = ds.PhotometricInterpretation
    samples = int(getattr(ds, "SamplesPerPixel", 1))
    if samples == 1 and pi != "PALETTE COLOR" and "ModalityLUTSequence" in ds:
        lut = apply_modality_lut(stored_values(ds, pixels, signed).astype(np.int64), ds)
        return lut.astype(np.float32)[..., None]
    if samples == 1 and pi != "PALETTE COLOR":
        slope, intercept = rescale(ds)
        values = stored_values(ds, pixels, signed).astype(np.float64) * slope + intercept
        return values.astype(np.float32)[..., None]
    if pi == "PALETTE COLOR":
        rgb = apply_color_lut(pixels, ds)
        # GDCM expands a palette to 8 bits: the top byte of 16-bit LUT entries.
        return (rgb >> 8).astype(np.uint8) if rgb.dtype == np.uint16 else rgb
    if pi in ("YBR_FULL", "YBR_FULL_422"):
        return convert_color_space(pixels, pi, "RGB")
    return pixels


def medimg_channels_last(image):
    return np.moveaxis(image.array, 0, -1)


_FLIP = np.diag([-1.0, -1.0, 1.0, 1.0])
_KJI_TO_IJK = np.array([[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]], float)


def reference_in_medimg_frame(nifti, affine):
    """A reference NIfTI (path or loaded image) as (voxels[z, y, x], LPS affine), laid out
    like medimg's `affine`.

    nibabel gives data[i, j, k] (scl_slope/scl_inter applied by get_fdata) with a RAS
    affine. Reversing the axes and converting to LPS gives an array-order affine; the axes
    are then permuted and flipped so that each column points the way `affine`'s does (a
    reference may store slices or rows in the opposite order), moving the origin to the
    new first voxel. The voxels can then be compared index by index and the affines
    element by element.
    """
    img = nifti if isinstance(nifti, nib.Nifti1Image) else nib.load(str(nifti))
    data = np.asarray(img.get_fdata(), dtype=np.float64)
    while data.ndim > 3 and data.shape[-1] == 1:
        data = data[..., 0]
    data = data.transpose(2, 1, 0)
    ref = _FLIP @ img.affine @ _KJI_TO_IJK
    unit = ref[:3, :3] / np.linalg.norm(ref[:3, :3], axis=0)
    target = affine[:3, :3] / np.linalg.norm(affine[:3, :3], axis=0)
    perm = [int(np.argmax(np.abs(unit.T @ target[:, k]))) for k in range(3)]
    assert sorted(perm) == [0, 1, 2], "reference axes do not match medimg's"
    data = data.transpose(perm)
    ref = ref.copy()
    ref[:, :3] = ref[:, perm]
    for k in range(3):
        if ref[:3, k] @ affine[:3, k] < 0:
            data = np.flip(data, k)
            ref[:3, 3] += ref[:3, k] * (data.shape[k] - 1)
            ref[:3, k] *= -1
    return np.ascontiguousarray(data), ref


def assert_same_volume(image, nifti, atol_mm=1e-3):
    """medimg `image` equals the (dcm2niix) reference NIfTI voxel for voxel, with affines
    within `atol_mm`, whatever axis order and flips the reference stores."""
    expected, expected_affine = reference_in_medimg_frame(nifti, image.affine)
    np.testing.assert_allclose(image.affine, expected_affine, atol=atol_mm)
    np.testing.assert_array_equal(image.array[0].astype(np.float64), expected)
