#!/bin/sh
# Installs the Debian 12 packages medimg needs that are missing; does nothing when all are
# present. Run as root (the README's commands call it).
set -eu

PACKAGES="
  build-essential cmake ccache git pkg-config
  libtorch-dev python3-torch libgloo-dev
  libyaml-cpp-dev nlohmann-json3-dev
  libopencv-dev libeigen3-dev libgdcm-dev libgdcm-tools libnifti2-dev zlib1g-dev
  pybind11-dev catch2
  python3 python3-dev python3-venv python3-pip python3-setuptools python3-numpy python3-pytest
  python3-pil python3-pydicom python3-gdcm python3-nibabel python3-skimage python3-scipy python3-sklearn
  python3-torchvision
  dcm2niix
  opencv-data python3-opencv
  libjemalloc2
  python3-matplotlib python3-yaml
  chromium python3-nbclient python3-ipykernel
"

missing=""
for package in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $package"
  fi
done

if [ -z "$missing" ]; then
  echo "install-deps: all Debian packages present"
  exit 0
fi
echo "install-deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root, or: sudo apt-get install$missing" >&2
  exit 1
fi
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
