"""A synthetic lung-nodule detection task for the Haar-cascade tests and benchmark.

CT-like 8-bit slices: dark parenchyma with smooth low-frequency variation and noise, bright
vessels (curved tubes 1.5–4 px wide, and their round cross-sections of radius 1–2.5 px,
the classic nodule mimics), sometimes a bright chest-wall region with an edge. Nodules are
bright soft-edged discs of radius 5–10 px, slightly elliptical, 60–110 grey levels above
the parenchyma. Everything is drawn from a numpy Generator, so a seed fixes the data.
"""

import cv2
import numpy as np
import scipy.ndimage as ndi
from scipy.special import expit

WINDOW = 16          # detection window (pixels)
CROP_FACTOR = 3.2    # positive crop side = CROP_FACTOR * nodule radius
RADII = (5.0, 10.0)  # nodule radius range (pixels)


def background(rng, shape):
    """A float CT-like background without nodules."""
    h, w = shape
    low = ndi.gaussian_filter(rng.normal(size=shape), 8)
    img = 45 + 12 * low / (low.std() + 1e-9) + rng.normal(0, 6, shape)
    vessels = np.zeros(shape)
    for _ in range(int(rng.integers(3, 8))):  # curved tubes
        y, x = rng.uniform(0, h), rng.uniform(0, w)
        angle, turn = rng.uniform(0, 2 * np.pi), rng.normal(0, 0.04)
        width = rng.uniform(0.6, 1.4)
        canvas = np.zeros(shape)
        for _ in range(int(rng.integers(30, 160))):
            if 0 <= y < h and 0 <= x < w:
                canvas[int(y), int(x)] = 1
            angle += turn + rng.normal(0, 0.05)
            y, x = y + 0.5 * np.sin(angle), x + 0.5 * np.cos(angle)
        line = ndi.gaussian_filter(canvas, width)
        vessels = np.maximum(vessels, line / (line.max() + 1e-9) * rng.uniform(50, 100))
    yy, xx = np.mgrid[:h, :w]
    for _ in range(int(rng.integers(2, 7))):  # cross-sections: small bright dots
        cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(1.0, 2.5)
        dot = rng.uniform(50, 100) * expit((r - np.hypot(yy - cy, xx - cx)) / 0.6)
        vessels = np.maximum(vessels, dot)
    img += vessels
    if rng.random() < 0.3:  # chest wall: a bright half-plane with a soft edge
        a = rng.uniform(0, 2 * np.pi)
        d = (yy - h / 2) * np.sin(a) + (xx - w / 2) * np.cos(a) - rng.uniform(0.3, 0.6) * min(h, w)
        img += 120 * expit(d / 1.5)
    return img


def add_nodule(rng, img, cy, cx, r):
    """Adds a nodule of radius r centred at (cy, cx) to a float image."""
    h, w = img.shape
    yy, xx = np.mgrid[:h, :w]
    a = rng.uniform(0, np.pi)
    e = rng.uniform(0.85, 1.15)
    u = (yy - cy) * np.cos(a) + (xx - cx) * np.sin(a)
    v = -(yy - cy) * np.sin(a) + (xx - cx) * np.cos(a)
    dist = np.hypot(u * e, v / e)
    img += rng.uniform(60, 110) * expit((r - dist) / rng.uniform(0.6, 1.2))
    return img


def to_uint8(img):
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def positives(rng, n):
    """n WINDOW x WINDOW uint8 crops centred (±1 px) on a nodule, resized from CT scale."""
    out = np.empty((n, WINDOW, WINDOW), np.uint8)
    for i in range(n):
        r = rng.uniform(*RADII)
        side = int(round(CROP_FACTOR * r))
        size = side + 8
        img = add_nodule(rng, background(rng, (size, size)), size / 2 + rng.uniform(-1, 1),
                         size / 2 + rng.uniform(-1, 1), r)
        o = (size - side) // 2
        crop = to_uint8(img)[o:o + side, o:o + side]
        out[i] = cv2.resize(crop, (WINDOW, WINDOW), interpolation=cv2.INTER_AREA)
    return out


def negatives(rng, n, shape=(128, 128)):
    """n background images without nodules."""
    return [to_uint8(background(rng, shape)) for _ in range(n)]


def scenes(rng, n, shape=(128, 128), per_image=(1, 3)):
    """n images with 1-3 separated nodules each, and the nodules as (cy, cx, r) lists."""
    images, truth = [], []
    for _ in range(n):
        img = background(rng, shape)
        nodules = []
        for _ in range(int(rng.integers(per_image[0], per_image[1] + 1))):
            for _ in range(100):
                r = rng.uniform(*RADII)
                cy, cx = rng.uniform(r + 4, shape[0] - r - 4), rng.uniform(r + 4, shape[1] - r - 4)
                if all(np.hypot(cy - y, cx - x) > 2.5 * (r + s) for y, x, s in nodules):
                    break
            add_nodule(rng, img, cy, cx, r)
            nodules.append((cy, cx, r))
        images.append(to_uint8(img))
        truth.append(nodules)
    return images, truth


def score(boxes_per_image, truth):
    """(hit rate, false positives per image): a box hits a nodule when its centre lies within
    the nodule radius and its side is 1.5 to 5 radii; boxes hitting no nodule are false
    positives."""
    hits = fps = total = 0
    for boxes, nodules in zip(boxes_per_image, truth):
        found = [False] * len(nodules)
        for x, y, w, h in np.asarray(boxes).reshape(-1, 4):
            cy, cx, side = y + h / 2, x + w / 2, (w + h) / 2
            match = [k for k, (ny, nx, r) in enumerate(nodules)
                     if np.hypot(cy - ny, cx - nx) <= r and 1.5 * r <= side <= 5 * r]
            for k in match:
                found[k] = True
            fps += not match
        hits += sum(found)
        total += len(nodules)
    return hits / total, fps / len(truth)
