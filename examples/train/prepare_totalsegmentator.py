"""Builds the liver/spleen training set of examples/train/totalsegmentator_unet.yaml from the
TotalSegmentator example CT in ../shared/data (CC BY 4.0, Wasserthal et al. 2023; its label
map is TotalSegmentator's own output, not a manual segmentation).

The 30-slice CT (3 mm) is split along z into a training slab (slices 0-21) and a held-out
validation slab (slices 22-29), and the 117-class label map becomes 0 background, 1 liver,
2 spleen:

    /usr/bin/python3 examples/train/prepare_totalsegmentator.py OUT_DIR [SOURCE_DIR]

OUT_DIR then holds imagesTr/ and labelsTr/ (the Medical Segmentation Decathlon layout) and
validation/{image,label}.nii.gz.
"""

import sys
from pathlib import Path

import nibabel as nib
import numpy as np

LIVER, SPLEEN = 5, 1  # TotalSegmentator's "total" task labels
TRAIN_SLICES = slice(0, 22)
VALIDATION_SLICES = slice(22, 30)


def main(out: Path, source: Path) -> None:
    ct = nib.load(source / "example_ct_sm.nii.gz")
    seg = nib.load(source / "example_seg.nii.gz")
    labels = np.asarray(seg.dataobj)
    organs = np.zeros(labels.shape, np.uint8)
    organs[labels == LIVER] = 1
    organs[labels == SPLEEN] = 2
    organs_image = nib.Nifti1Image(organs, seg.affine)
    for folder in ("imagesTr", "labelsTr", "validation"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    # NIfTI's third axis is z; slicer keeps the affine right for each slab.
    nib.save(ct.slicer[:, :, TRAIN_SLICES], out / "imagesTr" / "abdomen.nii.gz")
    nib.save(organs_image.slicer[:, :, TRAIN_SLICES], out / "labelsTr" / "abdomen.nii.gz")
    nib.save(ct.slicer[:, :, VALIDATION_SLICES], out / "validation" / "image.nii.gz")
    nib.save(organs_image.slicer[:, :, VALIDATION_SLICES], out / "validation" / "label.nii.gz")
    for name, part in (("training", TRAIN_SLICES), ("validation", VALIDATION_SLICES)):
        voxels = organs[:, :, part]
        print(f"{name}: {voxels.shape[2]} slices, liver {int((voxels == 1).sum())} voxels, "
              f"spleen {int((voxels == 2).sum())} voxels")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    default_source = Path(__file__).resolve().parents[3] / "shared/data/totalsegmentator_examples"
    main(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) == 3 else default_source)
