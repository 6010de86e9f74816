#!/usr/bin/env bash
# Measures, in one run on this machine: the cold check-module build, the per-submission compile
# against a bare `swiftc` compile of the same file, the whole grading, the ThreadSanitizer race
# pass's share of it, and each check's time. With `--baseline REF`, the grader as of git REF is
# built in a second build folder (.build-baseline, its source in .build-baseline/src) and graded
# alongside, warm gradings interleaved, and the script prints new/old ratios.
# Prints medians over N gradings (default 5); absolute times drift on a shared machine, ratios
# measured in one run do not.
# Usage: scripts/measure.sh [runs] [--baseline REF]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=5
baseline=""
while [ $# -gt 0 ]; do
    case "$1" in
        --baseline) baseline="$2"; shift 2 ;;
        *) runs="$1"; shift ;;
    esac
done
scripts/bootstrap.sh >/dev/null 2>&1 || scripts/bootstrap.sh
command -v swiftc >/dev/null 2>&1 || export PATH=/opt/swift/usr/bin:$PATH
grader=$(swift build --show-bin-path)/grader
solution=$PWD/Graders/lru-cache/Reference/LRUCache.swift
data=$(mktemp -d /tmp/grader-measure.XXXXXX)
trap 'rm -rf "$data"' EXIT

old_grader=""
if [ -n "$baseline" ]; then
    source_tree=$PWD/.build-baseline/src
    if [ ! -d "$source_tree" ]; then
        mkdir -p .build-baseline
        git worktree add --detach "$source_tree" "$baseline" >/dev/null
    fi
    git -C "$source_tree" checkout --detach -q "$baseline"
    echo "measure: building the baseline ($baseline) in .build-baseline" >&2
    (cd "$source_tree" && swift build --scratch-path "$PWD/../" >/dev/null 2>&1) || (cd "$source_tree" && swift build --scratch-path "$PWD/../")
    old_grader=$PWD/.build-baseline/debug/grader
fi

grade() { # side index
    if [ "$1" = old ]; then
        GRADER_ROOT="$PWD/.build-baseline/src" "$old_grader" grade lru-cache "$solution" --format json --data-dir "$data/old" > "$data/old-$2.json" 2>/dev/null
    else
        "$grader" grade lru-cache "$solution" --format json --data-dir "$data/new" > "$data/new-$2.json" 2>/dev/null
    fi
}
for i in $(seq 1 "$runs"); do
    grade new "$i"
    if [ -n "$old_grader" ]; then grade old "$i"; fi
done
# Baselines: the candidate's file compiled alone to an object, and compiled and linked alone.
bare=(); linked=()
mkdir -p "$data/bare"
flags=(-parse-as-library -module-name Bare -swift-version 5 -strict-concurrency=complete -O -wmo
       -module-cache-path "$data/new/cache/clang-module-cache")
for i in $(seq 1 "$runs"); do
    start=$(date +%s%N)
    swiftc "${flags[@]}" -c "$solution" -o "$data/bare/bare.o"
    bare+=($(( ($(date +%s%N) - start) / 1000000 )))
    start=$(date +%s%N)
    swiftc "${flags[@]}" -emit-library "$solution" -o "$data/bare/libBare.so"
    linked+=($(( ($(date +%s%N) - start) / 1000000 )))
done
python3 - "$data" "$runs" "${bare[*]}" "${linked[*]}" "$baseline" <<'PY'
import json, os, re, statistics, sys
data, runs, baseline = sys.argv[1], int(sys.argv[2]), sys.argv[5]
bare, linked = [int(x) for x in sys.argv[3].split()], [int(x) for x in sys.argv[4].split()]
med = lambda xs: statistics.median(xs)
def load(side):
    return [json.load(open(f"{data}/{side}-{i}.json")) for i in range(1, runs + 1)]
new = load("new")
cold = new[0]["timings"]
assert not cold["checkModuleCached"], "the first grading should have built the check module"
warm = new[1:] or new
timing = lambda reports, key: med([r["timings"][key] for r in reports])
compile_ms = timing(warm, "compileMs")
print(f"check modules build (cold, once per grader version): {cold['checkModuleBuildMs']} ms")
print(f"per-submission compile (median of {len(warm)} warm gradings): {compile_ms:.0f} ms")
print(f"the file alone, swiftc -c (median of {runs}):                 {med(bare):.0f} ms  (ratio {compile_ms / med(bare):.2f})")
print(f"the file alone, compiled and linked (-emit-library):        {med(linked):.0f} ms  (ratio {compile_ms / med(linked):.2f})")
race, total = timing(warm, "raceMs"), timing(warm, "totalMs")
print(f"grading total, warm (median): {total:.0f} ms; checks phase: {timing(warm, 'checksMs'):.0f} ms; race pass "
      f"(ThreadSanitizer build + the concurrent checks again): {race:.0f} ms, {100 * race / total:.0f}% of the grading")
print(f"score {new[-1]['score']}/{new[-1]['maxScore']} on every run: {all(r['score'] == r['maxScore'] for r in new)}")
ratios = []
for r in new:
    for line in next(c for c in r["checks"] if c["id"] == "o1-scaling")["evidence"]:
        m = re.search(r"; ratio ([0-9.]+) \(limit", line)
        if m: ratios.append(float(m.group(1)))
if ratios:
    print(f"o1-scaling ratio on the reference (limit 8): min {min(ratios)}, median {med(ratios)}, max {max(ratios)}")
check = lambda reports, id: med([next(c["durationMs"] for c in r["checks"] if c["id"] == id) for r in reports])
if not baseline:
    print("per-check wall time, median ms:")
    for c in new[0]["checks"]:
        print(f"  {c['id']:45} {check(new, c['id']):7.0f}")
    sys.exit(0)
old = load("old")
oldwarm = old[1:] or old
print(f"\nside by side with the baseline {baseline} (warm gradings interleaved, medians of {len(warm)}):")
print(f"  {'':34} {'baseline':>9} {'now':>9} {'now/baseline':>13}")
for key, name in [("totalMs", "grading total"), ("compileMs", "per-submission compile"), ("checksMs", "checks phase"),
                  ("raceMs", "race pass")]:
    a, b = timing(oldwarm, key), timing(warm, key)
    print(f"  {name:34} {a:9.0f} {b:9.0f} {b / a:13.2f}")
print(f"  baseline score {old[-1]['score']}/{old[-1]['maxScore']} on every run: {all(r['score'] == r['maxScore'] for r in old)}")
print("  per-check wall time (ms):")
for c in new[0]["checks"]:
    if not any(x["id"] == c["id"] for x in old[0]["checks"]):
        continue
    a, b = check(oldwarm, c["id"]), check(warm, c["id"])
    print(f"    {c['id']:40} {a:9.0f} {b:9.0f} {b / max(a, 1):13.2f}")
PY
