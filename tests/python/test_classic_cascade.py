"""Haar cascades against OpenCV: integral images against cv2.integral3, detection with
OpenCV's own Haar cascades against cv2.CascadeClassifier.detectMultiScale (box for box),
grouping against cv2.groupRectangles, and a cascade trained by medimg on the synthetic nodule
task of cascade_synthetic.py: it reaches the acceptance figures on held-out scenes and, saved
as XML, cv2.CascadeClassifier loads it and finds the same objects."""

import os
from pathlib import Path

import numpy as np
import pytest
import torch

import medimg
from medimg import classic

import cascade_synthetic as synthetic

cv2 = pytest.importorskip("cv2")

HAAR = Path("/usr/share/opencv4/haarcascades")
SKIMAGE_DATA = Path("/usr/lib/python3/dist-packages/skimage/data")
needs_opencv_data = pytest.mark.skipif(not HAAR.is_dir(),
                                       reason="Debian's opencv-data is not installed")


def gray(name):
    image = cv2.imread(str(SKIMAGE_DATA / name), cv2.IMREAD_COLOR)
    if image is None:
        pytest.skip(f"{name} is not in scikit-image's data folder")
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def as_set(boxes):
    return sorted(map(tuple, np.asarray(boxes).reshape(-1, 4).tolist()))


# ---------------------------------------------------------------- integral images, features

@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32])
def test_integral_images_equal_cv2_integral3(dtype):
    rng = np.random.default_rng(3)
    image = (rng.random((37, 53)) * 255).astype(dtype)
    if dtype == np.int16:
        image -= 100
    total, squared, tilted = classic.integral_images(image)
    ref = cv2.integral3(image.astype(np.float64), sdepth=cv2.CV_64F, sqdepth=cv2.CV_64F)
    assert total.shape == (38, 54)
    assert total.dtype == (np.float64 if dtype == np.float32 else np.int64)
    for got, expected in zip((total, squared, tilted), ref):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-6)
    t_sum, _, _ = classic.integral_images(torch.from_numpy(image.astype(np.uint8)))
    assert isinstance(t_sum, torch.Tensor)


def test_haar_feature_set_counts_and_opencv_order():
    assert [len(classic.haar_features((24, 24), m)) for m in ("basic", "core", "all")] == \
        [162336, 210400, 261600]
    first = classic.haar_features((20, 20))[:5]
    assert first[0].rects == [(0, 0, 2, 1, -1.0), (1, 0, 1, 1, 2.0)]  # haar_x2
    assert first[1].rects == [(0, 0, 1, 2, -1.0), (0, 1, 1, 1, 2.0)]  # haar_y2
    assert first[4].rects[2] == (1, 1, 1, 1, 2.0)                     # x2_y2
    assert any(f.tilted for f in classic.haar_features((8, 8), "all"))
    assert not any(f.tilted for f in classic.haar_features((8, 8), "core"))
    with pytest.raises(medimg.ArgumentError, match="mode"):
        classic.haar_features((8, 8), "rotated")


def reference_values(samples, features):
    """OpenCV's HaarEvaluator in numpy: rectangle sums from cv2.integral3, float32 weighted
    sum, times float32(1 / sqrt(area * sqsum - sum^2)) over the window shrunk by one pixel."""
    out = np.zeros((len(samples), len(features)), np.float32)
    for i, s in enumerate(samples):
        total, sq, tilted = (t.astype(np.int64) for t in cv2.integral3(s))
        h, w = s.shape
        inner = lambda t: t[1, 1] - t[1, w - 1] - t[h - 1, 1] + t[h - 1, w - 1]  # noqa: E731
        nf = (h - 2) * (w - 2) * float(inner(sq)) - float(inner(total)) ** 2
        factor = np.float32(1.0 / np.sqrt(nf)) if nf > 0 else np.float32(0)
        for k, f in enumerate(features):
            value = np.float32(0)
            for x, y, rw, rh, weight in f.rects:
                if f.tilted:
                    r = (tilted[y, x] - tilted[y + rh, x - rh] - tilted[y + rw, x + rw]
                         + tilted[y + rw + rh, x + rw - rh])
                else:
                    r = total[y, x] - total[y, x + rw] - total[y + rh, x] + total[y + rh, x + rw]
                value = np.float32(value + np.float32(weight) * np.float32(r))
            out[i, k] = np.float32(value * factor)
    return out


