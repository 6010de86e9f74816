#!/usr/bin/env bash
# Sandbox start-up overhead, as ratios measured in one run (absolute times drift on a shared machine):
#   1. a trivial Swift binary: bare exec vs under grader-sandbox (run profile);
#   2. a real check (the reference LRU cache's capacity-one check): run directly vs under the sandbox.
# Medians of N runs each (default 50), interleaved so that drift hits both sides alike. Needs root
# for the full sandbox (without it the launcher applies only seccomp and rlimits, and says so).
# Usage: scripts/bench-sandbox.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swiftc >/dev/null 2>&1 || export PATH=/opt/swift/usr/bin:$PATH
runs="${1:-50}"
bin="$(swift build --show-bin-path)"
[ -x "$bin/grader-sandbox" ] && [ -x "$bin/grader" ] || { echo "build first: scripts/bootstrap.sh" >&2; exit 2; }
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
printf 'print("hello")\n' > "$scratch/hello.swift"
swiftc -O "$scratch/hello.swift" -o "$scratch/hello"
GRADER_KEEP_WORK=1 "$bin/grader" grade lru-cache Graders/lru-cache/Reference/LRUCache.swift --data-dir "$scratch/data" >/dev/null 2>&1
checks="$(ls -d "$scratch"/data/work/*/checks | head -1)"
python3 - "$runs" "$bin/grader-sandbox" "$scratch" "$checks" "$(dirname "$(dirname "$(command -v swiftc)")")/lib/swift/linux" <<'PY'
import json, os, statistics, subprocess, sys, time
runs, launcher, scratch, checks, runtime = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
work = os.path.join(scratch, "w"); os.makedirs(work, exist_ok=True)
def sandboxed(program, *args, readable=()):
    flags = [launcher, "--profile", "run", "--workdir", work, "--verdict", os.path.join(scratch, "v.json"), "--wall", "30"]
    for path in (program, runtime) + tuple(readable): flags += ["--readable", path]
    return flags + ["--", program, *args]
def timed(command, stdin=b""):
    start = time.perf_counter()
    subprocess.run(command, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=work, check=False)
    return (time.perf_counter() - start) * 1000
token = b"0" * 64 + b"\n"
check = [checks, "run", "capacity-one", "--budget-ms", "5000"]
samples = {"bare": [], "sandboxed": [], "check-bare": [], "check-sandboxed": []}
for _ in range(runs):
    samples["bare"].append(timed([os.path.join(scratch, "hello")]))
    samples["sandboxed"].append(timed(sandboxed(os.path.join(scratch, "hello"))))
    samples["check-bare"].append(timed(check, token))
    samples["check-sandboxed"].append(timed(sandboxed(*check), token))
m = {k: statistics.median(v) for k, v in samples.items()}
verdict = json.load(open(os.path.join(scratch, "v.json")))
print(f"median of {runs} runs each; isolation: {verdict['isolation']['namespaces']}, memory {verdict['isolation']['memory']}")
print(f"trivial Swift binary: bare exec {m['bare']:.2f} ms, sandboxed {m['sandboxed']:.2f} ms: "
      f"ratio {m['sandboxed'] / m['bare']:.2f}, overhead {m['sandboxed'] - m['bare']:.2f} ms")
print(f"one check (capacity-one): direct {m['check-bare']:.2f} ms, sandboxed {m['check-sandboxed']:.2f} ms: "
      f"ratio {m['check-sandboxed'] / m['check-bare']:.2f}, overhead {m['check-sandboxed'] - m['check-bare']:.2f} ms")
PY
