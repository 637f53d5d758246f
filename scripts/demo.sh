#!/usr/bin/env bash
# Quick start: install dependencies, build, and run okrd on the demo
# configuration (conf/okrd.conf, LMDB state in ./state) with the demo
# publisher feeding it: 150 days of plausible events for the demo KPIs
# (this quarter and the previous one, the baselines), then live events.
# Stop both with Ctrl-C.  In another terminal: build/okrctl status
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)"
build/okrd --check-config conf/okrd.conf

build/okrd -c conf/okrd.conf --foreground &
okrd_pid=$!
demo_pid=
stop() {
    [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null
    kill "$okrd_pid" 2>/dev/null
    wait "$okrd_pid" 2>/dev/null || true
}
trap stop INT TERM EXIT

# Wait until okrd answers, then start the publisher.
for _ in $(seq 50); do
    build/okrctl -t 200 ping >/dev/null 2>&1 && break
    kill -0 "$okrd_pid" 2>/dev/null || { echo "okrd did not start" >&2; exit 3; }
done
build/okrctl demo --days 150 --rate 20 >demo-publisher.log 2>&1 &
demo_pid=$!

cat <<'TXT'
okrd runs: ingest tcp://127.0.0.1:7401, queries tcp://127.0.0.1:7402, state in ./state
the demo publisher streams events (its log: demo-publisher.log); in another terminal try
    build/okrctl status                      # the objective tree, live
    build/okrctl kr loyalty                  # one key result, its check-ins and history
    build/okrctl checkin retain 96.5 --confidence 7 --note "churn report"
    build/okrctl kpi get sales.aov --window 7d
Ctrl-C stops okrd and the publisher.
TXT
wait "$okrd_pid"