def test_feature_values_equal_opencvs_evaluation():
    rng = np.random.default_rng(5)
    samples = rng.integers(0, 256, (6, 10, 12)).astype(np.uint8)
    samples[1] = 77  # flat: value 0
    features = classic.haar_features((10, 12), "all")
    chosen = [features[k] for k in rng.choice(len(features), 300, replace=False)]
    assert any(f.tilted for f in chosen)
    got = classic.haar_feature_values(samples, chosen)
    np.testing.assert_allclose(got, reference_values(samples, chosen), rtol=2e-6, atol=1e-7)
    assert not got[1].any()


# ---------------------------------------------------------- OpenCV's own cascades and images

CASES = [
    ("haarcascade_frontalface_default.xml", "astronaut.png"),  # stumps
    ("haarcascade_eye_tree_eyeglasses.xml", "astronaut.png"),  # trees, tilted features
    ("haarcascade_frontalcatface_extended.xml", "chelsea.png"),  # mode ALL
    ("haarcascade_profileface.xml", "camera.png"),
]


@needs_opencv_data
@pytest.mark.parametrize("cascade_name, image_name", CASES)
@pytest.mark.parametrize("scale_factor, min_neighbors", [(1.1, 3), (1.2, 0)])
def test_opencv_cascades_detect_exactly_what_opencv_detects(cascade_name, image_name,
                                                            scale_factor, min_neighbors):
    image = gray(image_name)
    path = HAAR / cascade_name
    expected, expected_n = cv2.CascadeClassifier(str(path)).detectMultiScale2(
        image, scaleFactor=scale_factor, minNeighbors=min_neighbors)
    boxes, neighbors = classic.detect(image, classic.load_cascade(path),
                                      scale_factor=scale_factor, min_neighbors=min_neighbors,
                                      return_neighbors=True)
    assert boxes.dtype == np.int32 and boxes.shape[1:] == (4,)
    assert as_set(boxes) == as_set(expected)
    assert sorted(zip(map(tuple, boxes.tolist()), neighbors.tolist())) == \
        sorted(zip(map(tuple, np.asarray(expected).reshape(-1, 4).tolist()),
                   np.asarray(expected_n).ravel().tolist()))


@needs_opencv_data
def test_random_crops_scales_and_noise_detect_exactly_as_opencv():
    """Odd sizes and scale factors exercise OpenCV's rounding of level sizes, its step and
    column skipping, and the rows its stripes leave unscanned."""
    rng = np.random.default_rng(2024)
    base = gray("astronaut.png")
    names = ["haarcascade_frontalface_default.xml", "haarcascade_eye_tree_eyeglasses.xml",
             "haarcascade_smile.xml", "haarcascade_lefteye_2splits.xml"]
    pairs = [(cv2.CascadeClassifier(str(HAAR / n)), classic.load_cascade(HAAR / n))
             for n in names]
    for k in range(24):
        h, w = (int(v) for v in rng.integers(24, 200, 2))
        y, x = (int(v) for v in rng.integers(0, 512 - 200, 2))
        image = base[y:y + h, x:x + w]
        if k % 3 == 1:
            image = np.clip(image + rng.normal(0, 15, image.shape), 0, 255).astype(np.uint8)
        scale_factor = float(rng.choice([1.05, 1.1, 1.23, 1.5, 2.5]))
        min_neighbors = int(rng.integers(0, 4))
        opencv, ours = pairs[k % len(pairs)]
        expected = opencv.detectMultiScale(image, scale_factor, min_neighbors)
        got = classic.detect(image, ours, scale_factor=scale_factor, min_neighbors=min_neighbors)
        assert as_set(got) == as_set(expected), (k, image.shape, scale_factor, min_neighbors)


@needs_opencv_data
def test_the_astronauts_face_is_found_and_size_bounds_match_opencv():
    image = gray("astronaut.png")
    face = classic.load_cascade(HAAR / "haarcascade_frontalface_default.xml")
    assert face.window_size == (24, 24) and face.num_stages == 25
    boxes = classic.detect(image, face)
    assert len(boxes) == 1
    x, y, w, h = boxes[0]
    assert 160 < x + w / 2 < 260 and 60 < y + h / 2 < 180  # her face
    reference = cv2.CascadeClassifier(str(HAAR / "haarcascade_frontalface_default.xml"))
    for min_size, max_size in [((40, 40), (120, 120)), ((100, 90), None), ((0, 0), (60, 50))]:
        expected = reference.detectMultiScale(
            image, 1.1, 1, minSize=min_size[::-1],
            maxSize=max_size[::-1] if max_size else (0, 0))
        got = classic.detect(image, face, min_neighbors=1, min_size=min_size, max_size=max_size)
        assert as_set(got) == as_set(expected), (min_size, max_size)


