#!/usr/bin/env bash
# Quick start: install dependencies, build, and run okrd in the foreground on
# the demo configuration (conf/okrd.conf), with its LMDB state in ./state.
# Stop it with Ctrl-C.  In another terminal: build/okrctl ping
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
build/okrd --check-config conf/okrd.conf
echo "okrd: ingest tcp://127.0.0.1:7401, queries tcp://127.0.0.1:7402, state in ./state"
echo "try:  build/okrctl ping; build/okrctl emit sales.order 42.5; build/okrctl kpi get sales.order"
exec build/okrd -c conf/okrd.conf --foreground
