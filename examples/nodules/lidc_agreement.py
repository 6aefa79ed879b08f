"""Reader-vs-reader and medimg-vs-reader agreement on the LIDC-IDRI nodules of the subset.

    PYTHONPATH=build/python /usr/bin/python3 examples/nodules/lidc_agreement.py --out DIR \
        [--data ../shared/data/lidc_idri_subset] [--cases LIDC-IDRI-0001 ...]

For each series: the four radiologists' XML contours become masks on the CT grid
(medimg.io.lidc_nodule_mask). Marks of different readers are one nodule when each centre
lies within the larger of the two marks' radii of the other (the equivalent-sphere radius of
each mask; linked transitively). For every nodule marked by >= 2 readers it reports the
pairwise Dice and HD95 (mm, the scan's spacing) of the readers' masks, and medimg's
segmentation (classic.segment_nodule inside classic.lung_mask, seeded at the centre of the
nodule_candidates candidate that hits the nodule: within its radius) against each reader.

Writes DIR/lidc_agreement.csv (one row per pair), DIR/lidc_agreement.md (a table per
nodule) and DIR/<case>_nodule<k>.png (the axial slice through the nodule's centre with each
reader's contour and medimg's). See docs/lung_nodules.md.
"""

from __future__ import annotations

import argparse
import csv
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

import medimg

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data" / "lidc_idri_subset"
CASES = {"LIDC-IDRI-0001": "annotations_69.xml", "LIDC-IDRI-0002": "annotations_71.xml",
         "LIDC-IDRI-0003": "annotations_72.xml"}
COMMAND = ("PYTHONPATH=build/python /usr/bin/python3 examples/nodules/lidc_agreement.py "
           "--out build/lidc_agreement")

# BGR: readers R1..R4 in reading order, medimg last.
READER_COLOURS = [(60, 60, 255), (60, 220, 60), (255, 140, 40), (230, 80, 230)]
MEDIMG_COLOUR = (0, 230, 255)


@dataclass
class Mark:
    """One reader's outline of one nodule (>= 3 mm: LIDC's contoured nodules)."""

    reader: str      # "R1".."R4": the reading session's order in the XML
    reader_id: str   # servicingRadiologistID
    nodule_id: str
    mask: medimg.Image
    centre: np.ndarray  # world LPS mm
    diameter: float     # mm, of the sphere of the mask's volume
    skipped: int        # contours outside the (partial) series


@dataclass
class Nodule:
    case: str
    index: int
    marks: List[Mark]
    ct: Optional[medimg.Image] = None
    candidate: Optional[medimg.classic.NoduleCandidate] = None
    medimg_mask: Optional[medimg.Image] = None
    note: str = ""
    rows: List[Dict] = field(default_factory=list)

    @property
    def centre(self) -> np.ndarray:
        return np.mean([m.centre for m in self.marks], axis=0)

    @property
    def diameter(self) -> float:
        return float(np.mean([m.diameter for m in self.marks]))

    @property
    def partial(self) -> bool:
        return any(m.skipped for m in self.marks)


def reader_marks(ct: medimg.Image, annotations: medimg.io.LidcAnnotations) -> List[Mark]:
    """Every contoured nodule with at least one contour inside the series."""
    marks = []
    for k, reading in enumerate(annotations.readings, 1):
        for nodule in reading.nodules:
            if nodule.is_small:
                continue
            mask, skipped = medimg.io.lidc_nodule_mask(nodule, ct)
            voxels = np.argwhere(mask.array[0] > 0)
            if len(voxels) == 0:
                continue
            volume = len(voxels) * float(np.prod(ct.spacing))
            centre = np.asarray(ct.geometry.index_to_world(voxels.mean(axis=0)), np.float64)
            marks.append(Mark(f"R{k}", reading.reader_id, nodule.id, mask, centre,
                              (6 * volume / np.pi) ** (1 / 3), skipped))
    return marks


