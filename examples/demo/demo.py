"""medimg's demo on bundled real data: writes OUT/index.html (run by `make demo`).

    PYTHONPATH=build/python /usr/bin/python3 examples/demo/demo.py --out report [--quick]

Sections: a CT slice from DICOM in Hounsfield units and its NIfTI round trip; a real DICOM
series with its organ labels; preprocessing; classical segmentation; the lung-nodule pipeline
(FROC on held-out CT phantoms and the LIDC-IDRI scan with its radiologists' nodule); a brief
3D U-Net training with its curves; the shipped pneumonia classifier with Grad-CAM. Data come
from data/ and models/ in the repository and from ../shared/data beside it (a section whose
data are missing says so and the rest goes on). `--quick` runs fewer phantoms and epochs (the
report test); the full demo takes a few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import yaml  # noqa: E402

import medimg  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path[:0] = [str(HERE)] + [str(ROOT / "examples" / name)
                              for name in ("nodules", "train", "pneumonia", "segmentation")]

from figures import label_overlay, save_figure, side_by_side, to_uint8  # noqa: E402
from report import Report  # noqa: E402


def dicom_and_nifti(report: Report, out: Path) -> medimg.Image:
    s = report.section("DICOM and NIfTI: a CT slice in Hounsfield units")
    ct = medimg.io.read(ROOT / "data" / "ct_small.dcm")
    (stats,) = medimg.channel_stats(ct)
    nifti = out / "ct_small.nii.gz"
    medimg.io.write_nifti(nifti, ct)
    back = medimg.io.read(nifti)  # NIfTI is 3D: the slice comes back as (1, 1, Y, X)
    shift = np.abs(np.subtract(back.index_to_world((0, 5, 7)), ct.index_to_world((5, 7)))).max()
    s.table(["quantity", "value"], [
        ("modality", ct.meta["Modality"]), ("transfer syntax", ct.meta["TransferSyntaxUID"]),
        ("shape (C, Y, X)", str(ct.shape)), ("spacing mm", str(np.round(ct.spacing, 4))),
        ("HU range", f"[{stats.min:.0f}, {stats.max:.0f}]"), ("HU mean", stats.mean),
        ("NIfTI round trip: identical voxels", str(np.array_equal(back.array[:, 0], ct.array))),
        ("NIfTI round trip: largest world shift mm", float(shift)),
    ])
    for name in ("lung", "mediastinum"):
        windowed = medimg.preprocess.window(ct, preset=name)
        medimg.io.write_png(out / f"ct_{name}.png", to_uint8(windowed.array))
        centre, width = medimg.preprocess.window_preset(name)
        s.figure(f"ct_{name}.png", f"{name} window ({centre:g} / {width:g} HU)")
    return ct


def dicom_series(report: Report, out: Path) -> None:
    s = report.section("A DICOM series (JPEG 2000) with its organ label map")
    folder = SHARED / "totalsegmentator_examples" / "example_ct_dicom"
    if not folder.is_dir():
        s.note(f"skipped: {folder} is missing")
        return
    ct = medimg.io.read_dicom_series(folder)
    labels = medimg.io.read_nifti(folder.parent / "example_seg_dicom.nii.gz")
    labels = medimg.preprocess.resample_labels_to(labels, ct)
    z = ct.shape[1] // 2
    hu = medimg.preprocess.window(ct, preset="abdomen").array[0, z]
    medimg.io.write_png(out / "series_labels.png", label_overlay(hu, labels.array[0, z]))
    s.table(["quantity", "value"], [
        ("slices", ct.shape[1]), ("spacing (z, y, x) mm", str(np.round(ct.spacing, 3))),
        ("transfer syntax", ct.meta["TransferSyntaxUID"]),
        ("labelled structures in the volume", len(np.unique(labels.array)) - 1),
    ])
    s.figure("series_labels.png", f"slice {z}, abdomen window, TotalSegmentator labels "
             "(a model's output, resampled onto the DICOM grid)")


def preprocessing(report: Report, out: Path, ct: medimg.Image) -> None:
    s = report.section("Preprocessing: equalisation, CLAHE and resampling")
    soft = medimg.preprocess.window(ct, preset="abdomen")
    equalized = medimg.preprocess.equalize_hist(soft)
    clahe = medimg.preprocess.clahe(soft, clip_limit=0.01)
    coarse = medimg.preprocess.resample(soft, spacing=[2.0, 2.0])
    medimg.io.write_png(out / "preprocess.png",
                        side_by_side([to_uint8(a.array[0]) for a in (soft, equalized, clahe)]))
    s.figure("preprocess.png", "abdomen window; equalize_hist; CLAHE (scikit-image's result)")
    s.table(["image", "shape", "spacing mm"], [
        ("original", str(soft.shape), str(np.round(soft.spacing, 3))),
        ("resampled to 2 mm", str(coarse.shape), str(np.round(coarse.spacing, 3)))])


def classical(report: Report, out: Path, ct: medimg.Image) -> None:
    s = report.section("Classical segmentation: threshold, morphology, components, edges")
    hu = ct.array[0]
    body = medimg.classic.fill_holes(medimg.classic.keep_largest(hu > -500))
    dense = medimg.classic.fill_holes(medimg.classic.keep_largest(hu > -300))
    edges = medimg.classic.canny(medimg.preprocess.window(hu, preset="mediastinum"), sigma=2.0)
    medimg.io.write_png(out / "classical.png",
                        side_by_side([255 * body.astype(np.uint8), 255 * edges.astype(np.uint8)]))
    s.figure("classical.png", "body (largest component above −500 HU, holes filled); "
             "Canny edges of the mediastinal window")
    s.table(["metric (body at −500 vs −300 HU)", "value"], [
        ("Dice", medimg.metrics.dice(body, dense)),
        ("HD95 mm", medimg.metrics.hausdorff(body, dense, spacing=ct.spacing, percentile=95)),
        ("ASSD mm", medimg.metrics.assd(body, dense, spacing=ct.spacing))])


def nodules_in_phantoms(report: Report, out: Path, cases: int) -> None:
    from evaluate_phantoms import RATES, evaluate
    from phantom_cases import TEST_SEED, phantom

    s = report.section("Lung nodules: FROC on held-out CT phantoms")
    model = ROOT / "models" / "lung_nodule_fpr.pt"
    phantoms = [(f"phantom-{seed}", phantom(seed)) for seed in range(TEST_SEED, TEST_SEED + cases)]
    (out / "nodules").mkdir(exist_ok=True)
    cnn = evaluate(medimg.pipelines.LungNoduleDetector(model), phantoms, out / "nodules", 1)
    shape = evaluate(medimg.pipelines.LungNoduleDetector(), phantoms)

    def plot(figure) -> None:
        axes = figure.add_subplot()
        for result, label in ((cnn, "candidates + 3D CNN"), (shape, "candidates, shape only")):
            curve = result["curve"]
            axes.semilogx(np.maximum(curve["fp_per_case"], 1e-3), curve["sensitivity"],
                          label=f"{label} (CPM {result['cpm']:.3f})")
        axes.set(xlim=(0.1, 16), ylim=(0, 1.02), xlabel="false positives per scan",
                 ylabel="sensitivity", title=f"{cnn['nodules']} nodules, {cases} phantoms")
        axes.set_xticks(RATES, [str(r) for r in RATES])
        axes.legend(loc="lower right", fontsize=8)

    save_figure(out / "froc.png", plot)
    s.figure("froc.png", "FROC of the two systems (LUNA16's rates on the x axis)")
    s.figure("nodules/phantom-1000_detection_1.png", "top detection in the first phantom")
    s.table(["system", "CPM", "sensitivity at 4 FP/scan", "seconds per scan"], [
        (name, r["cpm"], r["sensitivity"]["4.0"], r["seconds_per_scan"])
        for name, r in (("candidates + 3D CNN", cnn), ("shape only", shape))])
    s.text("Held-out phantoms (seeds from 1000) never seen in training; docs/lung_nodules.md "
           "has the 20-case figures (CPM 0.940).")


def nodules_in_lidc(report: Report, out: Path) -> None:
    from lidc_detection import detect_case

    s = report.section("Lung nodules: LIDC-IDRI-0001 against its radiologists")
    data = SHARED / "lidc_idri_subset"
    if not (data / "LIDC-IDRI-0001").is_dir():
        s.note(f"skipped: {data / 'LIDC-IDRI-0001'} is missing")
        return
    detector = medimg.pipelines.LungNoduleDetector(ROOT / "models" / "lung_nodule_fpr.pt")
    (out / "lidc").mkdir(exist_ok=True)
    rows = detect_case(detector, data, "LIDC-IDRI-0001", out / "lidc")
    s.table(["nodule", "readers", "diameter mm", "rank", "probability", "distance mm"], [
        (r["nodule"], r["readers"], r["diameter"], r.get("rank", "–"),
         r.get("probability", "–"), r.get("distance", "–")) for r in rows if "nodule" in r])
    if (out / "lidc" / "LIDC-IDRI-0001_detection.png").exists():
        s.figure("lidc/LIDC-IDRI-0001_detection.png",
                 "the detection that hits the nodule outlined by the readers")


def training(report: Report, out: Path, epochs: int, repeat: int) -> None:
    import prepare_totalsegmentator

    s = report.section("Training: a 3D U-Net for liver and spleen, briefly")
    source = SHARED / "totalsegmentator_examples"
    if not source.is_dir():
        s.note(f"skipped: {source} is missing")
        return
    data = out / "totalseg"
    prepare_totalsegmentator.main(data, source)
    # docs/train.md's configuration, shortened and pointed at this report's folder.
    config = yaml.safe_load((ROOT / "examples/train/totalsegmentator_unet.yaml").read_text())
    config["data"]["train"] = {"decathlon": str(data), "repeat": repeat}
    config["data"]["validation"]["pairs"] = [{"image": str(data / "validation/image.nii.gz"),
                                              "label": str(data / "validation/label.nii.gz")}]
    config["scheduler"]["warmup_epochs"] = 1
    config["trainer"].update(epochs=epochs, val_every=max(1, epochs // 4),
                             out_dir=str(out / "training"))
    history = medimg.train.train(config)
    validated = [h for h in history if "val_dice" in h]
    s.figure("training/curves.png", "losses and validation Dice (medimg's trainer)")
    s.table(["epoch", "train loss", "val Dice"],
            [(h["epoch"], h["train_loss"], h["val_dice"]) for h in validated])
    s.text(f"{epochs} epochs on slices 0–21, validation on the held-out slices 22–29. The "
           "40-epoch run of docs/train.md reaches val Dice 0.775.")


def segmentation_3d(report: Report, out: Path) -> None:
    from evaluate_seg3d import MODEL, evaluate, predict_held_out
    from seg3d_data import HELD_OUT, SOURCE

    s = report.section("3D segmentation: the shipped U-Net against the two reference maps")
    if not MODEL.exists() or not SOURCE.is_dir():
        s.note("skipped: models/totalseg_abdomen_unet.pt or the TotalSegmentator example is "
               "missing")
        return
    results = evaluate(MODEL)
    s.table(["structure", "U-Net Dice", "U-Net HD95 mm", "ceiling Dice", "ceiling HD95 mm"], [
        (name, results["model_held_out"][name]["dice"], results["model_held_out"][name]["hd95"],
         results["ceiling_held_out"][name]["dice"], results["ceiling_held_out"][name]["hd95"])
        for name in results["structures"]])
    ct = medimg.io.read_nifti(SOURCE / "example_ct_sm.nii.gz")
    z = (HELD_OUT.start + HELD_OUT.stop) // 2
    window = medimg.preprocess.window(ct, preset="abdomen").array[0, z]
    predicted = predict_held_out(MODEL)[z - HELD_OUT.start]
    medimg.io.write_png(out / "seg3d.png", side_by_side([label_overlay(window, predicted)], 3))
    s.figure("seg3d.png", f"held-out slice {z}: the U-Net's liver, spleen and kidneys")
    s.text("Ceiling: example_seg_fast against example_seg on the same held-out slab (both are "
           "TotalSegmentator outputs). docs/case_segmentation_3d.md explains the gap.")


def pneumonia(report: Report, out: Path) -> None:
    from evaluate_pneumonia import evaluate
    from pneumonia_data import DEFAULT_NPZ, load_split

    s = report.section("Classification: pneumonia in chest X-rays (PneumoniaMNIST), Grad-CAM")
    models = sorted((ROOT / "models").glob("pneumonia_*.pt"))
    if not models or not DEFAULT_NPZ.exists():
        s.note("skipped: the shipped pneumonia model or pneumoniamnist.npz is missing")
        return
    result = evaluate(models[0], DEFAULT_NPZ)
    s.table(["official test split (624 images)", "medimg " + models[0].stem,
             "MedMNIST v2 ResNet-18 (28)"],
            [("AUC", result["auc"], 0.944), ("accuracy", result["accuracy"], 0.854)])
    images, labels = load_split(DEFAULT_NPZ, "test")
    score = np.asarray(result["scores"])
    truth = labels.numpy()
    # The most confident correct pneumonia and normal cases.
    picks = [int(np.argmax(np.where(truth == 1, score, -1))),
             int(np.argmax(np.where(truth == 0, 1 - score, -1)))]
    model = medimg.nn.load_model(str(models[0])).eval()
    cams = medimg.nn.gradcam(model, images[picks], "layer4", class_index=1)
    tiles = [medimg.nn.overlay(((images[k, 0] + 1) / 2).numpy(), cams[j].numpy())
             for j, k in enumerate(picks)]
    medimg.io.write_png(out / "gradcam.png", side_by_side(tiles, scale=4))
    s.figure("gradcam.png", "Grad-CAM of 'pneumonia' (layer4) on the most confident pneumonia "
             "and normal test images")
    s.text("Trained by examples/pneumonia/train_pneumonia.py; docs/case_pneumonia.md has the "
           "comparison with MedMNIST v2.")


def main() -> Path:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "report")
    parser.add_argument("--quick", action="store_true", help="fewer phantoms and epochs")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    report = Report(f"medimg {medimg.__version__} demo")
    start = time.perf_counter()

    def timed(section, *arguments):
        began = time.perf_counter()
        value = section(report, args.out, *arguments)
        report.sections[-1].seconds = time.perf_counter() - began
        print(f"{report.sections[-1].title}: {report.sections[-1].seconds:.1f} s", flush=True)
        return value

    ct = timed(dicom_and_nifti)
    timed(dicom_series)
    timed(preprocessing, ct)
    timed(classical, ct)
    timed(nodules_in_phantoms, 2 if args.quick else 6)
    timed(nodules_in_lidc)
    timed(training, *((2, 4) if args.quick else (12, 16)))
    timed(segmentation_3d)
    timed(pneumonia)
    target = report.write(args.out)
    print(f"wrote {target} in {time.perf_counter() - start:.0f} s")
    return target


if __name__ == "__main__":
    main()
