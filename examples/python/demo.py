"""medimg demo on bundled real data (run by `make demo`).

Reads a real CT slice from DICOM (data/ct_small.dcm) in Hounsfield units with its patient
geometry, writes it to NIfTI and reads it back with the same affine, windows it to PNG,
segments the body by a HU threshold and measures it: distance transform depth, and Dice and
HD95 between two threshold choices. Later capabilities (series, networks, nodule detection)
extend this script.
"""

import argparse
import time
from pathlib import Path

import numpy as np

import medimg
from medimg import metrics

ROOT = Path(__file__).resolve().parents[2]


def window_to_uint8(hu: np.ndarray, center: float, width: float) -> np.ndarray:
    low = center - width / 2
    return (np.clip((hu - low) / width, 0, 1) * 255).round().astype(np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "demo_output")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()

    source = ROOT / "data" / "ct_small.dcm"
    print(f"medimg {medimg.__version__}, {medimg.get_num_threads()} threads")
    print(f"{source.name}: {medimg.io.detect_format(source)}")
    ct = medimg.io.read(source)
    print(ct)
    print(f"modality {ct.meta['Modality']}, rescale intercept {ct.meta['RescaleIntercept']}, "
          f"transfer syntax {ct.meta['TransferSyntaxUID']}")
    print("affine (array index -> LPS mm):\n", np.array2string(ct.affine, precision=4))
    centre = [s // 2 for s in ct.spatial_shape]
    print(f"voxel {tuple(centre)} lies at LPS {np.round(ct.index_to_world(centre), 3)} mm")
    (stats,) = medimg.channel_stats(ct)
    print(f"HU range [{stats.min:.0f}, {stats.max:.0f}], mean {stats.mean:.1f}, "
          f"std {stats.std:.1f}")

    nifti = args.out / "ct_small.nii.gz"
    medimg.io.write_nifti(nifti, ct)
    back = medimg.io.read(nifti)  # NIfTI is 3D: the slice comes back as (1, 1, Y, X)
    same = np.array_equal(back.array[:, 0], ct.array) and np.allclose(
        back.index_to_world((0, 5, 7)), ct.index_to_world((5, 7)), atol=1e-4)
    print(f"wrote {nifti}; read back {back.shape}, identical voxels and world positions: {same}")

    for name, center, width in [("lung", -600, 1500), ("mediastinum", 40, 400)]:
        target = args.out / f"ct_{name}_window.png"
        medimg.io.write_png(target, window_to_uint8(ct.array, center, width))
        print(f"wrote {target}")

    hu = ct.array[0]
    body, dense = hu > -500, hu > -300
    depth = metrics.distance_transform_edt(body, ct.spacing)
    print(f"body (> -500 HU): {body.mean():.1%} of the slice, deepest voxel {depth.max():.1f} mm "
          f"from air")
    print(f"body vs > -300 HU: Dice {metrics.dice(body, dense):.4f}, "
          f"HD95 {metrics.hausdorff(body, dense, spacing=ct.spacing, percentile=95):.2f} mm")
    medimg.io.write_png(args.out / "ct_body_mask.png", body[None])
    print(f"done in {time.perf_counter() - start:.2f} s")


if __name__ == "__main__":
    main()
