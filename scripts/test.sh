#!/usr/bin/env bash
# Run every test: install dependencies, then build and run the whole ctest
# suite twice, as a normal build (warnings are errors) and with
# AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
jobs=$(nproc)
export CTEST_OUTPUT_ON_FAILURE=1

echo "== build (Debug, -Werror)"
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DOKR_WERROR=ON >/dev/null
cmake --build build-test -j"$jobs"
echo "== tests"
(cd build-test && ctest -j"$jobs" --timeout 300)

echo "== build (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DOKR_WERROR=ON -DOKR_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests under ASan + UBSan"
(cd build-asan && ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest -j"$jobs" --timeout 300)
