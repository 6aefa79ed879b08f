"""Trains the diabetic-retinopathy grader: an EfficientNet with CBAM and an ordinal head.

    PYTHONPATH=build/python /usr/bin/python3 examples/retinopathy/train_dr.py \
        --out models/dr_efficientnet_b0_w025.pt

Network: medimg.nn.EfficientNet(--variant, cbam=True, num_classes=4) whose four logits model
P(grade > k), k = 0..3 (CORAL, Cao et al. 2020; medimg.nn.ordinal_loss). CBAM sits in the
blocks of stages 4-7 (--cbam-from-stage 4; 7 of the narrow B0's 10 blocks): the early, fine
stages stay without attention gates, so they train as fast as without CBAM and their class
maps point at lesions (with CBAM in every block: test hit rate 0.69 instead of 0.89). B0 is narrowed for
the CPU by default (--width 0.25 --depth 0.5, ~0.2 M parameters), stochastic depth off;
--variant b4 (or any variant) without --width/--depth keeps the variant's own multipliers.
--output-stride 8 (the default) keeps the last stride-2 stages at stride 1, without
dilation, so the last feature map is 16 x 16 at 128 px rather than 4 x 4 and the receptive
fields are smaller: Grad-CAM can then point at a lesion rather than at a quarter of the eye
(docs/case_retinopathy.md).

Data: the synthetic fundus set (medimg.phantoms.fundus_dataset, --n-train cases with seed
TRAIN_SEED, validation --n-val cases with VAL_SEED; the test seed is never read here), or
the train/val splits of a MedMNIST retinamnist.npz (--npz), or a graded folder (--folder;
every fifth case validates). Images go through dr_data.PREPROCESSING (128 px, scaled to
[-1, 1], no enhancement: it trained better than Ben Graham's filter, docs/case_retinopathy.md)
once; each batch is then rotated by a random angle and
mirrored at random (medimg.augment.affine_batch): a fundus has no preferred orientation and
lesion counts do not change.

A plain PyTorch loop: AdamW, cosine schedule with a one-epoch warm-up
(medimg.train.CosineWarmupLR). After every epoch the validation quadratic-weighted kappa is
computed (medimg.metrics.cohen_kappa) and the best epoch's weights are written (model
selection on validation kappa only). Deterministic: one seed and thread count give one
model, bit for bit.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import torch

import medimg
import medimg.nn as mnn
from medimg.pipelines import DRGrader

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dr_data  # noqa: E402

NUM_GRADES = 5
#: The narrow B0 for 2 CPU cores (used when --variant b0 and no --width/--depth).
NARROW_B0 = (0.25, 0.5)


def build_model(variant: str, width: Optional[float], depth: Optional[float],
                cbam: bool = True, output_stride: int = 8,
                cbam_from_stage: int = 4) -> mnn.EfficientNet:
    """EfficientNet ``variant`` with CBAM (in stages ``cbam_from_stage`` … 7) and 4 ordinal
    logits; B0 narrowed by default."""
    if variant == "b0" and width is None and depth is None:
        width, depth = NARROW_B0
    options: Dict[str, Any] = {"num_classes": NUM_GRADES - 1, "cbam": cbam,
                               "stochastic_depth": 0.0, "output_stride": output_stride}
    if cbam and cbam_from_stage != 1:
        options["cbam_from_stage"] = cbam_from_stage
    if output_stride < 32:
        options["dilated"] = False  # dilation's gridding would put Grad-CAM maxima on a grid
    if width is not None:
        options["width_multiplier"] = width
    if depth is not None:
        options["depth_multiplier"] = depth
    return mnn.EfficientNet(variant, **options)


def load_data(n_train: int, n_val: int, npz: Optional[Path], folder: Optional[Path],
              limit: int) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(x_train, y_train, x_val, y_val) as network input and grades."""
    if npz is not None:
        images, y_train = dr_data.npz_split(npz, "train", limit)
        val_images, y_val = dr_data.npz_split(npz, "val", limit)
        return (dr_data.network_input(images), y_train, dr_data.network_input(val_images),
                y_val)
    if folder is not None:
        images, grades = dr_data.folder(folder, limit)
        x = dr_data.network_input(images)
        val = torch.arange(len(grades)) % 5 == 4
        return x[~val], grades[~val], x[val], grades[val]
    if limit > 0:
        n_train, n_val = min(n_train, limit), min(n_val, limit)
    images, y_train, _ = dr_data.synthetic(n_train, dr_data.TRAIN_SEED)
    val_images, y_val, _ = dr_data.synthetic(n_val, dr_data.VAL_SEED)
    return dr_data.network_input(images), y_train, dr_data.network_input(val_images), y_val


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Each image rotated about its centre by a uniform angle and mirrored left-right with
    probability 1/2 (medimg.augment.affine_batch, linear, edge border)."""
    n, _, h, w = x.shape
    angle = 2 * math.pi * torch.rand(n, generator=generator, dtype=torch.float64)
    mirror = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0).to(torch.float64)
    centre = torch.tensor([(h - 1) / 2, (w - 1) / 2], dtype=torch.float64)
    matrices = torch.zeros(n, 3, 3, dtype=torch.float64)
    cos, sin = torch.cos(angle), torch.sin(angle)
    # output index (y, x) -> input index: R(angle) · diag(1, mirror) (out - centre) + centre
    matrices[:, 0, 0], matrices[:, 0, 1] = cos, -sin * mirror
    matrices[:, 1, 0], matrices[:, 1, 1] = sin, cos * mirror
    matrices[:, :2, 2] = centre - matrices[:, :2, :2] @ centre
    matrices[:, 2, 2] = 1
    return medimg.augment.affine_batch(x, matrices, "linear", "edge")


def train(out: Path, *, variant: str = "b0", width: Optional[float] = None,
          depth: Optional[float] = None, cbam: bool = True, output_stride: int = 8,
          cbam_from_stage: int = 4, n_train: int = 2000,
          n_val: int = 250, epochs: int = 20, batch_size: int = 32, lr: float = 3e-3,
          weight_decay: float = 1e-4, use_augment: bool = True, seed: int = 0,
          threads: int = 2, limit: int = 0, npz: Optional[Path] = None,
          folder: Optional[Path] = None, verbose: bool = True) -> List[Dict[str, Any]]:
    """Trains, writes the best epoch's model to ``out`` (medimg.nn.save_model) and returns
    one record per epoch (``epoch``, ``loss``, ``val_kappa``, ``val_accuracy``, ``lr``,
    ``seconds``). ``limit > 0`` uses at most ``limit`` training and validation cases."""
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    x_train, y_train, x_val, y_val = load_data(n_train, n_val, npz, folder, limit)

    model = build_model(variant, width, depth, cbam, output_stride, cbam_from_stage)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    schedule = medimg.train.CosineWarmupLR(optimizer, total_epochs=epochs,
                                           warmup_epochs=min(1, epochs - 1), start_factor=0.1)
    grader = DRGrader(model, **dr_data.PREPROCESSING)

    history: List[Dict[str, Any]] = []
    best_key, best_state = None, None
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(len(y_train), generator=generator)
        total, seen = 0.0, 0
        for i in range(0, len(order), batch_size):
            index = order[i:i + batch_size]
            if len(index) < 2:  # batch norm needs two samples
                continue
            x = augment(x_train[index], generator) if use_augment else x_train[index]
            loss = mnn.ordinal_loss(model(x), y_train[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss) * len(index)
            seen += len(index)
        rate = schedule.get_last_lr()[0]
        schedule.step()
        predicted = grader.predict(x_val, preprocessed=True).grades
        kappa = medimg.metrics.cohen_kappa(y_val, predicted, weights="quadratic",
                                           num_classes=NUM_GRADES)
        kappa = -1.0 if math.isnan(kappa) else kappa
        record = {"epoch": epoch, "loss": total / max(seen, 1), "val_kappa": kappa,
                  "val_accuracy": medimg.metrics.accuracy(y_val, predicted),
                  "lr": rate, "seconds": time.perf_counter() - start}
        history.append(record)
        key = (record["val_kappa"], record["val_accuracy"])
        if best_key is None or key > best_key:
            best_key, best_state = key, copy.deepcopy(model.state_dict())
        if verbose:
            print(json.dumps({k: round(v, 4) if isinstance(v, float) else v
                              for k, v in record.items()}), flush=True)
    model.load_state_dict(best_state)
    model.eval()
    out.parent.mkdir(parents=True, exist_ok=True)
    mnn.save_model(model, str(out))
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="model file to write")
    parser.add_argument("--variant", choices=("b0", "b1", "b2", "b3", "b4"), default="b0")
    parser.add_argument("--width", type=float, help="width multiplier (b0 default: 0.25)")
    parser.add_argument("--depth", type=float, help="depth multiplier (b0 default: 0.5)")
    parser.add_argument("--no-cbam", action="store_true", help="EfficientNet without CBAM")
    parser.add_argument("--cbam-from-stage", type=int, choices=range(1, 8), default=4,
                        help="first MBConv stage (features.N) with CBAM; 1: every block")
    parser.add_argument("--output-stride", type=int, choices=(8, 16, 32), default=8,
                        help="input size / last feature-map size (32: the original network)")
    parser.add_argument("--n-train", type=int, default=2000, help="synthetic training cases")
    parser.add_argument("--n-val", type=int, default=250, help="synthetic validation cases")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--no-augment", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0,
                        help="use at most N training and validation cases (tests)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--npz", type=Path, help="train on a MedMNIST retinamnist.npz")
    source.add_argument("--folder", type=Path,
                        help="train on a graded folder (APTOS/EyePACS/IDRiD layout)")
    args = parser.parse_args()
    start = time.perf_counter()
    history = train(args.out, variant=args.variant, width=args.width, depth=args.depth,
                    cbam=not args.no_cbam, output_stride=args.output_stride,
                    cbam_from_stage=args.cbam_from_stage,
                    n_train=args.n_train, n_val=args.n_val,
                    epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                    use_augment=not args.no_augment, seed=args.seed, threads=args.threads,
                    limit=args.limit, npz=args.npz, folder=args.folder)
    best = max(history, key=lambda r: (r["val_kappa"], r["val_accuracy"]))
    print(json.dumps({"best_epoch": best["epoch"], "val_kappa": best["val_kappa"],
                      "val_accuracy": best["val_accuracy"], "model": str(args.out),
                      "seconds": round(time.perf_counter() - start, 1)}))


if __name__ == "__main__":
    main()