@needs_opencv_data
def test_detect_keeps_the_input_kind():
    image = gray("astronaut.png")[100:300, 100:340]
    face = classic.load_cascade(HAAR / "haarcascade_frontalface_default.xml")
    as_numpy = classic.detect(image, face, min_neighbors=0)
    as_tensor = classic.detect(torch.from_numpy(image), face, min_neighbors=0)
    as_image = classic.detect(medimg.Image(image[None]), face, min_neighbors=0)
    assert isinstance(as_tensor, torch.Tensor) and isinstance(as_image, np.ndarray)
    assert as_set(as_numpy) == as_set(as_tensor.numpy()) == as_set(as_image)
    # A path works as well as a loaded cascade.
    assert as_set(classic.detect(image, HAAR / "haarcascade_frontalface_default.xml",
                                 min_neighbors=0)) == as_set(as_numpy)


def test_group_rectangles_equals_cv2():
    rng = np.random.default_rng(11)
    centres = rng.integers(20, 400, (12, 2))
    rects = []
    for cx, cy in centres:
        size = int(rng.integers(16, 80))
        for _ in range(int(rng.integers(1, 9))):
            s = size + int(rng.integers(-3, 4))
            rects.append([cx + int(rng.integers(-4, 5)), cy + int(rng.integers(-4, 5)), s, s])
    rects.append([centres[0][0] + 5, centres[0][1] + 5, 10, 10])  # nested inside group 0
    rects = np.array(rects, np.int32)
    for threshold in (0, 1, 2, 3, 5):
        for eps in (0.1, 0.2, 0.5):
            expected, weights = cv2.groupRectangles(rects.tolist(), threshold, eps)
            got, got_weights = classic.group_rectangles(rects, threshold, eps)
            pairs = sorted(zip(map(tuple, got.tolist()), got_weights.tolist()))
            if threshold <= 0:
                # cv2's Python binding returns no rectangles for group_threshold 0.
                assert len(pairs) == len(rects) and set(got_weights.tolist()) == {1}
                continue
            assert pairs == sorted(zip(map(tuple, np.asarray(expected).reshape(-1, 4).tolist()),
                                       np.asarray(weights).ravel().tolist())), (threshold, eps)


# ------------------------------------------------------------- training on synthetic nodules

@pytest.fixture(scope="module")
def trained():
    """A cascade trained on the synthetic nodule task (about 10 s here) and held-out scenes."""
    rng = np.random.default_rng(1)
    positives = synthetic.positives(rng, 300)
    negatives = synthetic.negatives(rng, 30)
    reports = []
    cascade = classic.train_cascade(positives, negatives, num_stages=10, num_negatives=600,
                                    max_false_alarm_rate=0.3, progress=reports.append)
    scenes, truth = synthetic.scenes(np.random.default_rng(99), 30)
    return cascade, positives, scenes, truth, reports


def test_trained_cascade_meets_the_acceptance_figures(trained):
    cascade, _, scenes, truth, reports = trained
    assert cascade.window_size == (synthetic.WINDOW, synthetic.WINDOW)
    assert cascade.mode == "basic" and cascade.num_stages >= 5
    assert reports[-1].done == reports[-1].total == 10
    assert [r.done for r in reports] == sorted(r.done for r in reports)
    for stats in cascade.training_stats:
        assert stats["hit_rate"] >= 0.995
    hit_rate, fp_per_image = synthetic.score([classic.detect(s, cascade) for s in scenes], truth)
    assert hit_rate >= 0.9
    assert fp_per_image < 1.0


def test_opencv_loads_the_saved_cascade_and_finds_the_same_objects(trained, tmp_path):
    cascade, positives, scenes, _, _ = trained
    path = tmp_path / "nodules.xml"
    cascade.save(path)
    opencv = cv2.CascadeClassifier(str(path))
    assert not opencv.empty()
    assert opencv.getOriginalWindowSize() == (synthetic.WINDOW, synthetic.WINDOW)
    for scene in scenes[:15]:
        for min_neighbors in (0, 3):
            expected = opencv.detectMultiScale(scene, 1.1, min_neighbors)
            assert as_set(classic.detect(scene, cascade, min_neighbors=min_neighbors)) == \
                as_set(expected)
    loaded = classic.load_cascade(path)
    assert loaded.stage_thresholds == cascade.stage_thresholds
    assert loaded.weak_counts == cascade.weak_counts
    np.testing.assert_array_equal(classic.classify_windows(positives, loaded),
                                  classic.classify_windows(positives, cascade))
    assert classic.cascade_from_xml(cascade.to_xml()).num_features == cascade.num_features


