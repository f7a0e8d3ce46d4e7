#!/usr/bin/env bash
# Every criterion micro benchmark of the workspace, then one table of their medians.
#
#   bash benches/micro.sh
#
# Ratios between rows are only meaningful within one run: the machines are shared.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT
run() { echo "==> cargo bench $*" >&2; cargo bench -q "$@" 2>/dev/null | tee -a "$log" >&2; }
run -p opentracing-core --features mock --bench core
run -p opentracing-core --features reporter --bench report
run -p tracing-tower --bench layer
run -p tracing-tower --features viewer --bench viewer
run -p tracing-reqwest --bench middleware
run -p peer-benches --bench tracer
run -p peer-benches --bench codecs
run -p peer-benches --bench bridge

# criterion prints the name on one line (or before "time:") and "time: [low median high]".
echo
awk '
    /time:/ {
        line = $0; sub(/^ */, "", line)
        name = (index(line, "time:") > 1) ? substr(line, 1, index(line, "time:") - 1) : last
        sub(/ +$/, "", name)
        match($0, /\[[^]]*\]/); split(substr($0, RSTART + 1, RLENGTH - 2), t, " ")
        printf "%-72s %10s %s\n", name, t[3], t[4]
        next
    }
    NF { last = $0; sub(/^ */, "", last) }
' "$log"
