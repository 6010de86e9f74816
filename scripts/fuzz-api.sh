#!/usr/bin/env bash
# Fuzzes the daemon's HTTP API against its own OpenAPI document with Schemathesis (from PyPI):
#   scripts/fuzz-api.sh [seconds]      (default 120; FUZZ_SECONDS also sets it)
# Builds the grader, starts `grader serve` on a free loopback port with a fresh data directory and
# an admin token, runs every Schemathesis check (no 5xx, every status, content type, header and
# body as the document says, unsupported methods answered 405, auth enforced, …), then checks the
# daemon still answers and stops cleanly. Exit 0 only when all of that holds.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-120}}"
scripts/bootstrap.sh >&2
command -v swift >/dev/null 2>&1 || export PATH=/opt/swift/usr/bin:$PATH
grader="$(swift build --show-bin-path)/grader"

venv=.build-venv
if [ ! -x "$venv/bin/st" ]; then
    echo "fuzz: installing schemathesis into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis==4.32.5"
fi

data="$(mktemp -d /tmp/grader-fuzz.XXXXXX)"
log="$data/daemon.log"
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    rm -rf "$data"
}
trap cleanup EXIT

token="$("$grader" tokens create --role admin --name fuzz --data-dir "$data" | tail -1)"
. scripts/lib/daemon.sh
start_daemon "$grader" "$data" "$log" --submissions-per-minute 30 --log-level notice
pid=$daemon_pid
base="http://127.0.0.1:$daemon_port"
echo "fuzz: daemon at $base, fuzzing for ${seconds}s" >&2

status=0
# Run from the scratch directory: Schemathesis keeps a cache folder where it runs.
root="$(pwd)"
(cd "$data" && "$root/$venv/bin/st" --config-file "$root/scripts/schemathesis.toml" run "$base/api/v1/openapi.json" \
    --header "Authorization: Bearer $token" --checks all --max-time "$seconds" --workers 2 --no-color) || status=$?

health="$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz" || true)"
if [ "$health" != "200" ]; then echo "fuzz: the daemon stopped answering (/healthz: $health)" >&2; status=1; fi
if grep -q 'request failed' "$log"; then echo "fuzz: the daemon failed on requests:" >&2; grep 'request failed' "$log" | head -5 >&2; status=1; fi
kill -TERM "$pid"
if ! wait "$pid"; then echo "fuzz: the daemon did not stop cleanly on SIGTERM" >&2; status=1; fi
pid=""
[ "$status" -eq 0 ] && echo "fuzz: passed: no 5xx, every response as the document says, the daemon still serving" >&2
exit "$status"
