"""The README's examples are the files in examples/, and they run."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

import medimg


def _readme_block(root: Path, language: str) -> str:
    text = (root / "README.md").read_text()
    blocks = re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)
    assert blocks, f"no {language} block in README.md"
    return blocks[0]


def test_readme_examples_are_the_example_files(root_dir):
    assert _readme_block(root_dir, "python") == (root_dir / "examples/python/quickstart.py").read_text()
    assert _readme_block(root_dir, "cpp") == (root_dir / "examples/cpp/quickstart.cpp").read_text()


def test_python_quickstart_runs_and_matches_pydicom_and_scipy(root_dir, data_dir, tmp_path):
    pydicom = pytest.importorskip("pydicom")
    from scipy.ndimage import distance_transform_edt

    env = {**os.environ, "PYTHONPATH": str(Path(medimg.__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, str(root_dir / "examples/python/quickstart.py"),
                          str(data_dir / "ct_small.dcm"), str(tmp_path / "lung.png")],
                         env=env, check=True, capture_output=True, text=True).stdout
    ds = pydicom.dcmread(data_dir / "ct_small.dcm")
    hu = ds.pixel_array.astype(np.float32) * float(ds.RescaleSlope) + float(ds.RescaleIntercept)
    expected = (np.clip((hu + 1350) / 1500, 0, 1) * 255).astype(np.uint8)
    np.testing.assert_array_equal(np.asarray(PILImage.open(tmp_path / "lung.png")), expected)
    depth = distance_transform_edt(hu > -500, sampling=[float(v) for v in ds.PixelSpacing])
    assert float(out.splitlines()[-1].split(":")[-1]) == pytest.approx(depth.max(), rel=1e-9)