def group_marks(marks: Sequence[Mark]) -> List[List[Mark]]:
    """Marks of one nodule: different readers, centres within the larger of the two radii,
    linked transitively (single linkage)."""
    parent = list(range(len(marks)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, j in itertools.combinations(range(len(marks)), 2):
        a, b = marks[i], marks[j]
        close = np.linalg.norm(a.centre - b.centre) <= max(a.diameter, b.diameter) / 2
        if a.reader != b.reader and close:
            parent[root(j)] = root(i)
    groups: Dict[int, List[Mark]] = {}
    for i, mark in enumerate(marks):
        groups.setdefault(root(i), []).append(mark)
    return sorted(groups.values(), key=lambda g: min(marks.index(m) for m in g))


def agreement(a: medimg.Image, b: medimg.Image) -> Dict[str, float]:
    """Dice and HD95 (mm; MedPy's pooled 95th percentile of the surface distances)."""
    return {"dice": medimg.metrics.dice(a, b),
            "hd95_mm": medimg.metrics.hausdorff(a, b, percentile=95)}


def hitting_candidate(candidates, nodule: Nodule):
    """The candidate nearest to the nodule's centre among those within its radius."""
    hits = [c for c in candidates
            if np.linalg.norm(np.asarray(c.centre) - nodule.centre) <= nodule.diameter / 2]
    return min(hits, key=lambda c: np.linalg.norm(np.asarray(c.centre) - nodule.centre),
               default=None)


def analyse_case(data: Path, case: str) -> List[Nodule]:
    """The nodules of one series marked by >= 2 readers, with every agreement row."""
    ct = medimg.io.read_dicom_series(data / case)
    marks = reader_marks(ct, medimg.io.read_lidc_xml(data / case / CASES[case]))
    lungs = medimg.classic.lung_mask(ct)
    candidates = medimg.classic.nodule_candidates(ct, lungs)
    nodules = []
    for group in group_marks(marks):
        if len({m.reader for m in group}) < 2:
            continue
        nodule = Nodule(case, len(nodules) + 1, sorted(group, key=lambda m: m.reader), ct)
        for a, b in itertools.combinations(nodule.marks, 2):
            nodule.rows.append({"pair": "reader-reader", "a": a.reader, "b": b.reader,
                                **agreement(a.mask, b.mask)})
        nodule.candidate = hitting_candidate(candidates, nodule)
        if nodule.candidate is None:
            nodule.note = "no candidate of nodule_candidates lies within the nodule's radius"
        else:
            try:
                nodule.medimg_mask = medimg.classic.segment_nodule(
                    ct, nodule.candidate.centre, lungs)
            except medimg.ArgumentError as error:
                nodule.note = f"segment_nodule: {error}"
        if nodule.medimg_mask is not None:
            for m in nodule.marks:
                nodule.rows.append({"pair": "medimg-reader", "a": "medimg", "b": m.reader,
                                    **agreement(nodule.medimg_mask, m.mask)})
        if nodule.partial:
            partial = "partial: the contours outside the subset's slices are left out"
            nodule.note = f"{partial}; {nodule.note}" if nodule.note else partial
        nodules.append(nodule)
    return nodules


def _lung_window(hu: np.ndarray) -> np.ndarray:
    return (np.clip((hu + 1350.0) / 1500.0, 0, 1) * 255).astype(np.uint8)


def draw_nodule(nodule: Nodule, path: Path, size: int = 420) -> None:
    """The axial slice through the nodule's centre, cropped around it and enlarged, with each
    reader's contour and medimg's (thicker)."""
    ct = nodule.ct
    centre = np.asarray(ct.geometry.world_to_index(nodule.centre))
    z = int(round(centre[0]))
    half = max(20.0, 1.5 * nodule.diameter)  # mm around the centre
    hy, hx = (int(round(half / s)) for s in ct.spacing[1:])
    y0, x0 = max(0, int(round(centre[1])) - hy), max(0, int(round(centre[2])) - hx)
    y1 = min(ct.array.shape[2], int(round(centre[1])) + hy + 1)
    x1 = min(ct.array.shape[3], int(round(centre[2])) + hx + 1)
    scale = size / max(y1 - y0, x1 - x0)
    shape = (int(round((x1 - x0) * scale)), int(round((y1 - y0) * scale)))  # cv2: (w, h)

    grey = cv2.resize(_lung_window(ct.array[0, z, y0:y1, x0:x1]), shape,
                      interpolation=cv2.INTER_LINEAR)
    canvas = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    layers = [(m.mask, READER_COLOURS[(int(m.reader[1:]) - 1) % 4], 1, m.reader)
              for m in nodule.marks]
    if nodule.medimg_mask is not None:
        layers.append((nodule.medimg_mask, MEDIMG_COLOUR, 2, "medimg"))
    for k, (mask, colour, width, name) in enumerate(layers):
        cut = (mask.array[0, z, y0:y1, x0:x1] > 0).astype(np.uint8)
        big = cv2.resize(cut, shape, interpolation=cv2.INTER_NEAREST)
        contours, _ = cv2.findContours(big, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        cv2.drawContours(canvas, contours, -1, colour, width, cv2.LINE_AA)
        cv2.putText(canvas, name, (6, 18 + 18 * k), cv2.FONT_HERSHEY_SIMPLEX, 0.5, colour, 1,
                    cv2.LINE_AA)
    world_z = ct.geometry.index_to_world(np.array([z, centre[1], centre[2]]))[2]
    cv2.putText(canvas, f"{nodule.case} z={world_z:.1f} mm", (6, shape[1] - 8),
                cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
    cv2.imwrite(str(path), canvas)


def _summary(values: List[float], digits: int) -> str:
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return (f"{np.mean(values):.{digits}f} ({np.min(values):.{digits}f}–"
            f"{np.max(values):.{digits}f})")


def write_results(nodules: List[Nodule], out: Path) -> None:
    """The CSV (one row per pair), the Markdown tables and a PNG per nodule."""
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "lidc_agreement.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["case", "nodule", "pair", "a", "b", "dice", "hd95_mm"])
        for n in nodules:
            for r in n.rows:
                writer.writerow([n.case, n.index, r["pair"], r["a"], r["b"], f"{r['dice']:.4f}",
                                 f"{r['hd95_mm']:.3f}"])

    lines = [f"Reproduce: `{COMMAND}`", "",
             "| case | nodule | readers | diameter mm | reader-vs-reader Dice | "
             "reader-vs-reader HD95 mm | medimg-vs-reader Dice | medimg-vs-reader HD95 mm |",
             "|---|---|---|---|---|---|---|---|"]
    for n in nodules:
        rr = [r for r in n.rows if r["pair"] == "reader-reader"]
        mr = [r for r in n.rows if r["pair"] == "medimg-reader"]
        diameters = "/".join(f"{m.diameter:.1f}" for m in n.marks)
        lines.append(
            f"| {n.case} | {n.index} | {len(n.marks)} | {diameters} | "
            f"{_summary([r['dice'] for r in rr], 3)} | {_summary([r['hd95_mm'] for r in rr], 2)} | "
            f"{_summary([r['dice'] for r in mr], 3)} | {_summary([r['hd95_mm'] for r in mr], 2)} |")
    lines += ["", "Mean (min–max) over the reader pairs and over the readers.", ""]
    for n in nodules:
        lines += [f"### {n.case}, nodule {n.index}", ""]
        centre = ", ".join(f"{v:.1f}" for v in n.centre)
        lines.append(f"Readers' mean centre ({centre}) mm; "
                     + ("seed: candidate at ("
                        + ", ".join(f"{v:.1f}" for v in n.candidate.centre)
                        + f") mm, {n.candidate.diameter:.1f} mm" if n.candidate else "no seed")
                     + (f". {n.note}" if n.note else "") + ".")
        lines += ["", "| pair | Dice | HD95 mm |", "|---|---|---|"]
        lines += [f"| {r['a']} – {r['b']} | {r['dice']:.3f} | {r['hd95_mm']:.2f} |"
                  for r in n.rows]
        lines += ["", f"![{n.case} nodule {n.index}]({n.case}_nodule{n.index}.png)", ""]
        draw_nodule(n, out / f"{n.case}_nodule{n.index}.png")
    (out / "lidc_agreement.md").write_text("\n".join(lines) + "\n")


def main(argv: Optional[Sequence[str]] = None) -> List[Nodule]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    args = parser.parse_args(argv)
    nodules = [n for case in args.cases for n in analyse_case(args.data, case)]
    write_results(nodules, args.out)
    for n in nodules:
        rr = [r for r in n.rows if r["pair"] == "reader-reader"]
        mr = [r for r in n.rows if r["pair"] == "medimg-reader"]
        print(f"{n.case} nodule {n.index}: {len(n.marks)} readers, "
              f"{n.diameter:.1f} mm{' (partial)' if n.partial else ''}")
        print(f"  reader-reader  Dice {_summary([r['dice'] for r in rr], 3)}  "
              f"HD95 {_summary([r['hd95_mm'] for r in rr], 2)} mm")
        if mr:
            print(f"  medimg-reader  Dice {_summary([r['dice'] for r in mr], 3)}  "
                  f"HD95 {_summary([r['hd95_mm'] for r in mr], 2)} mm")
        if n.note:
            print(f"  {n.note}")
    print(f"wrote {args.out / 'lidc_agreement.csv'}, {args.out / 'lidc_agreement.md'} and "
          f"{len(nodules)} PNGs")
    return nodules


if __name__ == "__main__":
    main()
