"""The lung-nodule pipeline on the LIDC-IDRI series of the subset: where the radiologists'
nodules rank among medimg's detections.

    PYTHONPATH=build/python /usr/bin/python3 examples/nodules/lidc_detection.py \
        --model models/lung_nodule_fpr.pt --out build/lidc_detection

For every nodule outlined by >= 2 readers (grouped as in lidc_agreement.py), the first
detection whose centre lies within the nodule's radius of the readers' mean centre: its rank,
probability and distance. Series the pipeline refuses (LIDC-IDRI-0002's 12 slices of
1.25 mm cover less than half a patch) are reported with the message. Writes DIR/results.md
and DIR/<case>_detection.png (the hit, circled). See docs/lung_nodules.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import medimg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lidc_agreement import CASES, DATA, group_marks, reader_marks  # noqa: E402


def detect_case(detector, data: Path, case: str, out: Path) -> list:
    ct = medimg.io.read_dicom_series(data / case)
    marks = reader_marks(ct, medimg.io.read_lidc_xml(data / case / CASES[case]))
    groups = [g for g in group_marks(marks) if len({m.reader for m in g}) >= 2]
    try:
        start = time.perf_counter()
        result = detector.detect(ct)
        seconds = time.perf_counter() - start
    except medimg.Error as error:
        return [dict(case=case, slices=ct.shape[1], nodules=len(groups), note=str(error))]
    rows = []
    for k, group in enumerate(groups, 1):
        centre = np.mean([m.centre for m in group], axis=0)
        diameter = float(np.mean([m.diameter for m in group]))
        hit = next(((rank, d) for rank, d in enumerate(result.detections)
                    if np.linalg.norm(np.subtract(d.centre, centre)) <= diameter / 2), None)
        row = dict(case=case, slices=ct.shape[1], nodule=k, readers=len(group),
                   diameter=diameter, detections=len(result.detections), seconds=seconds)
        if hit is None:
            row["note"] = "no detection within the nodule's radius"
        else:
            rank, d = hit
            row.update(rank=rank + 1, probability=d.probability,
                       distance=float(np.linalg.norm(np.subtract(d.centre, centre))))
            medimg.io.write_png(out / f"{case}_detection.png",
                                medimg.pipelines.nodule_overlay(ct, result.detections, rank))
        rows.append(row)
    return rows


def main() -> list:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    detector = medimg.pipelines.LungNoduleDetector(args.model)
    rows = [row for case in CASES for row in detect_case(detector, args.data, case, args.out)]
    lines = ["| series | slices | readers | nodule diameter mm | rank | probability | "
             "distance mm | detections | seconds |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "rank" in r:
            lines.append(f"| {r['case']} | {r['slices']} | {r['readers']} | "
                         f"{r['diameter']:.1f} | {r['rank']} | {r['probability']:.3f} | "
                         f"{r['distance']:.1f} | {r['detections']} | {r['seconds']:.1f} |")
        else:
            lines.append(f"| {r['case']} | {r['slices']} | | | – | | | | {r['note']} |")
    (args.out / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return rows


if __name__ == "__main__":
    main()
