"""The CT phantoms of the lung-nodule case study and the labels of their candidates, shared by
train_fp_reduction.py and evaluate_phantoms.py (docs/lung_nodules.md).

Seeds never overlap: training phantoms use seeds 0.., validation 500.., held-out test 1000..
"""

from __future__ import annotations

from typing import List, Sequence, Tuple

import numpy as np

import medimg

TRAIN_SEED, VALIDATION_SEED, TEST_SEED = 0, 500, 1000

# A chest of 280 x 314 x 314 mm at 2.5 mm slices and 1.4 mm pixels (LUNA16 scans have slices
# of at most 2.5 mm and pixels of 0.5-0.9 mm; coarser pixels keep a phantom at 0.2 s).
PHANTOM = dict(shape=[112, 224, 224], spacing=[2.5, 1.4, 1.4], nodules=6,
               nodule_diameter=(3.0, 30.0), part_solid_fraction=0.3)


def phantom(seed: int) -> medimg.phantoms.CtPhantom:
    return medimg.phantoms.ct_phantom(seed=seed, **PHANTOM)


def findings(case: medimg.phantoms.CtPhantom, case_id: str) -> List[dict]:
    """The planted nodules as findings for medimg.metrics.froc."""
    return [dict(case_id=case_id, center_mm=n.centre, diameter_mm=n.diameter)
            for n in case.nodules]


def hits(centres: Sequence[Sequence[float]], case: medimg.phantoms.CtPhantom) -> np.ndarray:
    """True where a point lies inside a planted nodule's sphere (LUNA16's hit rule)."""
    points = np.asarray(centres, dtype=float).reshape(-1, 3)
    hit = np.zeros(len(points), dtype=bool)
    for n in case.nodules:
        hit |= np.linalg.norm(points - np.asarray(n.centre), axis=1) < n.diameter / 2
    return hit


# Looser candidate options that also find vessel fragments: a pool of extra negatives.
VESSEL_FRAGMENTS = dict(threshold=-650.0, max_elongation=8.0, min_diameter=2.0, opening_radius=2.0)


def labelled_patches(detector: "medimg.pipelines.LungNoduleDetector", seeds: Sequence[int],
                     jitter: int, extra_negatives: int, rng: np.random.Generator
                     ) -> Tuple[np.ndarray, np.ndarray]:
    """uint8 patches (N, S, S, S) and labels (N, 1) from the phantoms of `seeds`: every
    candidate the detector finds, labelled 1 when it hits a nodule; `jitter` extra patches
    per nodule around its centre (uniform within a quarter of its radius), which adds
    positives where they are scarce; and `extra_negatives` vessel fragments per phantom
    (blobs of the looser VESSEL_FRAGMENTS options that hit no nodule), drawn at random."""
    images, labels = [], []
    for seed in seeds:
        case = phantom(seed)
        lungs = detector.lungs(case.ct)
        centres = [c.centre for c in detector.candidates(case.ct, lungs)]
        label = list(hits(centres, case).astype(np.int64))
        for n in case.nodules:
            for _ in range(jitter):
                centres.append(tuple(np.asarray(n.centre) + rng.uniform(-1, 1, 3) * n.diameter / 8))
                label.append(1)
        fragments = [c.centre for c in
                     medimg.classic.nodule_candidates(case.ct, lungs, **VESSEL_FRAGMENTS)]
        fragments = [c for c, hit in zip(fragments, hits(fragments, case)) if not hit]
        for k in rng.choice(len(fragments), min(extra_negatives, len(fragments)), replace=False):
            centres.append(fragments[k])
            label.append(0)
        patches = medimg.pipelines.nodule_patches(case.ct, centres)
        images.append(np.rint(patches[:, 0].numpy() * 255).astype(np.uint8))
        labels.append(np.asarray(label, dtype=np.int64)[:, None])
    return np.concatenate(images), np.concatenate(labels)
