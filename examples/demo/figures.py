"""Small image helpers for the demo report: grey to uint8, label colours, tiles side by side,
and matplotlib figures saved atomically."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np

from report import write_atomically

# Distinct colours for up to 20 labels (tab20), label 0 left grey.
_COLOURS = (plt.get_cmap("tab20")(np.arange(20))[:, :3] * 255).astype(np.uint8)


def to_uint8(unit: np.ndarray) -> np.ndarray:
    """Values in [0, 1] to uint8 (rounded), any shape."""
    return np.round(np.clip(np.asarray(unit, np.float64), 0, 1) * 255).astype(np.uint8)


def label_overlay(grey: np.ndarray, labels: np.ndarray, alpha: float = 0.45) -> np.ndarray:
    """A (Y, X) image in [0, 1] with its label map blended in colour: (3, Y, X) uint8."""
    rgb = np.repeat(to_uint8(grey)[..., None], 3, axis=2).astype(np.float64)
    inside = labels > 0
    colours = _COLOURS[(labels[inside].astype(np.int64) - 1) % len(_COLOURS)]
    rgb[inside] = (1 - alpha) * rgb[inside] + alpha * colours
    return np.round(rgb).astype(np.uint8).transpose(2, 0, 1)


def side_by_side(tiles: Sequence[np.ndarray], scale: int = 1, gap: int = 4) -> np.ndarray:
    """(Y, X) grey or (3, Y, X) / (Y, X, 3) RGB uint8 tiles in one row: (3, Y, X) uint8."""
    def rgb(tile: np.ndarray) -> np.ndarray:
        tile = np.asarray(tile)
        if tile.ndim == 2:
            tile = np.repeat(tile[None], 3, axis=0)
        elif tile.shape[-1] == 3 and tile.shape[0] != 3:
            tile = tile.transpose(2, 0, 1)
        return tile.repeat(scale, axis=1).repeat(scale, axis=2)

    tiles = [rgb(t) for t in tiles]
    height = max(t.shape[1] for t in tiles)
    width = sum(t.shape[2] for t in tiles) + gap * (len(tiles) - 1)
    row = np.full((3, height, width), 255, np.uint8)
    x = 0
    for t in tiles:
        row[:, :t.shape[1], x:x + t.shape[2]] = t
        x += t.shape[2] + gap
    return row


def save_figure(path: Path, draw: Callable[[plt.Figure], None], size=(5.5, 4)) -> None:
    """draw(figure), then PNG at `path`, written atomically."""
    figure = plt.figure(figsize=size)
    try:
        draw(figure)
        figure.tight_layout()
        write_atomically(path, lambda stream: figure.savefig(stream, format="png", dpi=110))
    finally:
        plt.close(figure)
