"""The demo (`make demo`, `medimg demo`) writes a report whose every figure loads in headless
Chromium."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import medimg


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    """`medimg demo --quick`: the CLI runs examples/demo/demo.py with this build's package."""
    out = tmp_path_factory.mktemp("report")
    cli = Path(medimg.__file__).resolve().parents[2] / "apps" / "medimg"
    log = subprocess.run([str(cli), "demo", "--quick", "--out", str(out)], check=True,
                         capture_output=True, text=True, timeout=600).stdout
    return out, log


def test_demo_command_rejects_bad_arguments():
    cli = Path(medimg.__file__).resolve().parents[2] / "apps" / "medimg"
    result = subprocess.run([str(cli), "demo", "--fast"], capture_output=True, text=True)
    assert result.returncode == 2 and "usage: medimg demo" in result.stderr


def _rendered_body(page: Path) -> str:
    chromium = shutil.which("chromium")
    assert chromium, "chromium is missing: scripts/install-deps.sh installs it"
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                          "--virtual-time-budget=10000", "--dump-dom", page.as_uri()],
                         check=True, capture_output=True, text=True, timeout=120).stdout
    return re.search(r"<body[^>]*>", dom).group(0)


def test_demo_report_has_every_section_and_figure(quick_report):
    out, log = quick_report
    html = (out / "index.html").read_text()
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert len(sources) >= 10
    assert all((out / s).is_file() for s in sources)
    for title in ("DICOM and NIfTI", "DICOM series", "Preprocessing", "Classical",
                  "FROC on held-out CT phantoms", "LIDC-IDRI-0001", "Training",
                  "pneumonia"):
        assert title in html
    assert "skipped" not in html
    # The slice's values, against pydicom in test_examples.py; the NIfTI round trip is exact.
    assert "<td>[-896, 1167]</td>" in html
    assert "<td>NIfTI round trip: identical voxels</td><td>True</td>" in html
    assert not list(out.glob(".*.tmp")), "a temporary file was left behind"
    assert "wrote" in log


def test_every_figure_loads_in_headless_chromium(quick_report):
    out, _ = quick_report
    body = _rendered_body(out / "index.html")
    figures = int(re.search(r'data-figures="(\d+)"', body).group(1))
    loaded = int(re.search(r'data-figures-loaded="(\d+)"', body).group(1))
    expected = len(re.findall(r"<img ", (out / "index.html").read_text()))
    assert figures == expected and loaded == expected, body


def test_a_broken_figure_is_caught(quick_report, tmp_path):
    out, _ = quick_report
    shutil.copytree(out, tmp_path / "copy")
    (tmp_path / "copy" / "froc.png").write_bytes(b"not a png")
    body = _rendered_body(tmp_path / "copy" / "index.html")
    figures = int(re.search(r'data-figures="(\d+)"', body).group(1))
    assert int(re.search(r'data-figures-loaded="(\d+)"', body).group(1)) == figures - 1
