"""Writes docs/images/fundus_grades.png: one synthetic fundus photograph per DR grade (the same
eye, seed 0) and, below, each after Ben Graham's local average subtraction.

    PYTHONPATH=build/python /usr/bin/python3 examples/retinopathy/make_fundus_figure.py [--out PATH]
"""

import argparse
from pathlib import Path

import cv2
import numpy as np

from medimg.io import write_png
from medimg.phantoms import fundus_phantom
from medimg.preprocess import ben_graham

SIZE = 192
NAMES = ["0 no DR", "1 mild", "2 moderate", "3 severe", "4 proliferative"]


def label(tile, text):
    """The tile (H, W, 3 uint8) with `text` written at its top left."""
    tile = np.ascontiguousarray(tile)
    cv2.putText(tile, text, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
    return tile


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parents[2] / "docs/images/fundus_grades.png")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    top, bottom = [], []
    for grade in range(5):
        image, _ = fundus_phantom(grade, SIZE, args.seed)
        rgb = np.round(image.numpy() * 255).astype(np.uint8)
        # Graham: sigma 10 at a 300-pixel fundus radius, i.e. radius / 30.
        graham = ben_graham(rgb, sigma=0.46 * SIZE / 30, circle=0.9)
        top.append(label(rgb.transpose(1, 2, 0), NAMES[grade]))
        bottom.append(label(graham.transpose(1, 2, 0), "Ben Graham"))
    sheet = np.vstack([np.hstack(top), np.hstack(bottom)])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_png(args.out, np.ascontiguousarray(sheet.transpose(2, 0, 1)))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
