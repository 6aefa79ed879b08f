"""Trains a ResNet-18 (medimg.nn.ResNet) on PneumoniaMNIST: normal (0) against pneumonia (1).

    PYTHONPATH=build/python /usr/bin/python3 examples/pneumonia/train_pneumonia.py \
        --mode finetune --width 16 --out models/pneumonia_resnet18_w16.pt

    PYTHONPATH=build/python /usr/bin/python3 examples/pneumonia/train_pneumonia.py \
        --mode frozen --backbone models/pneumonia_resnet18_w16.pt --out build/pneumonia/frozen.pt

Modes:
  finetune  every weight trains; from --backbone when given, else from medimg's (torchvision's)
            random initialisation after torch.manual_seed(--seed).
  frozen    only ``fc`` trains (``freeze_backbone()``), on the backbone of --backbone: a medimg
            model file (medimg.nn.save_model), a medimg or torchvision state dict
            (torch.save(dict(...)) or torchvision's resnet18 .pth; 3-channel weights are summed
            to one channel by medimg.nn.load_torchvision_weights). The head is made anew (2
            classes) and the whole network stays in eval mode, so the backbone's batch-norm
            statistics stay those of the file. Nothing is downloaded.

A plain PyTorch loop on the medimg network (medimg's trainer keeps every module in training
mode, which would move the frozen backbone's batch-norm statistics): AdamW, cosine schedule
with a one-epoch warm-up (medimg.train.CosineWarmupLR), cross-entropy weighted by the inverse
class frequency (the training split is 90 % pneumonia), and random rotations, scalings,
shifts (medimg.augment.affine_batch) and contrast/brightness changes. After every epoch the
validation AUC is computed (medimg.metrics.roc_auc) and the best epoch's weights are written
(model selection on the val split only; the test split is never read here). Deterministic:
one seed and thread count give one model, bit for bit.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import torch

import medimg
import medimg.nn as mnn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pneumonia_data import DEFAULT_NPZ, pneumonia_probability, load_split  # noqa: E402

# Augmentation ranges (uniform draws): pixels at INPUT_SIZE = 64 (4 px = 1.75 px of the
# 28 px original), degrees, fractions, intensity units of the [-1, 1] scale.
MAX_SHIFT, ROTATION, SCALE, CONTRAST, BRIGHTNESS = 4.0, 10.0, 0.1, 0.2, 0.1
# --augment shift: shifts only (the comparison run of docs/case_pneumonia.md)
AUGMENTATIONS = {"full": (MAX_SHIFT, ROTATION, SCALE, CONTRAST, BRIGHTNESS),
                 "shift": (MAX_SHIFT, 0.0, 0.0, 0.0, 0.0)}


def read_backbone(path: Path) -> Dict[str, torch.Tensor]:
    """The state dict in ``path``: a medimg model file, a dict of tensors, or a torchvision
    checkpoint (an OrderedDict, possibly under "state_dict" / "model")."""
    data = torch.load(str(path), map_location="cpu")
    if isinstance(data, dict) and "medimg_model_format" in data:
        return dict(mnn.load_model(str(path)).state_dict())
    for key in ("state_dict", "model"):
        if isinstance(data, dict) and isinstance(data.get(key), dict):
            data = data[key]
    if not isinstance(data, dict) or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise medimg.FormatError(f"{path}: expected a medimg model file or a state dict")
    if not {"conv1.weight", "module.conv1.weight"} & set(data):
        raise medimg.FormatError(f"{path}: not ResNet weights (no 'conv1.weight')")
    return {k[len("module."):] if k.startswith("module.") else k: v for k, v in data.items()}


def build_model(width: int, backbone: Optional[Path]) -> mnn.ResNet:
    """ResNet-18, one input channel, two classes; with ``backbone``, its width is the file's
    and every tensor but ``fc`` comes from the file (a fresh ``fc`` with two outputs)."""
    if backbone is None:
        return mnn.ResNet(18, in_channels=1, num_classes=2, width=width)
    state = read_backbone(backbone)
    width = int(state["conv1.weight"].shape[0])
    model = mnn.ResNet(18, in_channels=1, num_classes=2, width=width)
    if state["conv1.weight"].shape[1] != 1 or state["fc.weight"].shape[0] != 2:
        mnn.load_torchvision_weights(model, state)  # adapts conv1, keeps a new fc
    else:
        model.load_state_dict(state)
    model.replace_head(2)
    return model


def augment(images: torch.Tensor, generator: torch.Generator, kind: str = "full"
            ) -> torch.Tensor:
    """Each image rotated by up to ±rotation degrees, scaled by 1 ± scale and moved by up to
    ±shift px about its centre (medimg.augment.affine_batch, linear, edge border), then its
    contrast scaled by 1 ± contrast about its mean and its brightness moved by ±brightness
    (the intensities are in [-1, 1]); the ranges are AUGMENTATIONS[kind]."""
    max_shift, rotation, scale_range, contrast_range, brightness_range = AUGMENTATIONS[kind]
    n, _, h, w = images.shape

    def uniform(low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(n, generator=generator, dtype=torch.float64)

    angle = torch.deg2rad(uniform(-rotation, rotation))
    scale = uniform(1 - scale_range, 1 + scale_range)
    shift_y, shift_x = uniform(-max_shift, max_shift), uniform(-max_shift, max_shift)
    centre = torch.tensor([(h - 1) / 2, (w - 1) / 2], dtype=torch.float64)
    matrices = torch.zeros(n, 3, 3, dtype=torch.float64)
    # output index -> input index: in = R(angle) / scale (out - centre) + centre + shift
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    matrices[:, 0, 0], matrices[:, 0, 1], matrices[:, 1, 0], matrices[:, 1, 1] = cos, -sin, sin, cos
    matrices[:, :2, 2] = (centre - (matrices[:, :2, :2] @ centre)
                          + torch.stack([shift_y, shift_x], dim=1))
    matrices[:, 2, 2] = 1
    warped = medimg.augment.affine_batch(images, matrices, "linear", "edge")
    contrast = uniform(1 - contrast_range, 1 + contrast_range).to(images.dtype).view(n, 1, 1, 1)
    brightness = uniform(-brightness_range, brightness_range).to(images.dtype).view(n, 1, 1, 1)
    mean = warped.mean(dim=(1, 2, 3), keepdim=True)
    return (warped - mean) * contrast + mean + brightness


def train(mode: str, out: Path, *, npz: Path = DEFAULT_NPZ, backbone: Optional[Path] = None,
          width: int = 16, epochs: int = 12, batch_size: int = 64, lr: float = 2e-3,
          weight_decay: float = 1e-4, augmentation: str = "full", seed: int = 0,
          threads: int = 2, limit: int = 0, verbose: bool = True) -> List[Dict[str, Any]]:
    """Trains, writes the best epoch's model to ``out`` (medimg.nn.save_model) and returns
    one record per epoch (``epoch``, ``loss``, ``val_auc``, ``val_accuracy``, ``lr``,
    ``seconds``). ``limit > 0`` uses the first ``limit`` training and validation cases."""
    if mode not in ("finetune", "frozen"):
        raise medimg.ArgumentError(f"mode must be 'finetune' or 'frozen', got {mode!r}")
    if augmentation not in AUGMENTATIONS:
        raise medimg.ArgumentError(f"augmentation must be one of {sorted(AUGMENTATIONS)}, "
                                   f"got {augmentation!r}")
    if mode == "frozen" and backbone is None:
        raise medimg.ArgumentError("mode 'frozen' needs a backbone file (--backbone)")
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    x_train, y_train = load_split(npz, "train", limit)
    x_val, y_val = load_split(npz, "val", limit)

    model = build_model(width, backbone)
    if mode == "frozen":
        model.freeze_backbone()
        model.eval()  # fixed batch-norm statistics; fc behaves the same in either mode
    else:
        model.train()
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=lr, weight_decay=weight_decay)
    schedule = medimg.train.CosineWarmupLR(optimizer, total_epochs=epochs,
                                           warmup_epochs=min(1, epochs - 1), start_factor=0.1)
    counts = torch.bincount(y_train, minlength=2).clamp(min=1).to(torch.float32)
    class_weights = counts.sum() / (2 * counts)  # balanced: each class weighs half
    loss_fn = torch.nn.CrossEntropyLoss(weight=class_weights)

    history: List[Dict[str, Any]] = []
    best_auc, best_state = -1.0, None
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = torch.randperm(len(y_train), generator=generator)
        total, seen = 0.0, 0
        for i in range(0, len(order), batch_size):
            index = order[i:i + batch_size]
            x = augment(x_train[index], generator, augmentation)
            loss = loss_fn(model(x), y_train[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss) * len(index)
            seen += len(index)
        rate = schedule.get_last_lr()[0]
        schedule.step()
        score = pneumonia_probability(model, x_val)
        if mode == "finetune":
            model.train()
        record = {"epoch": epoch, "loss": total / seen,
                  "val_auc": medimg.metrics.roc_auc(y_val, score),
                  "val_accuracy": medimg.metrics.accuracy(y_val, (score > 0.5).long()),
                  "lr": rate, "seconds": time.perf_counter() - start}
        history.append(record)
        if record["val_auc"] > best_auc:
            best_auc, best_state = record["val_auc"], copy.deepcopy(model.state_dict())
        if verbose:
            print(json.dumps({k: round(v, 4) if isinstance(v, float) else v
                              for k, v in record.items()}), flush=True)
    model.load_state_dict(best_state)
    model.unfreeze()
    out.parent.mkdir(parents=True, exist_ok=True)
    mnn.save_model(model, str(out))
    return history


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("finetune", "frozen"), default="finetune")
    parser.add_argument("--out", type=Path, required=True, help="model file to write")
    parser.add_argument("--npz", type=Path, default=DEFAULT_NPZ)
    parser.add_argument("--backbone", type=Path, help="weights to start from (frozen: required)")
    parser.add_argument("--width", type=int, default=16,
                        help="ResNet width (64 = torchvision's); a backbone sets its own")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--augment", choices=sorted(AUGMENTATIONS), default="full",
                        help="full: rotation, scale, shift, contrast, brightness; shift: shifts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--limit", type=int, default=0,
                        help="use only the first N training and validation images (tests)")
    args = parser.parse_args()
    start = time.perf_counter()
    history = train(args.mode, args.out, npz=args.npz, backbone=args.backbone,
                    width=args.width, epochs=args.epochs, batch_size=args.batch_size,
                    lr=args.lr, augmentation=args.augment, seed=args.seed,
                    threads=args.threads, limit=args.limit)
    best = max(history, key=lambda r: r["val_auc"])
    print(json.dumps({"best_epoch": best["epoch"], "val_auc": best["val_auc"],
                      "val_accuracy": best["val_accuracy"], "model": str(args.out),
                      "seconds": round(time.perf_counter() - start, 1)}))


if __name__ == "__main__":
    main()
