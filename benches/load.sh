#!/usr/bin/env bash
# The load harness: the same axum hello-world server in each tracing mode in turn, driven
# by wrk, modes interleaved over several rounds. The server runs pinned to one core and
# wrk to the other, and the server's own CPU time per request is read from /proc, since
# wrk saturates before a bare axum server does and requests/s alone hides middleware cost.
#
#   bash benches/load.sh                    # all modes, 3 rounds of 10 s
#   ROUNDS=5 DURATION=20 CONNECTIONS=64 bash benches/load.sh
#   MODES="bare ours-noop" bash benches/load.sh
#
# Needs wrk (Debian: apt-get install wrk) and taskset (util-linux).
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
MODES=${MODES:-"bare empty-layer tower-http otel ours-noop ours-discard ours-reference"}
PATH_UNDER_TEST=${PATH_UNDER_TEST:-/users/42}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
command -v taskset >/dev/null || { echo "taskset is missing: apt-get install util-linux" >&2; exit 1; }
cargo build --release -q -p peer-benches --bin load-server
server=target/release/load-server
ticks=$(getconf CLK_TCK)
source benches/servers.sh

# Starts `load-server $@` on core $core; sets $started_pid and $started_addr.
start() {
    local core=$1; shift
    local log="$work/server.$RANDOM"
    taskset -c "$core" "$server" "$@" >"$log" 2>&1 &
    started_pid=$!
    pids+=("$started_pid")
    wait_listening "$log"
}

# wrk's latency ("412.00us", "1.23ms", "2.00s") in µs.
to_us() { awk '{ v = $1 + 0; if ($1 ~ /ms$/) v *= 1e3; else if ($1 ~ /[^mu]s$/) v *= 1e6; printf "%.0f", v }'; }

# The process's user and system CPU time, in clock ticks.
cpu_ticks() { awk '{ print $14, $15 }' "/proc/$1/stat"; }

# $1 clock ticks over $requests requests, in µs per request.
per_request() { awk -v t="$1" -v hz="$ticks" -v n="$requests" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }'; }

start 1 collector
collector=$started_addr

results="$work/results"
for round in $(seq "$ROUNDS"); do
    # Rotate the order each round so no mode always runs first or last.
    modes=($MODES)
    shift_by=$(( (round - 1) % ${#modes[@]} ))
    ordered=("${modes[@]:shift_by}" "${modes[@]:0:shift_by}")
    for mode in "${ordered[@]}"; do
        start 0 "$mode" "$collector"
        url="http://$started_addr$PATH_UNDER_TEST"
        taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d2s "$url" >/dev/null   # warm up
        read -r user_before sys_before < <(cpu_ticks "$started_pid")
        taskset -c 1 wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" >"$work/wrk"
        read -r user_after sys_after < <(cpu_ticks "$started_pid")
        kill "$started_pid"; wait "$started_pid" 2>/dev/null || true
        requests=$(awk '/requests in/ { print $1 }' "$work/wrk")
        rps=$(awk '/^Requests\/sec/ { print $2 }' "$work/wrk")
        p50=$(awk '$1 == "50%" { print $2 }' "$work/wrk" | to_us)
        p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk" | to_us)
        user_us=$(per_request $((user_after - user_before)))
        sys_us=$(per_request $((sys_after - sys_before)))
        cpu_us=$(per_request $((user_after - user_before + sys_after - sys_before)))
        echo "$mode $round $rps $p50 $p99 $cpu_us $user_us $sys_us" >>"$results"
        echo "round $round: $mode: $rps req/s, p50 ${p50}µs, p99 ${p99}µs, $cpu_us µs CPU/request ($user_us user, $sys_us system)" >&2
    done
done

# Medians per mode, and the ratios to bare.
echo
printf '%-16s %12s %10s %10s %12s %10s %10s %10s %10s\n' mode "req/s" "p50 µs" "p99 µs" \
    "CPU µs/req" "user µs" "system µs" "CPU/bare" "rps/bare"
for mode in $MODES; do
    median() { awk -v m="$mode" -v c="$1" '$1 == m { print $c }' "$results" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
    echo "$mode $(median 3) $(median 4) $(median 5) $(median 6) $(median 7) $(median 8)"
done >"$work/medians"
awk 'NR == FNR && $1 == "bare" { rps = $2; cpu = $5 } NR != FNR {
        printf "%-16s %12s %10s %10s %12s %10s %10s %10.3f %10.3f\n", $1, $2, $3, $4, $5, $6, $7,
            (cpu > 0 ? $5 / cpu : 0), (rps > 0 ? $2 / rps : 0)
    }' "$work/medians" "$work/medians"
