#!/usr/bin/env bash
# Instructions per operation under callgrind, ours against the OpenTelemetry SDK: unlike wall
# time on a shared machine, the counts repeat exactly from run to run.
#
#   bash benches/instructions.sh        # needs valgrind (apt-get install valgrind)
#
# Instructions are not time (cache misses and atomics cost more than their count), so use
# this to compare versions of the same code, and the criterion benches for ratios of time.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind not found: apt-get install valgrind" >&2; exit 1; }
cargo build -q --release -p peer-benches --example instructions
bin=target/release/examples/instructions
n=${N:-20000}
"$bin" otlp-bytes 1
for work in span span-floor otel-span noop span-report span-store bridge-registry bridge-ours bridge-otel w3c-inject w3c-extract otel-w3c-inject otel-w3c-extract \
    tracestate-extract otel-tracestate-extract baggage-inject baggage-extract otel-baggage-inject otel-baggage-extract \
    b3-inject b3-extract otel-b3-inject otel-b3-extract jaeger-inject jaeger-extract \
    otel-jaeger-inject otel-jaeger-extract zipkin-encode \
    otlp-protobuf-encode otlp-json-encode otlp-prost-encode otel-otlp-encode otel-spandata-clone \
    otlp-protobuf-encode-512 otlp-json-encode-512 otlp-prost-encode-512 otel-otlp-encode-512 \
    otel-spandata-clone-512 axum-bare axum-ours axum-report axum-store; do
    # A batch of 512 spans is one op: fewer of them keep the run short.
    # The trace store's queue holds 8 192 spans, which its thread barely drains under callgrind.
    case $work in *-512) ops=$(( n / 512 > 0 ? n / 512 : 1 )) ;; *store*) ops=$(( n < 8000 ? n : 8000 )) ;; *) ops=$n ;; esac
    ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null --collect-atstart=no \
        --toggle-collect='*measured*' "$bin" "$work" "$ops" 2>&1 | awk '/Collected/ { print $4 }')
    printf '%-28s %9d instructions/op\n' "$work" $((ir / ops))
done
