#!/bin/sh
# pip install --no-build-isolation . into a fresh --system-site-packages venv, then the
# Foundation issue's one-liner, run from outside the source tree.
#   pip_install.sh SOURCE_DIR WORK_DIR
set -eu
source_dir=$1
work_dir=$2
rm -rf "$work_dir"
/usr/bin/python3 -m venv --system-site-packages "$work_dir/venv"
"$work_dir/venv/bin/pip" install --no-build-isolation --no-index --quiet "$source_dir"
cd "$work_dir"
"$work_dir/venv/bin/python" - <<'PY'
import medimg, numpy, sys
im = medimg.Image(numpy.zeros((1, 4, 5, 6), 'float32'), spacing=(3, 2, 1))
print(im.affine)
assert (im.affine == [[0, 0, 1, 0], [0, 2, 0, 0], [3, 0, 0, 0], [0, 0, 0, 1]]).all()
assert medimg.__file__.startswith(sys.prefix), medimg.__file__  # the venv's copy
mask = numpy.zeros((8, 8), bool); mask[2:5, 2:5] = True
assert medimg.metrics.dice(mask, mask) == 1.0  # subpackages are installed too
print("installed", medimg.__version__, "at", medimg.__file__)
PY
