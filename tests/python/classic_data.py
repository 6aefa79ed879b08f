"""Real images for the medimg.classic tests: a CT slice (data/ct_small.dcm) and a crop of a
CT volume from ../shared/data/totalsegmentator_examples (see its MANIFEST.md)."""

from pathlib import Path

import nibabel
import numpy as np
import pydicom

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"


def ct_slice_hu() -> np.ndarray:
    """128 x 128 int16 HU."""
    ds = pydicom.dcmread(ROOT / "data" / "ct_small.dcm")
    return (ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept)).astype(np.int16)


def ct_volume_hu() -> np.ndarray:
    """A 30 x 48 x 40 (z, y, x) int16 HU crop of TotalSegmentator's example CT."""
    path = SHARED / "totalsegmentator_examples" / "example_ct_sm.nii.gz"
    assert path.is_file(), f"{path} is missing: these tests need ../shared/data"
    volume = np.asarray(nibabel.load(path).dataobj).astype(np.int16)  # (x, y, z)
    return np.ascontiguousarray(volume.transpose(2, 1, 0)[:, 30:78, 40:80])


def ct_512_slice() -> np.ndarray:
    """The 512 x 512 CT slice of cornerstone's CTImage.dcm, stored values (int16)."""
    path = SHARED / "cornerstone_ct_ts" / "CTImage.dcm"
    assert path.is_file(), f"{path} is missing: these tests need ../shared/data"
    return pydicom.dcmread(path).pixel_array.astype(np.int16)
