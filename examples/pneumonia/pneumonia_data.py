"""PneumoniaMNIST as network input, shared by train_pneumonia.py and evaluate_pneumonia.py.

The splits are read with medimg's NPZ reader (medimg.io.read_medmnist: (N, 1, 28, 28) uint8
images, (N, 1) int64 labels; 0 = normal, 1 = pneumonia). Images are scaled to [-1, 1] as
MedMNIST's reference code does and enlarged bilinearly to INPUT_SIZE: medimg's ResNet keeps
torchvision's stem (7x7 stride-2 convolution and max-pool), which would leave layer1 a
7 x 7 map at 28 px; at 64 px it is 16 x 16 and layer4 2 x 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Tuple

import torch

import medimg

DEFAULT_NPZ = (Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "medmnist"
               / "pneumoniamnist.npz")
INPUT_SIZE = 64
CLASSES = ("normal", "pneumonia")


def load_split(npz: Path, split: str, limit: int = 0) -> Tuple[torch.Tensor, torch.Tensor]:
    """One split as ``(images (N, 1, INPUT_SIZE, INPUT_SIZE) float32 in [-1, 1], labels (N,)
    int64)``; ``limit > 0`` keeps the first ``limit`` cases."""
    images, labels = medimg.io.read_medmnist(str(npz), split)
    if limit > 0:
        images, labels = images[:limit], labels[:limit]
    x = images.to(torch.float32) / 127.5 - 1.0
    x = torch.nn.functional.interpolate(x, size=(INPUT_SIZE, INPUT_SIZE), mode="bilinear",
                                        align_corners=False)
    return x.contiguous(), labels[:, 0].contiguous()


@torch.no_grad()
def pneumonia_probability(model: torch.nn.Module, images: torch.Tensor,
                          batch_size: int = 256) -> torch.Tensor:
    """P(pneumonia) = softmax(logits)[:, 1] for every image, in eval mode (the model's
    training flag is restored)."""
    was_training = model.training
    model.eval()
    scores = [torch.softmax(model(images[i:i + batch_size]), dim=1)[:, 1]
              for i in range(0, len(images), batch_size)]
    model.train(was_training)
    return torch.cat(scores)
