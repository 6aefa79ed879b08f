"""Evaluates a PneumoniaMNIST model on one split (the official test split by default).

    PYTHONPATH=build/python /usr/bin/python3 examples/pneumonia/evaluate_pneumonia.py \
        models/pneumonia_resnet18_w16.pt

Prints JSON: the AUC of P(pneumonia) (medimg.metrics.roc_auc), the accuracy of
"pneumonia when P(pneumonia) > 0.5" (MedMNIST's ACC), the confusion matrix at that
threshold (rows true, columns predicted; class 0 normal, 1 pneumonia), sensitivity and
specificity, and the number of cases.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict

import torch

import medimg
import medimg.nn as mnn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pneumonia_data import DEFAULT_NPZ, pneumonia_probability, load_split  # noqa: E402


def evaluate(model_path: Path, npz: Path = DEFAULT_NPZ, split: str = "test",
             threads: int = 2) -> Dict[str, Any]:
    """The metrics of the model file ``model_path`` on ``split``, and the scores themselves
    (``"scores"``, ``"labels"``: lists, for cross-checks)."""
    torch.set_num_threads(threads)
    model = mnn.load_model(str(model_path))
    images, labels = load_split(npz, split)
    score = pneumonia_probability(model, images)
    predicted = (score > 0.5).long()
    matrix = medimg.metrics.confusion_matrix(labels, predicted, num_classes=2)
    return {"model": str(model_path), "split": split, "cases": len(labels),
            "auc": medimg.metrics.roc_auc(labels, score),
            "accuracy": medimg.metrics.accuracy(labels, predicted),
            "sensitivity": float(matrix[1, 1]) / float(matrix[1].sum()),
            "specificity": float(matrix[0, 0]) / float(matrix[0].sum()),
            "confusion_matrix": matrix.tolist(),
            "scores": score.tolist(), "labels": labels.tolist()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path, help="model file (medimg.nn.save_model)")
    parser.add_argument("--npz", type=Path, default=DEFAULT_NPZ)
    parser.add_argument("--split", choices=("train", "val", "test"), default="test")
    args = parser.parse_args()
    result = evaluate(args.model, args.npz, args.split)
    del result["scores"], result["labels"]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
