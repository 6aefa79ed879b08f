"""Builds medimg._medimg (and the libmedimg it links) with CMake for pip.

pyproject.toml holds the metadata; this file only teaches setuptools to drive CMake, in the
manner of pybind11's cmake_example. `pip install --no-build-isolation .` runs it.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def version() -> str:
    text = (ROOT / "include/medimg/version.hpp").read_text()
    return re.search(r'MEDIMG_VERSION_STRING "([^"]+)"', text).group(1)


class CMakeExtension(Extension):
    def __init__(self, name: str) -> None:
        super().__init__(name, sources=[])


class CMakeBuild(build_ext):
    def build_extension(self, ext: Extension) -> None:
        package_dir = Path(self.get_ext_fullpath(ext.name)).parent.resolve()
        build_dir = Path(self.build_temp).resolve() / "cmake"
        build_dir.mkdir(parents=True, exist_ok=True)
        configure = [
            "cmake", "-S", str(ROOT), "-B", str(build_dir),
            "-DCMAKE_BUILD_TYPE=Release",
            f"-DPython3_EXECUTABLE={sys.executable}",
            "-DMEDIMG_PYTHON_PACKAGE_BUILD=ON",
            f"-DMEDIMG_PYTHON_PACKAGE_DIR={package_dir}",
            "-DMEDIMG_BUILD_TESTS=OFF",
            "-DMEDIMG_BUILD_APPS=OFF",
            "-DMEDIMG_INSTALL=OFF",
        ]
        jobs = os.environ.get("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 1))
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build_dir), "--target", "_medimg",
                        "--parallel", jobs], check=True)


setup(
    version=version(),
    ext_modules=[CMakeExtension("medimg._medimg")],
    cmdclass={"build_ext": CMakeBuild},
    # Keep setuptools' scratch space out of build/, the developer CMake build folder.
    options={"build": {"build_base": "build-pip"}},
    zip_safe=False,
)
