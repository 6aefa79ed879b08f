"""pydicom-based reference for medimg's DICOM reader: what the standard says a reader must
return, derived independently of GDCM (imported by the DICOM tests)."""

from pathlib import Path

import numpy as np
import pydicom
from pydicom.pixel_data_handlers.util import apply_color_lut, convert_color_space

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
    bits, allocated = int(ds.BitsStored), int(ds.BitsAllocated)
    if bits >= allocated or pixels.dtype.kind not in "iu":
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


def reference_in_medimg_axes(nifti):
    """A nibabel image's first volume as medimg sees it: voxels in (k, j, i) order and the
    LPS affine of that array order (RAS -> LPS negates x and y; (k, j, i) permutes columns)."""
    data = np.asarray(nifti.get_fdata())
    data = data.reshape(data.shape[:3] + (-1,))[..., 0].transpose(2, 1, 0)
    permute = np.zeros((4, 4))
    permute[0, 2] = permute[1, 1] = permute[2, 0] = permute[3, 3] = 1
    return data, np.diag([-1.0, -1.0, 1.0, 1.0]) @ nifti.affine @ permute


def assert_same_volume(image, nifti, atol_mm=1e-3):
    """medimg `image` equals the (dcm2niix) NIfTI `nifti` voxel for voxel in world space:
    dcm2niix may store axes flipped (and says so in its affine), so medimg's array is
    flipped along whichever axes make the two affines agree within `atol_mm`."""
    data, affine = reference_in_medimg_axes(nifti)
    ours, ours_affine = image.array[0].astype(np.float64), image.affine
    assert ours.shape == data.shape, (ours.shape, data.shape)
    for flips in range(8):
        flipped, flipped_affine = ours, ours_affine.copy()
        for axis in range(3):
            if flips >> axis & 1:
                flipped = np.flip(flipped, axis)
                flipped_affine[:3, 3] += flipped_affine[:3, axis] * (ours.shape[axis] - 1)
                flipped_affine[:3, axis] *= -1
        if np.allclose(flipped_affine, affine, atol=atol_mm):
            np.testing.assert_array_equal(flipped, data)
            return
    raise AssertionError(f"affines differ beyond axis flips:\n{ours_affine}\n{affine}")
