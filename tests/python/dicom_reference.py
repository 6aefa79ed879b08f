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
