# Sourced by scripts that need a running daemon (fuzz-api.sh, bench-daemon.sh).
# start_daemon GRADER DATA LOG [serve options…]: starts `GRADER serve --port 0` on DATA, logging to
# LOG, and sets daemon_pid and daemon_port (the port the daemon logged), or exits 1.
start_daemon() {
    local grader="$1" data="$2" log="$3"
    shift 3
    "$grader" serve --port 0 --data-dir "$data" "$@" 2> "$log" &
    daemon_pid=$!
    daemon_port=""
    for _ in $(seq 1 200); do
        daemon_port="$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$log" | head -1)"
        [ -n "$daemon_port" ] && return 0
        sleep 0.1
    done
    echo "the daemon did not start:" >&2
    cat "$log" >&2
    exit 1
}