def test_classify_windows_reproduces_the_training_hit_rate(trained):
    cascade, positives, _, _, _ = trained
    passed = classic.classify_windows(positives, cascade)
    assert passed.dtype == np.int32 and passed.min() >= -1
    assert np.mean(passed == cascade.num_stages) >= 0.995 ** cascade.num_stages - 0.01
    stats = cascade.training_stats
    assert stats[0]["num_positives"] == np.sum(passed >= 0)  # the detectable positives


def test_training_is_deterministic_at_any_thread_count():
    rng = np.random.default_rng(4)
    positives = synthetic.positives(rng, 60)
    negatives = synthetic.negatives(rng, 4, shape=(64, 64))
    threads = medimg.get_num_threads()
    try:
        xml = []
        for n in (1, 2):
            medimg.set_num_threads(n)
            xml.append(classic.train_cascade(positives, negatives, num_stages=3,
                                             num_negatives=120).to_xml())
    finally:
        medimg.set_num_threads(threads)
    assert xml[0] == xml[1]


# ----------------------------------------------------------------------------- bad input

def test_bad_input_is_refused(tmp_path):
    rng = np.random.default_rng(0)
    positives = rng.integers(0, 256, (20, 12, 12)).astype(np.uint8)
    negatives = [rng.integers(0, 256, (40, 40)).astype(np.uint8)]
    cascade = classic.train_cascade(positives, negatives, num_stages=1, num_negatives=50)
    image = rng.integers(0, 256, (50, 60)).astype(np.uint8)
    with pytest.raises(medimg.ArgumentError, match="uint8"):
        classic.detect(image.astype(np.float32), cascade)
    with pytest.raises(medimg.ShapeError):
        classic.detect(np.zeros((3, 50, 60), np.uint8), cascade)
    with pytest.raises(medimg.ArgumentError, match="scale_factor"):
        classic.detect(image, cascade, scale_factor=1.0)
    with pytest.raises(medimg.ArgumentError, match="min_size"):
        classic.detect(image, cascade, min_size=(10,))
    assert len(classic.detect(np.zeros((8, 8), np.uint8), cascade)) == 0  # smaller than window
    assert len(classic.detect(np.full((64, 64), 90, np.uint8), cascade, min_neighbors=0)) == 0
    with pytest.raises(medimg.ArgumentError, match="min_hit_rate"):
        classic.train_cascade(positives, negatives, min_hit_rate=1.5)
    with pytest.raises(medimg.ArgumentError, match="num_negatives"):
        classic.train_cascade(positives, negatives, num_negatives=0)
    with pytest.raises(medimg.ShapeError, match="negative image"):
        classic.train_cascade(positives, [np.zeros((8, 8), np.uint8)])
    with pytest.raises(medimg.ArgumentError, match="flat"):
        classic.train_cascade(np.full((5, 12, 12), 7, np.uint8), negatives)
    with pytest.raises(medimg.ShapeError):
        classic.train_cascade(positives[0], negatives)
    with pytest.raises(ZeroDivisionError):  # cancelling through the progress callback
        classic.train_cascade(positives, negatives, num_stages=3, num_negatives=50,
                              progress=lambda p: 1 / 0)
    with pytest.raises(medimg.IoError):
        classic.load_cascade(tmp_path / "missing.xml")
    (tmp_path / "broken.xml").write_text("<opencv_storage><cascade><stageType>BOOST")
    with pytest.raises(medimg.FormatError):
        classic.load_cascade(tmp_path / "broken.xml")
    xml = cascade.to_xml().replace("<height>12</height>", "<height>2</height>")
    with pytest.raises(medimg.FormatError, match="window"):
        classic.cascade_from_xml(xml)


@needs_opencv_data
def test_unsupported_opencv_formats_say_so():
    with pytest.raises(medimg.Unsupported, match="old-format"):
        classic.load_cascade(HAAR / "haarcascade_licence_plate_rus_16stages.xml")
    lbp = HAAR.parent / "lbpcascades" / "lbpcascade_frontalface.xml"
    if lbp.exists():
        with pytest.raises(medimg.Unsupported, match="LBP"):
            classic.load_cascade(lbp)
