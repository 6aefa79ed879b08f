"""Classification metrics, medimg beside scikit-learn in one run; prints times and ratios.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/metrics/classification_bench.py [--n 1000000]

1. ROC-AUC of n binary scores (float64 and float32, with ties), average precision and the
   ROC curve, against sklearn.metrics.
2. One-vs-rest macro ROC-AUC of n x 5 class probabilities.
3. Quadratic weighted Cohen's kappa of n labels in 5 classes.
Each pair of values is checked to agree to 1e-9 before it is timed.
"""

import argparse

import numpy as np
import sklearn
import torch
from sklearn import metrics as skm

import medimg
from medimg import metrics

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import best_of, row  # noqa: E402


def compare(name, reference_fn, ours_fn, repeat=5):
    expected, got = reference_fn(), ours_fn()
    assert abs(float(expected) - float(got)) < 1e-9, (name, expected, got)
    row(name, "scikit-learn", best_of(reference_fn, repeat)[0], best_of(ours_fn, repeat)[0])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1_000_000, help="number of cases")
    args = parser.parse_args()
    n = args.n
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n)
    scores = rng.normal(size=n) + y
    tied = np.round(scores, 2).astype(np.float32)
    print(f"medimg {medimg.__version__}, scikit-learn {sklearn.__version__}, "
          f"torch {torch.__version__}, {medimg.get_num_threads()} threads, n = {n}\n")

    compare("roc_auc, float64 scores", lambda: skm.roc_auc_score(y, scores),
            lambda: metrics.roc_auc(y, scores))
    compare("roc_auc, float32 scores rounded (ties)", lambda: skm.roc_auc_score(y, tied),
            lambda: metrics.roc_auc(y, tied))
    compare("pr_auc = average_precision_score", lambda: skm.average_precision_score(y, scores),
            lambda: metrics.pr_auc(y, scores))
    reference_curve, curve = skm.roc_curve(y, scores), metrics.roc_curve(y, scores)
    for ours, theirs in zip(curve, reference_curve):
        np.testing.assert_array_equal(ours[1:], theirs[1:])  # [0]: +inf vs max + 1 in 1.2
    row("roc_curve", "scikit-learn", best_of(lambda: skm.roc_curve(y, scores))[0],
        best_of(lambda: metrics.roc_curve(y, scores))[0])

    k = 5
    labels = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + np.eye(k)[labels]
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    compare(f"roc_auc one-vs-rest macro, {k} classes",
            lambda: skm.roc_auc_score(labels, probabilities, multi_class="ovr"),
            lambda: metrics.roc_auc(labels, probabilities), repeat=3)

    graded = np.clip(labels + rng.integers(-1, 2, n), 0, k - 1)
    compare("cohen_kappa quadratic, 5 classes",
            lambda: skm.cohen_kappa_score(labels, graded, weights="quadratic"),
            lambda: metrics.cohen_kappa(labels, graded, weights="quadratic"))


if __name__ == "__main__":
    main()
