#!/usr/bin/env bash
# bench.sh - build okrd and the benchmarks in Release (build-bench/) and run
# them: the ingest benchmark (okrd against a bare ZeroMQ + msgpack-c floor,
# okrd's CPU per event, and query latency), okr.tree latency (bench_okr), and
# what where filters and formulas cost ingest with 50 KPIs on one source
# (bench_filter).  Installs nothing; takes 3-5 minutes.
#
#     scripts/bench.sh [bench_ingest options]    # e.g. -r 5, -n 2000000; -h lists them
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# Build quietly; show the output only when it fails.
if ! log=$(cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DOKR_TESTS=OFF 2>&1 &&
    cmake --build build-bench -j2 --target okrd bench_ingest bench_okr bench_filter 2>&1); then
    printf '%s\n' "$log" >&2
    echo "bench.sh: the Release build failed" >&2
    exit 1
fi

build-bench/bench_ingest build-bench/okrd "$@"
echo
build-bench/bench_okr build-bench/okrd
echo
build-bench/bench_filter build-bench/okrd
