"""Evaluates a diabetic-retinopathy grader on a test set (the synthetic one by default).

    PYTHONPATH=build/python /usr/bin/python3 examples/retinopathy/evaluate_dr.py \
        models/dr_efficientnet_b0_w025.pt --figures build/dr_figures

Prints JSON: accuracy, macro one-vs-rest AUC of the class probabilities, quadratic-weighted
kappa, referable-DR AUC (P(grade >= 2) for grade >= 2), the 5 x 5 confusion matrix (rows
true, columns predicted) -- all medimg.metrics -- and, on the synthetic set (which has
lesion maps), the Grad-CAM hit rate: the fraction of correctly graded images of grade >= 1
whose class activation map (DRGrader.explain_batch: LayerCAM at features.2 by default,
--method / --layer for others) has its maximum on a lesion pixel of the lesion map dilated
by HIT_DILATION pixels (a 9 x 9 square, about one cell of the 32 x 32 map of features.2 at
128 px). --figures DIR writes overlays (medimg.nn.overlay) of a few correct and a few
wrong cases as PNGs.

--npz retinamnist.npz evaluates on its test split (MedMNIST v2's reference for RetinaMNIST
is ResNet-18 (28): AUC 0.717, ACC 0.524); --folder DIR on a graded folder of photographs.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np
import torch

import medimg
from medimg.pipelines import DRGrader, dr_metrics, gradcam_hits

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dr_data  # noqa: E402

#: Pixels (at 128 px) by which the lesion map is dilated before the Grad-CAM hit test.
HIT_DILATION = 4
#: Overlays written per kind (correct, wrong) with --figures.
FIGURES_PER_KIND = 4


def write_figures(grader: DRGrader, images: torch.Tensor, grades: torch.Tensor,
                  predicted: torch.Tensor, directory: Path,
                  lesions: Optional[torch.Tensor] = None) -> List[str]:
    """Overlays of the first correct and wrong cases of grade >= 1 (wrong: any grade), as
    PNGs named ``<correct|wrong>_<index>_true<g>_pred<p>.png``; the lesions, when known,
    outlined in white."""
    import cv2

    directory.mkdir(parents=True, exist_ok=True)
    correct = [i for i in range(len(grades)) if predicted[i] == grades[i] and grades[i] >= 1]
    wrong = [i for i in range(len(grades)) if predicted[i] != grades[i]]
    written = []
    for kind, indices in (("correct", correct), ("wrong", wrong)):
        for i in indices[:FIGURES_PER_KIND]:
            _, picture = grader.explain(images[i], grade=int(predicted[i]))
            rgb = np.ascontiguousarray(picture.permute(1, 2, 0).numpy())
            if lesions is not None:
                mask = (lesions[i].numpy() > 0).astype(np.uint8)
                contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
                cv2.drawContours(rgb, contours, -1, (255, 255, 255), 1)
            rgb = cv2.resize(rgb, (256, 256), interpolation=cv2.INTER_NEAREST)
            name = f"{kind}_{i}_true{int(grades[i])}_pred{int(predicted[i])}.png"
            cv2.imwrite(str(directory / name), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
            written.append(str(directory / name))
    return written


def evaluate(model_path: Path, *, n_test: int = 500, npz: Optional[Path] = None,
             folder: Optional[Path] = None, split: str = "test", limit: int = 0,
             figures: Optional[Path] = None, threads: int = 2, layer: Optional[str] = None,
             method: Optional[str] = None, dilation: int = HIT_DILATION) -> Dict[str, Any]:
    """The metrics of the model file on the chosen test set, with the per-case grades,
    probabilities and referable scores (``"cases"``) for cross-checks."""
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    grader = DRGrader(str(model_path), **dr_data.PREPROCESSING)
    if layer is not None:
        grader.layer = layer
    if method is not None:
        grader.cam_method = method
    lesions = None
    if npz is not None:
        images, grades = dr_data.npz_split(npz, split, limit)
        source = f"{npz} ({split})"
    elif folder is not None:
        images, grades = dr_data.folder(folder, limit)
        source = str(folder)
    else:
        images, grades, lesions = dr_data.synthetic(n_test, dr_data.TEST_SEED)
        source = f"synthetic fundus_dataset({n_test}, size={dr_data.SIZE}, " \
                 f"seed={dr_data.TEST_SEED})"
    start = time.perf_counter()
    x = grader.preprocess(images)
    prediction = grader.predict(x, preprocessed=True)
    result: Dict[str, Any] = {"model": str(model_path), "data": source,
                              "images": len(grades)}
    result.update(dr_metrics(grades, prediction.grades, prediction.probabilities,
                             prediction.referable))
    if lesions is not None:
        chosen = [i for i in range(len(grades))
                  if prediction.grades[i] == grades[i] and grades[i] >= 1]
        hits: List[bool] = []
        for i in range(0, len(chosen), 64):
            index = torch.tensor(chosen[i:i + 64], dtype=torch.int64)
            cams = grader.explain_batch(x[index], preprocessed=True,
                                        grades=prediction.grades[index])
            hits += gradcam_hits(cams, lesions[index], dilation)
        result["gradcam_hit_rate"] = float(np.mean(hits)) if hits else float("nan")
        result["gradcam_cases"] = len(hits)
        result["gradcam_dilation_px"] = dilation
        result["gradcam_layer"] = grader.layer
        result["gradcam_method"] = grader.cam_method
    result["seconds"] = round(time.perf_counter() - start, 2)
    if figures is not None:
        result["figures"] = write_figures(grader, images, grades, prediction.grades, figures,
                                          lesions)
    result["cases"] = {"grades": grades.tolist(), "predicted": prediction.grades.tolist(),
                       "probabilities": prediction.probabilities.tolist(),
                       "referable": prediction.referable.tolist()}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="model file (medimg.nn.save_model)")
    parser.add_argument("--n-test", type=int, default=500, help="synthetic test cases")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--npz", type=Path, help="a MedMNIST retinamnist.npz")
    source.add_argument("--folder", type=Path, help="a graded folder of fundus photographs")
    parser.add_argument("--split", choices=("train", "val", "test"), default="test",
                        help="--npz split")
    parser.add_argument("--limit", type=int, default=0, help="first N images of --npz/--folder")
    parser.add_argument("--figures", type=Path, help="write Grad-CAM overlay PNGs here")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--layer", help="Grad-CAM layer (default: DRGrader's, features.2)")
    parser.add_argument("--method", choices=("layercam", "gradcam", "gradcam++"),
                        help="CAM method (default: DRGrader's, layercam)")
    parser.add_argument("--dilation", type=int, default=HIT_DILATION,
                        help="lesion-map dilation in pixels for the hit test")
    args = parser.parse_args()
    result = evaluate(args.model, n_test=args.n_test, npz=args.npz, folder=args.folder,
                      split=args.split, limit=args.limit, figures=args.figures,
                      threads=args.threads, layer=args.layer, method=args.method,
                      dilation=args.dilation)
    del result["cases"]
    text = json.dumps(result, indent=2)
    # One line per confusion-matrix row.
    text = re.sub(r"\[\s+([-0-9.,\s]+?)\s+\]",
                  lambda m: "[" + ", ".join(m.group(1).split()).replace(",,", ",") + "]", text)
    print(text)


if __name__ == "__main__":
    main()
