"""Haar cascades: medimg.classic.detect beside cv2.CascadeClassifier.detectMultiScale on the
same cascade and image (the boxes are checked to be identical), and training time.

    PYTHONPATH=build/python /usr/bin/python3 benchmarks/classic/cascade_bench.py

- OpenCV's frontal-face cascade (stumps, 25 stages) and eye-with-glasses cascade (trees,
  tilted features) on scikit-image's astronaut (512 x 512), scale factor 1.1, 3 neighbours.
- A cascade trained by medimg on the synthetic nodule task (tests/python/cascade_synthetic.py)
  on a 512 x 512 synthetic CT scene, and its training time (opencv_traincascade is not in
  OpenCV 4, so training has no reference to race), hit rate and false positives per image on
  30 held-out 128 x 128 scenes.
Each detection row is timed on one thread and on every core, for both libraries.
"""

import sys
import time
from pathlib import Path

import cv2
import numpy as np

import medimg
from medimg import classic

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "python"))
from timing import best_of, row  # noqa: E402
import cascade_synthetic as synthetic  # noqa: E402

HAAR = Path("/usr/share/opencv4/haarcascades")
ASTRONAUT = Path("/usr/lib/python3/dist-packages/skimage/data/astronaut.png")


def same_boxes(a, b):
    as_set = lambda x: sorted(map(tuple, np.asarray(x).reshape(-1, 4).tolist()))  # noqa: E731
    return as_set(a) == as_set(b)


def compare(name, image, xml_path, cascade, threads):
    opencv = cv2.CascadeClassifier(str(xml_path))
    for n in threads:
        cv2.setNumThreads(n)
        medimg.set_num_threads(n)
        t_cv, expected = best_of(lambda: opencv.detectMultiScale(image, 1.1, 3), 5)
        t_me, boxes = best_of(lambda: classic.detect(image, cascade), 5)
        assert same_boxes(boxes, expected), name
        row(f"{name} ({n} thread{'s' if n > 1 else ''})", "cv2 detectMultiScale", t_cv, t_me)


def main():
    cores = medimg.default_num_threads()
    threads = sorted({1, cores})
    print(f"medimg {medimg.__version__}, OpenCV {cv2.__version__}, {cores} cores\n")
    astronaut = cv2.cvtColor(cv2.imread(str(ASTRONAUT)), cv2.COLOR_BGR2GRAY)
    for name, label in [("haarcascade_frontalface_default.xml", "face 512x512, stumps"),
                        ("haarcascade_eye_tree_eyeglasses.xml", "eyes 512x512, trees+tilted")]:
        compare(label, astronaut, HAAR / name, classic.load_cascade(HAAR / name), threads)

    medimg.set_num_threads(cores)
    rng = np.random.default_rng(1)
    positives = synthetic.positives(rng, 300)
    negatives = synthetic.negatives(rng, 30)
    start = time.perf_counter()
    cascade = classic.train_cascade(positives, negatives, num_stages=10, num_negatives=600,
                                    max_false_alarm_rate=0.3)
    seconds = time.perf_counter() - start
    scenes, truth = synthetic.scenes(np.random.default_rng(99), 30)
    hit_rate, fp = synthetic.score([classic.detect(s, cascade) for s in scenes], truth)
    print(f"\ntrain_cascade, 300 positives 16x16, 600 negatives/stage, {cascade.num_stages} "
          f"stages, {cores} threads: {seconds:.2f} s ({cascade.training_stop_reason})")
    print(f"held-out: hit rate {hit_rate:.3f}, {fp:.2f} false positives per 128x128 image\n")
    path = Path("/tmp/medimg_cascade_bench.xml")
    cascade.save(path)
    big, _ = synthetic.scenes(np.random.default_rng(5), 1, shape=(512, 512), per_image=(8, 8))
    compare("nodules 512x512, trained", big[0], path, cascade, threads)


if __name__ == "__main__":
    main()
