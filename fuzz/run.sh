#!/usr/bin/env bash
# Builds the libFuzzer targets in build-fuzz/ and runs each for SECONDS seconds.
#
#   fuzz/run.sh SECONDS [TARGET...]      # e.g. fuzz/run.sh 120, fuzz/run.sh 60 fuzz_nifti
#
# Seeds: fuzz/corpus/<target>/ (read only; fuzz/make_seeds.py writes them). The inputs
# libFuzzer finds go to build-fuzz/corpus/<target>/, which later runs continue from; crashes,
# leaks, timeouts and out-of-memory inputs go to fuzz/artifacts/<target>/ (ignored by git).
# Logs: build-fuzz/logs/<target>.log. Exits 1 when any target failed.
#
# Limits: -max_len=1048576 (1 MiB): the seeds are under 70 KB and the readers' size checks
# are about what headers claim, not how long the file is, so longer inputs only slow each
# execution (every input is written to /dev/shm and parsed); -timeout=10 s per input;
# -rss_limit_mb=2048 (also the largest single allocation), so a header that makes a reader
# allocate gigabytes is reported as a bug.
set -uo pipefail

if [[ $# -lt 1 || ! "$1" =~ ^[0-9]+$ ]]; then
  echo "usage: fuzz/run.sh SECONDS [TARGET...]" >&2
  exit 2
fi
seconds="$1"
shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build-fuzz}"
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(fuzz_dicom fuzz_dicom_series fuzz_nifti fuzz_raster fuzz_npz)
fi

cmake -S "$root/fuzz" -B "$build" -DCMAKE_CXX_COMPILER="${CXX_FUZZ:-clang++-14}" || exit 1
cmake --build "$build" -j "${JOBS:-2}" --target "${targets[@]}" || exit 1

# LeakSanitizer runs after every input (libFuzzer's -detect_leaks=1); UBSan aborts with a stack.
export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
if [[ -f "$root/fuzz/lsan_suppressions.txt" ]]; then
  export LSAN_OPTIONS="suppressions=$root/fuzz/lsan_suppressions.txt:print_suppressions=0"
fi
# One thread: the readers' parallel_for stays on the fuzzing thread.
export MEDIMG_NUM_THREADS=1 OMP_NUM_THREADS=1

mkdir -p "$build/logs"
failed=()
for target in "${targets[@]}"; do
  mkdir -p "$build/corpus/$target" "$root/fuzz/artifacts/$target"
  log="$build/logs/$target.log"
  echo "== $target: ${seconds} s"
  "$build/$target" "$build/corpus/$target" "$root/fuzz/corpus/$target" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 \
    -artifact_prefix="$root/fuzz/artifacts/$target/" -print_final_stats=1 >"$log" 2>&1
  status=$?
  # libFuzzer's last status line (executions, coverage, corpus) and its final statistics.
  grep -E "^#[0-9]+[[:space:]]+DONE|^Done|stat::" "$log" | tail -7
  if [[ $status -ne 0 ]]; then
    echo "!! $target failed (exit $status): see $log and fuzz/artifacts/$target/"
    grep -E "^==[0-9]+==ERROR|SUMMARY|runtime error|Test unit written" "$log" | head -5
    failed+=("$target")
  fi
done

if [[ ${#failed[@]} -gt 0 ]]; then
  echo "failed: ${failed[*]}"
  exit 1
fi
echo "all targets ran ${seconds} s without a crash, leak, timeout or out-of-memory"
