# Sourced by the harness scripts that run servers: a work directory, the servers started
# (`pids`), stopped and cleaned up on exit, and the wait for a server to listen.

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    # KEEP=dir keeps callgrind's dumps (server-instructions.sh).
    if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP"; cp "$work"/*.[0-9]*.1 "$KEEP"/ 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# Waits for `listening on <address>` in log $1; sets $started_addr.
wait_listening() {
    for _ in $(seq 600); do
        started_addr=$(sed -n 's/^listening on //p' "$1")
        [ -n "$started_addr" ] && return 0
        sleep 0.05
    done
    echo "the server did not start:" >&2; cat "$1" >&2; exit 1
}

# Counts the instructions of `$server $mode $collector` under callgrind, per unit of work:
# `drive <address> <count>` is run for 200 units to warm up, then for $2 measured ones;
# sets $per_unit.
count_instructions() {
    local mode=$1 count=$2 pid
    valgrind --tool=callgrind --callgrind-out-file="$work/$mode.%p" \
        "$server" "$mode" "$collector" >"$work/$mode.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    wait_listening "$work/$mode.log"
    drive "$started_addr" 200                 # warm up: connections, buffers, lazy statics
    sleep 1                                   # let batching exporters drain the warm-up
    callgrind_control --zero "$pid" >/dev/null 2>&1
    drive "$started_addr" "$count"
    sleep 1                                   # ... and the measured work
    callgrind_control --dump "$pid" >/dev/null 2>&1
    kill "$pid"; wait "$pid" 2>/dev/null || true
    # The dump taken on request (file suffix .1) holds the counts since the zeroing.
    local total
    total=$(awk '/^summary:|^totals:/ { print $2; exit }' "$work/$mode.$pid.1")
    per_unit=$((total / count))
}
