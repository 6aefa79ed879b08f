#!/usr/bin/env bash
# Builds medimg and its C++ tests with sanitizers in build-asan/ and runs the Catch2 tests.
#
#   scripts/sanitize.sh                      # address,undefined (the default)
#   scripts/sanitize.sh thread               # ThreadSanitizer, into build-tsan/
#   JOBS=2 BUILD_DIR=build-asan scripts/sanitize.sh address,undefined
#
# RelWithDebInfo at -O1 -g1: line tables for the reports, fast enough for the test suite.
# The Python extension and the apps are not built (MEDIMG_BUILD_PYTHON/APPS=OFF).
# The Catch2 executables run one after the other, each once with all its test cases: under
# ASan each process needs ~5 s to load LibTorch, so ctest's process per case (350 of them)
# would take ~30 min on 2 cores. RUNNER=ctest runs them through ctest instead (label cpp;
# the packaging tests would reinstall a sanitized library).
# Exits non-zero when a test fails or a sanitizer reports anything.
set -euo pipefail

sanitizers="${1:-address,undefined}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ "$sanitizers" == *thread* ]]; then
  default_dir=build-tsan
else
  default_dir=build-asan
fi
build_dir="${BUILD_DIR:-$root/$default_dir}"
jobs="${JOBS:-2}"

# halt_on_error stops at the first report; UBSan already aborts
# (-fno-sanitize-recover=undefined) and prints the stack. Reports inside third-party
# libraries are suppressed, each documented in the suppression files.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:suppressions=$root/scripts/asan_suppressions.txt"
if [[ -f "$root/scripts/lsan_suppressions.txt" ]]; then
  export LSAN_OPTIONS="suppressions=$root/scripts/lsan_suppressions.txt:print_suppressions=0"
fi
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1"

cmake -S "$root" -B "$build_dir" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DMEDIMG_SANITIZE="$sanitizers" \
  -DMEDIMG_BUILD_PYTHON=OFF -DMEDIMG_BUILD_APPS=OFF -DMEDIMG_INSTALL=OFF \
  -DMEDIMG_BUILD_TESTS=ON
# Catch2's test discovery runs each test executable at build time, so the sanitizer
# options above are already in force here.
cmake --build "$build_dir" -j "$jobs"

cd "$build_dir"
if [[ "${RUNNER:-direct}" == ctest ]]; then
  ctest -L cpp --output-on-failure -j "$jobs" --timeout 1500
  exit
fi
failed=()
for exe in tests/cpp/medimg_*_tests; do
  echo "== $exe"
  # Catch2 prints only failing cases; the summary line gives the counts.
  if ! "$exe"; then failed+=("$exe"); fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
echo "all C++ tests passed under $sanitizers"
