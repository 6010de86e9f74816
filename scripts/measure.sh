#!/usr/bin/env bash
# Measures, in one run on this machine: the cold check-module build, the per-submission compile
# against a bare `swiftc` compile of the same file, the whole grading, the ThreadSanitizer race
# pass's share of it, and each check's time.
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
# Baselines: the candidate's file compiled alone to an object, and compiled and linked alone.
bare=(); linked=()
mkdir -p "$data/bare"
flags=(-parse-as-library -module-name Bare -swift-version 5 -strict-concurrency=complete -O -wmo
       -module-cache-path "$data/cache/clang-module-cache")
for i in $(seq 1 "$runs"); do
    start=$(date +%s%N)
    swiftc "${flags[@]}" -c "$solution" -o "$data/bare/bare.o"
    bare+=($(( ($(date +%s%N) - start) / 1000000 )))
    start=$(date +%s%N)
    swiftc "${flags[@]}" -emit-library "$solution" -o "$data/bare/libBare.so"
    linked+=($(( ($(date +%s%N) - start) / 1000000 )))
done
python3 - "$data" "$runs" "${bare[*]}" "${linked[*]}" <<'PY'
import json, re, statistics, sys
data, runs = sys.argv[1], int(sys.argv[2])
bare, linked = [int(x) for x in sys.argv[3].split()], [int(x) for x in sys.argv[4].split()]
reports = [json.load(open(f"{data}/report-{i}.json")) for i in range(1, runs + 1)]
cold = reports[0]["timings"]
assert not cold["checkModuleCached"], "the first grading should have built the check module"
med = lambda xs: statistics.median(xs)
compile_ms = med([r["timings"]["compileMs"] for r in reports[1:]] or [cold["compileMs"]])
print(f"check modules build, plain and ThreadSanitizer (cold, once per grader version): {cold['checkModuleBuildMs']} ms")
print(f"per-submission compile (median of {max(runs - 1, 1)} warm gradings): {compile_ms:.0f} ms")
print(f"the file alone, swiftc -c (median of {runs}):                 {med(bare):.0f} ms  (ratio {compile_ms / med(bare):.2f})")
print(f"the file alone, compiled and linked (-emit-library):        {med(linked):.0f} ms  (ratio {compile_ms / med(linked):.2f})")
print(f"grading total, warm (median): {med([r['timings']['totalMs'] for r in reports[1:]] or [cold['totalMs']]):.0f} ms; "
      f"checks phase: {med([r['timings']['checksMs'] for r in reports[1:]] or [cold['checksMs']]):.0f} ms")
warm = reports[1:] or reports
race, total = med([r["timings"]["raceMs"] for r in warm]), med([r["timings"]["totalMs"] for r in warm])
print(f"race pass (ThreadSanitizer build of the submission + the concurrent checks again), median: {race:.0f} ms, "
      f"{100 * race / total:.0f}% of the grading; without it the grading would take {total - race:.0f} ms "
      f"(ratio with/without {total / max(total - race, 1):.2f})")
print(f"score {reports[-1]['score']}/{reports[-1]['maxScore']} on every run: {all(r['score'] == r['maxScore'] for r in reports)}")
ratios = []
for r in reports:
    for line in next(c for c in r["checks"] if c["id"] == "o1-scaling")["evidence"]:
        m = re.search(r"; ratio ([0-9.]+) \(limit", line)
        if m: ratios.append(float(m.group(1)))
if ratios:
    print(f"o1-scaling ratio on the reference (limit 8): min {min(ratios)}, median {med(ratios)}, max {max(ratios)}")
print("per-check wall time, median ms (one process per check):")
for check in reports[0]["checks"]:
    times = [next(c["durationMs"] for c in r["checks"] if c["id"] == check["id"]) for r in reports]
    print(f"  {check['id']:45} {med(times):7.0f}")
PY
