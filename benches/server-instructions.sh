#!/usr/bin/env bash
# The load harness's servers, counted in instructions instead of timed: each mode of
# `load-server` runs under callgrind and serves a fixed number of keep-alive requests from
# curl; the instructions of the whole process (every thread: the runtime, hyper, the
# tracer, the reporter or the SDK's batch exporter) are counted from the first to the last
# of those requests and divided by their number. Unlike CPU time on a shared machine, the
# counts repeat from run to run, so they can tell a 1% difference from noise. They leave
# out the kernel's share (sockets, wake-ups), which `benches/load.sh` measures.
#
#   bash benches/server-instructions.sh      # needs valgrind and curl
#   REQUESTS=5000 MODES="bare ours-noop" bash benches/server-instructions.sh
#   HEADERS=$'traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\nbaggage: a=1,b=2' \
#       MODES="ours-discard" bash benches/server-instructions.sh   # requests that carry a trace
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${REQUESTS:-2000}
MODES=${MODES:-"bare tower-http otel ours-noop ours-discard ours-reference"}
PATH_UNDER_TEST=${PATH_UNDER_TEST:-/users/42}
HEADERS=${HEADERS:-}           # request headers, one per line, sent with every request

for tool in valgrind callgrind_control curl; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install valgrind curl)" >&2; exit 1; }
done
cargo build --release -q -p peer-benches --bin load-server
server=target/release/load-server
source benches/servers.sh

# `count` requests to the server, one after another on one connection (the fragment keeps
# every URL the same on the wire while curl's globbing repeats it).
drive() {
    local header_args=() header
    while IFS= read -r header; do
        [ -n "$header" ] && header_args+=(-H "$header")
    done <<<"$HEADERS"
    curl -sf -o /dev/null "${header_args[@]}" "http://$1$PATH_UNDER_TEST#[1-$2]"
}

"$server" collector >"$work/collector.log" 2>&1 &
pids+=($!)
wait_listening "$work/collector.log"
collector=$started_addr

printf '%-16s %16s %10s\n' mode "instructions/req" "ratio"
bare=
for mode in $MODES; do
    count_instructions "$mode" "$REQUESTS"
    bare=${bare:-$per_unit}
    awk -v m="$mode" -v n="$per_unit" -v b="$bare" 'BEGIN { printf "%-16s %16d %10.3f\n", m, n, n / b }'
done
