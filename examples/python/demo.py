"""medimg demo on bundled real data (run by `make demo`).

Reads a real CT slice (data/ct_small_slice.png with its DICOM geometry in the JSON sidecar),
prints its geometry and Hounsfield-unit statistics, maps a voxel to patient coordinates and
writes lung and mediastinum windows as PNG. Later capabilities (DICOM series, segmentation,
nodule detection) extend this script.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np

import medimg

ROOT = Path(__file__).resolve().parents[2]


def window_to_uint8(hu: np.ndarray, center: float, width: float) -> np.ndarray:
    low = center - width / 2
    return (np.clip((hu - low) / width, 0, 1) * 255).round().astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "demo_output")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    source = ROOT / "data" / "ct_small_slice.png"
    sidecar = json.loads(source.with_suffix(".json").read_text())
    start = time.perf_counter()
    stored = medimg.io.read_raster(source)
    ct = medimg.Image(stored.array.astype(np.float32) * sidecar["rescale_slope"]
                      + sidecar["rescale_intercept"],
                      spacing=sidecar["spacing"], origin=sidecar["origin"],
                      meta={"Modality": "CT", "Source": sidecar["source"]})
    print(f"medimg {medimg.__version__}, {medimg.get_num_threads()} threads")
    print(ct)
    print("affine (array index -> LPS mm):\n", np.array2string(ct.affine, precision=4))
    centre = [s // 2 for s in ct.spatial_shape]
    print(f"voxel {tuple(centre)} lies at LPS {np.round(ct.index_to_world(centre), 3)} mm")
    (stats,) = medimg.channel_stats(ct)
    print(f"HU range [{stats.min:.0f}, {stats.max:.0f}], mean {stats.mean:.1f}, "
          f"std {stats.std:.1f}")
    hu = ct.array[0]
    print(f"air and lung (< -500 HU): {np.mean(hu < -500):.1%} of the slice, "
          f"soft tissue (-100..100 HU): {np.mean((hu > -100) & (hu < 100)):.1%}")

    for name, center, width in [("lung", -600, 1500), ("mediastinum", 40, 400)]:
        target = args.out / f"ct_{name}_window.png"
        medimg.io.write_png(target, window_to_uint8(ct.array, center, width))
        print(f"wrote {target}")
    print(f"done in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
