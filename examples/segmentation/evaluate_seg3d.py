"""Scores the 3D segmentation case study: the trained U-Net and the ceiling, per structure.

    PYTHONPATH=build/python /usr/bin/python3 examples/segmentation/evaluate_seg3d.py \
        [--model models/totalseg_abdomen_unet.pt] [--out build/seg3d/eval] [--threads 2]

Per structure (liver, spleen, left and right kidney) and in mm with the volume's spacing
(medimg.metrics: Dice, HD95 = MedPy's hd95, the 95th percentile of both directed surface
distance sets pooled, and ASSD):

- model:   the U-Net's prediction of the held-out slab (z = 0..7, predicted from that slab
           alone; its kidney class split into left and right at the body's midline)
           against example_seg.nii.gz;
- ceiling: example_seg_fast.nii.gz against example_seg.nii.gz on the same slab, and on the
           whole volume: how far two TotalSegmentator models agree with each other.

Both label maps are TotalSegmentator outputs, not manual ground truth. Writes
OUT/seg3d_results.json and OUT/seg3d_results.md (the table of docs/case_segmentation_3d.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Dict, Optional, Sequence

import numpy as np

import medimg
from medimg import metrics

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seg3d_data import (HELD_OUT, PREPROCESS, SOURCE, STRUCTURES, read_zyx,  # noqa: E402
                        reference_maps, split_kidneys, x_direction)
from train_seg3d import PATCH  # noqa: E402

MODEL = Path(__file__).resolve().parents[2] / "models" / "totalseg_abdomen_unet.pt"
Scores = Dict[str, Dict[str, float]]


def structure_scores(pred: np.ndarray, ref: np.ndarray, spacing: Sequence[float]) -> Scores:
    """Dice, HD95 and ASSD (mm) of each of STRUCTURES between two (Z, Y, X) organ maps, with
    the voxel counts (NaN distances when both masks are empty, inf when one is)."""
    scores = {}
    for label, name in enumerate(STRUCTURES, start=1):
        p, r = pred == label, ref == label
        d = metrics.surface_distances(p, r, spacing=spacing)
        scores[name] = {"dice": float(metrics.dice(p, r)),
                        "hd95": float(metrics.hausdorff(d, percentile=95)),
                        "assd": float(metrics.assd(d)),
                        "pred_voxels": int(p.sum()), "ref_voxels": int(r.sum())}
    return scores


def ceiling(source: Path = SOURCE, region: Optional[slice] = HELD_OUT) -> Scores:
    """example_seg_fast against example_seg on the z slab `region` (None: the whole volume)."""
    seg, fast, spacing = reference_maps(source)
    z = slice(None) if region is None else region
    return structure_scores(fast[z], seg[z], spacing)


def predict_held_out(model: Path, source: Path = SOURCE,
                     threads: Optional[int] = None) -> np.ndarray:
    """The model's (Z, Y, X) organ map (STRUCTURES) of the held-out slab, predicted from the
    slab alone."""
    ct, spacing = read_zyx(source / "example_ct_sm.nii.gz")
    slab = medimg.Image(np.ascontiguousarray(ct[None, HELD_OUT]), spacing=spacing)
    windowed = medimg.train.Preprocessing(PREPROCESS)(slab)
    predictor = medimg.train.Predictor(model, num_threads=threads)
    labels = predictor.predict(windowed, output="labels", roi_size=PATCH, overlap=0.5,
                               mode="gaussian")
    return split_kidneys(labels.tensor[0].numpy(), ct[HELD_OUT],
                         x_direction(source / "example_ct_sm.nii.gz"))


def model_scores(model: Path, source: Path = SOURCE, threads: Optional[int] = None) -> Scores:
    """The model's held-out slab against example_seg."""
    seg, _, spacing = reference_maps(source)
    return structure_scores(predict_held_out(model, source, threads), seg[HELD_OUT], spacing)


def evaluate(model: Path = MODEL, source: Path = SOURCE,
             threads: Optional[int] = None) -> dict:
    """Every figure of the case study's table."""
    _, _, spacing = reference_maps(source)
    return {
        "structures": list(STRUCTURES),
        "held_out_slices": [HELD_OUT.start, HELD_OUT.stop],
        "spacing_mm": list(spacing),
        "model": str(model),
        "model_held_out": model_scores(model, source, threads),
        "ceiling_held_out": ceiling(source, HELD_OUT),
        "ceiling_whole_volume": ceiling(source, None),
    }


def markdown(results: dict) -> str:
    """The results as a markdown table: one row per structure and comparison."""
    z0, z1 = results["held_out_slices"]
    rows = [("U-Net vs example_seg", f"held-out z {z0}-{z1 - 1}", "model_held_out"),
            ("example_seg_fast vs example_seg (ceiling)", f"held-out z {z0}-{z1 - 1}",
             "ceiling_held_out"),
            ("example_seg_fast vs example_seg (ceiling)", "whole volume",
             "ceiling_whole_volume")]
    lines = ["| structure | comparison | region | Dice | HD95 (mm) | ASSD (mm) "
             "| voxels (pred / ref) |",
             "|---|---|---|---|---|---|---|"]
    for name in results["structures"]:
        for label, region, key in rows:
            s = results[key][name]
            lines.append(f"| {name} | {label} | {region} | {s['dice']:.3f} | {s['hd95']:.2f} | "
                         f"{s['assd']:.2f} | {s['pred_voxels']} / {s['ref_voxels']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, default=Path("build/seg3d/eval"))
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads")
    args = parser.parse_args()

    results = evaluate(args.model, args.source, args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "seg3d_results.json").write_text(json.dumps(results, indent=2) + "\n")
    table = markdown(results)
    (args.out / "seg3d_results.md").write_text(table)
    print(table, end="")
    print(f"written: {args.out / 'seg3d_results.json'}, {args.out / 'seg3d_results.md'}")


if __name__ == "__main__":
    main()
