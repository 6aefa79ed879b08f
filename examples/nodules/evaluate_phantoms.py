"""FROC and CPM of the lung-nodule pipeline on held-out CT phantoms, with and without the
false-positive reduction CNN, and the time per scan.

    PYTHONPATH=build/python /usr/bin/python3 examples/nodules/evaluate_phantoms.py \
        --model models/lung_nodule_fpr.pt --out build/nodules/eval [--cases 20]

Writes OUT/results.json (per system: CPM, sensitivity at each LUNA16 rate, seconds per scan),
OUT/froc.png (both FROC curves) and OUT/overlays/*.png (the top detections of the first
cases). The phantoms (seeds 1000..) are never used in training (seeds 0..) or validation
(500..). See docs/lung_nodules.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import medimg  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from phantom_cases import PHANTOM, TEST_SEED, findings, phantom  # noqa: E402

RATES = medimg.metrics.LUNA16_FP_RATES


def evaluate(detector, cases, overlays: Path = None, num_overlays: int = 0) -> dict:
    marks, truth, seconds = [], [], []
    for k, (case_id, case) in enumerate(cases):
        start = time.perf_counter()
        result = detector.detect(case.ct)
        seconds.append(time.perf_counter() - start)
        marks += [dict(case_id=case_id, center_mm=d.centre, score=d.probability)
                  for d in result.detections]
        truth += findings(case, case_id)
        if overlays is not None and k < num_overlays:
            for rank in range(min(3, len(result.detections))):
                image = medimg.pipelines.nodule_overlay(case.ct, result.detections, rank)
                medimg.io.write_png(overlays / f"{case_id}_detection_{rank + 1}.png", image)
    curve = medimg.metrics.froc(marks, truth, num_cases=len(cases))
    return {
        "cpm": medimg.metrics.cpm(curve),
        "sensitivity": {str(r): medimg.metrics.sensitivity_at_fp(curve, r) for r in RATES},
        "max_sensitivity": float(curve.sensitivity.max()),
        "candidates_per_scan": len(marks) / len(cases),
        "seconds_per_scan": float(np.median(seconds)),
        "curve": {"fp_per_case": curve.fp_per_case.tolist(),
                  "sensitivity": curve.sensitivity.tolist()},
        "nodules": len(truth),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--overlays", type=int, default=2, help="cases with PNG overlays")
    args = parser.parse_args()
    (args.out / "overlays").mkdir(parents=True, exist_ok=True)

    seeds = range(TEST_SEED, TEST_SEED + args.cases)
    cases = [(f"phantom-{seed}", phantom(seed)) for seed in seeds]
    results = {
        "phantom": {k: list(v) if isinstance(v, tuple) else v for k, v in PHANTOM.items()},
        "cases": args.cases,
        "threads": medimg.get_num_threads(),
        "cnn": evaluate(medimg.pipelines.LungNoduleDetector(args.model), cases,
                        args.out / "overlays", args.overlays),
        "shape_only": evaluate(medimg.pipelines.LungNoduleDetector(), cases),
    }
    (args.out / "results.json").write_text(json.dumps(results, indent=1))

    plt.figure(figsize=(5.5, 4))
    for name, label in (("cnn", "candidates + 3D CNN"), ("shape_only", "candidates, 1/elongation")):
        curve = results[name]["curve"]
        plt.semilogx(np.maximum(curve["fp_per_case"], 1e-3), curve["sensitivity"],
                     label=f"{label} (CPM {results[name]['cpm']:.3f})")
    plt.xlim(0.1, 16)
    plt.ylim(0, 1.02)
    plt.xticks(RATES, [str(r) for r in RATES])
    plt.axvline(4, color="grey", lw=0.5)
    plt.xlabel("false positives per scan")
    plt.ylabel("sensitivity")
    plt.title(f"{results['cnn']['nodules']} nodules in {args.cases} held-out phantoms")
    plt.legend(loc="lower right", fontsize=8)
    plt.tight_layout()
    plt.savefig(args.out / "froc.png", dpi=110)

    for name in ("cnn", "shape_only"):
        r = results[name]
        print(f"{name:10s} CPM {r['cpm']:.3f}  sensitivity@4FP {r['sensitivity']['4.0']:.3f}  "
              f"@1FP {r['sensitivity']['1.0']:.3f}  max {r['max_sensitivity']:.3f}  "
              f"{r['candidates_per_scan']:.1f} candidates/scan  "
              f"{r['seconds_per_scan']:.2f} s/scan")
    print(f"wrote {args.out / 'results.json'} and {args.out / 'froc.png'}")


if __name__ == "__main__":
    main()
