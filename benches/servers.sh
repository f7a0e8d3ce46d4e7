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
