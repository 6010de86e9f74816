"""The measurements of scripts/bench-daemon.sh, against a running daemon (see that script)."""
import argparse, asyncio, json, re, statistics, subprocess, threading, time, urllib.request

parser = argparse.ArgumentParser()
for name in ("--server", "--token", "--log", "--solution"):
    parser.add_argument(name, required=True)
parser.add_argument("--burst", type=int, default=100)
args = parser.parse_args()
source = open(args.solution).read()
headers = {"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"}


def call(method, path, body=None):
    request = urllib.request.Request(args.server + path, method=method, headers=headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def submit():
    started = time.perf_counter()
    body = call("POST", "/api/v1/submissions", {"challenge": "lru-cache", "files": {"LRUCache.swift": source}})
    return body["id"], (time.perf_counter() - started) * 1000


def wait(ids, poll=0.05):
    pending = set(ids)
    while pending:
        for id in list(pending):
            if call("GET", f"/api/v1/submissions/{id}")["status"] not in ("queued", "compiling", "running"):
                pending.discard(id)
        time.sleep(poll)


def graded_lines():
    lines = {}
    for line in open(args.log, errors="replace"):
        if " graded" not in line or "wallMs=" not in line:
            continue
        fields = dict(re.findall(r"(\w+)=(\S+)", line))
        lines[fields.get("submission", "")] = {k: int(fields[k]) for k in ("wallMs", "totalMs", "queueMs")}
    return lines


print("bench: warming up (the first grading builds the check modules)", flush=True)
wait([submit()[0]])

# 1. Overhead per submission, one at a time on an idle daemon.
samples = []
for _ in range(5):
    id, submit_ms = submit()
    wait([id])
    time.sleep(0.2)
    graded = graded_lines()[id]
    overhead = submit_ms + graded["queueMs"] + (graded["wallMs"] - graded["totalMs"])
    samples.append((overhead, graded["totalMs"], submit_ms, graded["queueMs"], graded["wallMs"] - graded["totalMs"]))
shares = [o / t for o, t, *_ in samples]
print(f"overhead per submission: mean {statistics.mean(o for o, *_ in samples):.1f} ms of a {statistics.mean(t for _, t, *_ in samples):.0f} ms grading "
      f"= {100 * statistics.mean(shares):.2f}% (max {100 * max(shares):.2f}%); "
      f"parts (mean ms): HTTP submit {statistics.mean(s[2] for s in samples):.1f}, queue wait {statistics.mean(s[3] for s in samples):.1f}, "
      f"worker outside the pipeline {statistics.mean(s[4] for s in samples):.1f}  [bar: < 2%]", flush=True)

# 2. Status polling from 200 clients while 2 workers grade.
busy = [submit()[0] for _ in range(10)]
target = busy[0]
time.sleep(1)
script = "wrk.headers['Authorization'] = 'Bearer %s'\n" % args.token
open("/tmp/grader-bench-wrk.lua", "w").write(script)
wrk = subprocess.run(["wrk", "-t2", "-c200", "-d20s", "--latency", "-s", "/tmp/grader-bench-wrk.lua",
                      f"{args.server}/api/v1/submissions/{target}"], capture_output=True, text=True)
out = wrk.stdout
rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
p50 = re.search(r"\n\s+50%\s+(\S+)", out)
p99 = re.search(r"\n\s+99%\s+(\S+)", out)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
print(f"status polling, 200 clients as fast as they can (wrk), 2 workers grading: {rps.group(1) if rps else '?'} requests/s, p50 {p50.group(1) if p50 else '?'}, "
      f"p99 {p99.group(1) if p99 else '?'}, non-2xx {errors.group(1) if errors else 0}  [bar: p99 < 20 ms]", flush=True)
if not rps:
    print(out, wrk.stderr)
# The same 200 clients as pollers: each asks once every half second (400 requests/s in all).
async def pollers(clients=200, interval=0.5, seconds=20):
    host, port = args.server.split("//")[1].split(":")
    request = (f"GET /api/v1/submissions/{target} HTTP/1.1\r\nHost: {host}\r\n"
               f"Authorization: Bearer {args.token}\r\n\r\n").encode()
    latencies, failures = [], 0
    async def client(index):
        nonlocal failures
        reader, writer = await asyncio.open_connection(host, int(port))
        await asyncio.sleep(interval * index / clients)
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            if not head.startswith(b"HTTP/1.1 200"):
                failures += 1
            await asyncio.sleep(max(0, interval - (time.perf_counter() - started)))
        writer.close()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return sorted(latencies), failures
latencies, failures = asyncio.run(pollers())
def percentile(values, p): return values[min(len(values) - 1, int(p * len(values)))] * 1000
print(f"status polling, 200 clients each polling every 0.5 s, 2 workers grading: {len(latencies) / 20:.0f} requests/s, "
      f"p50 {percentile(latencies, 0.5):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms, non-200 {failures}  [bar: p99 < 20 ms]", flush=True)
wait(busy)

# 3. A burst queued at once and drained.
started = time.perf_counter()
ids, lock = [], threading.Lock()
def fire(n):
    for _ in range(n):
        id, _ = submit()
        with lock:
            ids.append(id)
threads = [threading.Thread(target=fire, args=(args.burst // 4 + (1 if i < args.burst % 4 else 0),)) for i in range(4)]
for thread in threads: thread.start()
for thread in threads: thread.join()
queued = time.perf_counter() - started
wait(ids, poll=1)
elapsed = time.perf_counter() - started
print(f"burst of {len(ids)}: queued in {queued:.1f} s, drained in {elapsed:.0f} s = {60 * len(ids) / elapsed:.1f} gradings/minute on 2 workers", flush=True)
