#!/usr/bin/env bash
# Instructions per unary gRPC call in the whole server process (every thread: tokio, hyper,
# tonic, the tracer, the reporter), counted by callgrind: the health service's `Check` on
# tonic with no layer, with tower-http's `TraceLayer::new_for_grpc()` and a subscriber of
# one layer, and with tracing-tower's server layer (spans dropped, or reported as Zipkin
# JSON to a local collector that discards them).
#
#   bash benches/grpc-instructions.sh             # needs valgrind
#   CALLS=5000 MODES="bare ours-discard" bash benches/grpc-instructions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${CALLS:-2000}
MODES=${MODES:-"bare tower-http ours-discard ours-reference"}
for tool in valgrind callgrind_control; do
    command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install valgrind)" >&2; exit 1; }
done
cargo build --release -q -p peer-benches --bin grpc-server --bin load-server
server=target/release/grpc-server
source benches/servers.sh

# `count` unary calls, one after another on one channel.
drive() { "$server" drive "$1" "$2"; }

target/release/load-server collector >"$work/collector.log" 2>&1 &
pids+=($!)
wait_listening "$work/collector.log"
collector=$started_addr

printf '%-16s %16s %10s\n' mode "instructions/call" "ratio"
bare=
for mode in $MODES; do
    count_instructions "$mode" "$CALLS"
    bare=${bare:-$per_unit}
    awk -v m="$mode" -v n="$per_unit" -v b="$bare" 'BEGIN { printf "%-16s %16d %10.3f\n", m, n, n / b }'
done
