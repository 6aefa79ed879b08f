#!/usr/bin/python3
"""Saves the lung masks and nodule candidates of the three LIDC-IDRI chest CTs as PNG
overlays (docs/images/lidc_lungs_*.png), to check them by eye: right lung red, left lung
blue, candidates as yellow circles, the radiologists' nodule centres as green crosses.

usage: PYTHONPATH=build/python /usr/bin/python3 scripts/lung_mask_figures.py [../shared/data]
"""
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

import medimg

DATA = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parents[2] / "shared/data")
OUT = Path(__file__).parents[1] / "docs/images"
CASES = {"LIDC-IDRI-0001": "annotations_69.xml", "LIDC-IDRI-0002": "annotations_71.xml",
         "LIDC-IDRI-0003": "annotations_72.xml"}


def overlay(hu, lungs):
    grey = np.clip((hu + 1000.0) / 1400.0, 0, 1)
    rgb = np.stack([grey] * 3, axis=-1)
    for side, colour in ((1, (1.0, 0.2, 0.2)), (2, (0.2, 0.4, 1.0))):
        rgb[lungs == side] = 0.6 * rgb[lungs == side] + 0.4 * np.asarray(colour)
    return Image.fromarray((rgb * 255).astype(np.uint8))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for case, xml in CASES.items():
        ct = medimg.io.read_dicom_series(DATA / "lidc_idri_subset" / case)
        lungs = medimg.classic.lung_mask(ct)
        candidates = medimg.classic.nodule_candidates(ct, lungs)
        references = []
        for reading in medimg.io.read_lidc_xml(DATA / "lidc_idri_subset" / case / xml).readings:
            for nodule in (n for n in reading.nodules if not n.is_small):
                centre, volume = medimg.io.lidc_nodule_centre(nodule, ct)
                if volume > 0:
                    references.append(np.asarray(ct.geometry.world_to_index(centre)))
        # The slice through the first reference nodule, else the middle slice.
        z = int(round(references[0][0])) if references else ct.spatial_shape[0] // 2
        image = overlay(ct.array[0, z], lungs.array[0, z])
        draw = ImageDraw.Draw(image)
        for c in candidates:
            cz, cy, cx = c.index
            if abs(cz - z) <= 1:
                r = c.diameter / 2 / ct.spacing[1] + 3
                draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(255, 230, 0), width=2)
        for rz, ry, rx in references:
            if abs(rz - z) <= 1:
                draw.line([rx - 6, ry, rx + 6, ry], fill=(0, 255, 0), width=2)
                draw.line([rx, ry - 6, rx, ry + 6], fill=(0, 255, 0), width=2)
        path = OUT / f"lidc_lungs_{case[-4:]}.png"
        image.save(path)
        volumes = [np.count_nonzero(lungs.array == s) * np.prod(ct.spacing) / 1000 for s in (1, 2)]
        print(f"{path.name}: slice {z}, right {volumes[0]:.0f} mL, left {volumes[1]:.0f} mL, "
              f"{len(candidates)} candidates")


if __name__ == "__main__":
    main()
