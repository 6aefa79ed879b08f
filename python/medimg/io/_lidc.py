"""LIDC-IDRI radiologist reads: XML contours, masks on the CT grid, nodule centres."""

from __future__ import annotations

from typing import List, Tuple

import numpy as np

from .._medimg import (Image, LidcAnnotations, LidcNodule, LidcNonNodule, LidcReading, LidcRoi,
                       lidc_nodule_mask, read_lidc_xml)

__all__ = ["LidcAnnotations", "LidcNodule", "LidcNonNodule", "LidcReading", "LidcRoi",
           "lidc_nodule_mask", "read_lidc_xml", "lidc_nodule_centre"]


def lidc_nodule_centre(nodule: LidcNodule, reference: Image) -> Tuple[np.ndarray, float]:
    """World centre (LPS mm) of a nodule's mask on ``reference`` and its volume in mm³.

    The centre is the mask's centroid mapped through the reference geometry; NaN when none
    of the nodule's contours lies in the series.
    """
    mask, _ = lidc_nodule_mask(nodule, reference)
    voxels = np.argwhere(mask.array[0] > 0)
    volume = float(len(voxels) * np.prod(reference.spacing))
    if len(voxels) == 0:
        return np.full(3, np.nan), 0.0
    centre = reference.geometry.index_to_world(voxels.mean(axis=0).astype(np.float64))
    return np.asarray(centre, dtype=np.float64), volume
