#!/usr/bin/env bash
# Sandbox start-up overhead, as ratios measured in one run (absolute times drift on a shared machine):
#   1. a trivial Swift binary: bare exec vs under grader-sandbox (run profile);
#   2. a real check (the reference LRU cache's capacity-one check, a driver and a subject joined by
#      a socket, as the grader runs them): both processes started directly vs both sandboxed.
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
subject="$(ls -d "$scratch"/data/work/*/subject | head -1)"
driver="$(ls -d "$scratch"/data/cache/lru-cache-full-*/driver/driver | head -1)"
python3 - "$runs" "$bin/grader-sandbox" "$scratch" "$subject" "$driver" "$(dirname "$(dirname "$(command -v swiftc)")")/lib/swift/linux" <<'PY'
import json, os, socket, statistics, struct, subprocess, sys, time
runs, launcher, scratch, subject, driver, runtime = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6]
def workdir(name):
    path = os.path.join(scratch, name); os.makedirs(path, exist_ok=True); return path
def sandboxed(program, args, name, poll=False):
    flags = [launcher, "--profile", "run", "--workdir", workdir(name), "--verdict", os.path.join(scratch, name + ".json"), "--wall", "30"]
    if poll: flags.append("--memory-poll")
    for path in (program, runtime): flags += ["--readable", path]
    return flags + ["--", program] + args
def timed(command):
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=workdir("bare"), check=False)
    return (time.perf_counter() - start) * 1000
def check(sandbox):
    """The capacity-one check: the driver on the control socket and the subject channel."""
    a, b = socket.socketpair(); c, d = socket.socketpair()
    args = ["run", "capacity-one", "--budget-ms", "5000"]
    subject_command = sandboxed(subject, [], "s") if sandbox else [subject]
    driver_command = sandboxed(driver, args, "d", poll=True) if sandbox else [driver] + args
    start = time.perf_counter()
    s = subprocess.Popen(subject_command, stdin=a.fileno(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    p = subprocess.Popen(driver_command, stdin=c.fileno(), stdout=b.fileno(), stderr=subprocess.DEVNULL)
    a.close(); b.close(); c.close()
    report = b""
    while True:
        chunk = d.recv(65536)
        if not chunk: break
        report += chunk
    p.wait(); s.wait()
    elapsed = (time.perf_counter() - start) * 1000
    d.close()
    assert len(report) > 13 and report[4] == 10 and report[13] == 0, f"the check did not pass: {report[:80]}"
    return elapsed
samples = {"bare": [], "sandboxed": [], "check-bare": [], "check-sandboxed": []}
for _ in range(runs):
    samples["bare"].append(timed([os.path.join(scratch, "hello")]))
    samples["sandboxed"].append(timed(sandboxed(os.path.join(scratch, "hello"), [], "hello-work")))
    samples["check-bare"].append(check(False))
    samples["check-sandboxed"].append(check(True))
m = {k: statistics.median(v) for k, v in samples.items()}
verdict = json.load(open(os.path.join(scratch, "s.json")))
print(f"median of {runs} runs each; isolation: {verdict['isolation']['namespaces']}, memory {verdict['isolation']['memory']}")
print(f"trivial Swift binary: bare exec {m['bare']:.2f} ms, sandboxed {m['sandboxed']:.2f} ms: "
      f"ratio {m['sandboxed'] / m['bare']:.2f}, overhead {m['sandboxed'] - m['bare']:.2f} ms")
print(f"one check (capacity-one, driver and subject): direct {m['check-bare']:.2f} ms, sandboxed {m['check-sandboxed']:.2f} ms: "
      f"ratio {m['check-sandboxed'] / m['check-bare']:.2f}, overhead {m['check-sandboxed'] - m['check-bare']:.2f} ms")
PY
