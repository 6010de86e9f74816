#!/usr/bin/env bash
# Measures, in one run on this machine: the cold check-module build, the per-submission compile
# against a bare `swiftc` compile of the same file, the whole grading, and each check's time.
# Prints medians over N gradings (default 5) and ratios; absolute times drift on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
scripts/bootstrap.sh >/dev/null 2>&1 || scripts/bootstrap.sh
command -v swiftc >/dev/null 2>&1 || export PATH=/opt/swift/usr/bin:$PATH
grader=$(swift build --show-bin-path)/grader
solution=Graders/lru-cache/Reference/LRUCache.swift
data=$(mktemp -d /tmp/grader-measure.XXXXXX)
trap 'rm -rf "$data"' EXIT

for i in $(seq 1 "$runs"); do
    "$grader" grade lru-cache "$solution" --format json --data-dir "$data" > "$data/report-$i.json" 2>/dev/null
done
bare=()
mkdir -p "$data/bare"
for i in $(seq 1 "$runs"); do
    start=$(date +%s%N)
    swiftc -parse-as-library -module-name Bare -swift-version 5 -strict-concurrency=complete -O -wmo -c \
        -module-cache-path "$data/cache/clang-module-cache" "$solution" -o "$data/bare/bare.o" 2>/dev/null
    bare+=($(( ($(date +%s%N) - start) / 1000000 )))
done
python3 - "$data" "$runs" "${bare[@]}" <<'PY'
import json, statistics, sys
data, runs, bare = sys.argv[1], int(sys.argv[2]), [int(x) for x in sys.argv[3:]]
reports = [json.load(open(f"{data}/report-{i}.json")) for i in range(1, runs + 1)]
cold = reports[0]["timings"]
assert not cold["checkModuleCached"], "the first grading should have built the check module"
med = lambda xs: statistics.median(xs)
compile_ms = med([r["timings"]["compileMs"] for r in reports[1:]] or [cold["compileMs"]])
print(f"check module build (cold, once per grader version): {cold['checkModuleBuildMs']} ms")
print(f"per-submission compile (median of {max(runs - 1, 1)} warm gradings): {compile_ms:.0f} ms")
print(f"bare swiftc -c of the same file (median of {runs}):           {med(bare):.0f} ms")
print(f"ratio per-submission compile / bare compile:               {compile_ms / med(bare):.2f}")
print(f"grading total, warm (median): {med([r['timings']['totalMs'] for r in reports[1:]] or [cold['totalMs']]):.0f} ms; "
      f"checks phase: {med([r['timings']['checksMs'] for r in reports[1:]] or [cold['checksMs']]):.0f} ms")
print(f"score {reports[-1]['score']}/{reports[-1]['maxScore']} on every run: {all(r['score'] == r['maxScore'] for r in reports)}")
print("per-check wall time, median ms (one process per check):")
for check in reports[0]["checks"]:
    times = [next(c["durationMs"] for c in r["checks"] if c["id"] == check["id"]) for r in reports]
    print(f"  {check['id']:45} {med(times):7.0f}")
PY
