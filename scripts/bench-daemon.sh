#!/usr/bin/env bash
# Benchmarks the grading daemon on this machine (SPEC §9's daemon bars), in one run:
#   1. the daemon's own overhead per submission (HTTP, queue, database) as a share of the grading;
#   2. status polling from 200 concurrent clients (wrk) while 2 workers grade: requests per
#      second, p50 and p99 latency;
#   3. a burst of submissions (default 100; first argument or BENCH_BURST) queued at once and
#      drained by 2 workers: throughput per minute.
# Grades the bundled lru-cache reference for real, with the release build. Installs wrk from Debian
# when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
burst="${1:-${BENCH_BURST:-100}}"
scripts/bootstrap.sh >&2
command -v swift >/dev/null 2>&1 || export PATH=/opt/swift/usr/bin:$PATH
if ! command -v wrk >/dev/null 2>&1; then
    echo "bench: installing wrk" >&2
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
# Measured as deployed: an optimized build (the first one takes several minutes).
echo "bench: building the release configuration" >&2
swift build -c release --product grader >&2
swift build -c release --product grader-sandbox >&2
grader="$(swift build -c release --show-bin-path)/grader"
data="$(mktemp -d /tmp/grader-bench.XXXXXX)"
log="$data/daemon.log"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$data"; }
trap cleanup EXIT

token="$("$grader" tokens create --role admin --name bench --data-dir "$data" | tail -1)"
. scripts/lib/daemon.sh
start_daemon "$grader" "$data" "$log" --workers 2 --submissions-per-minute 100000 --unfinished-per-token 100000 --max-queued 100000
pid=$daemon_pid
python3 scripts/bench-daemon.py --server "http://127.0.0.1:$daemon_port" --token "$token" --log "$log" --burst "$burst" \
    --solution Graders/lru-cache/Reference/LRUCache.swift
