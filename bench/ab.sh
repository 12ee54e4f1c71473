#!/usr/bin/env bash
# A/B of two switchboard.jar builds as users run them (java -jar, no flags), in one run:
#   bench/ab.sh BASELINE_JAR CANDIDATE_JAR [ROUNDS]
# Each round starts each jar fresh (pinned to core 1), warms it, then measures 1 KB chat requests at
# c = 10 with wrk (pinned to core 0, with the Java mock upstream) and the time to first chunk of 200
# SSE streams (64 chunks each). The arms alternate A, B, A, B... so that slow drift of the machine
# falls on both. Prints every cell and the medians, and the candidate/baseline ratios.
# EXTRA_A / EXTRA_B: YAML appended to that arm's config (e.g. "observability: {access_log: false}"), to
# compare settings of one build. ROUTE: the virtual model both arms serve as `regular` (default: one target;
# e.g. ROUTE='{source: regular, targets: [{model: mock/a, weight: 1}, {model: mock/b, weight: 1}]}' for
# an A/B split, which the experiments statistics count). Needs wrk (apt-get install wrk) and bench/target/benchmarks.jar.
set -euo pipefail
cd "$(dirname "$0")/.."
A=$(readlink -f "$1"); B=$(readlink -f "$2"); ROUNDS=${3:-3}
WARM=${WARM:-20}; DUR=${DUR:-10}; STREAMS=${STREAMS:-200}
. bench/lib.sh
. bench/readiness.sh

URL=http://127.0.0.1:18090/v1/chat/completions
echo "arm,round,rps,p50_ms,p99_ms,ttfc_p50_ms,ttfc_p99_ms"
for r in $(seq 1 "$ROUNDS"); do
  for arm in A B; do
    jar=$A; [ $arm = B ] && jar=$B
    extra=${EXTRA_A:-}; [ $arm = B ] && extra=${EXTRA_B:-}
    gateway_yaml 18090 "$extra" > "$WORK/gateway-$arm.yaml"
    $PIN1 java -jar "$jar" --config "$WORK/gateway-$arm.yaml" > "$WORK/$arm.log" 2>&1 &
    pid=$!
    wait_ready 18090 "$WORK/$arm.log"
    BODY_FILE="$WORK/body.json" $PIN0 wrk -t2 -c10 -d${WARM}s -s "$WORK/post.lua" $URL > /dev/null 2>&1
    BODY_FILE="$WORK/body.json" $PIN0 wrk -t2 -c10 -d${DUR}s --latency -s "$WORK/post.lua" $URL > "$WORK/wrk.txt" 2>&1
    read -r rps p50 p99 <<< "$(wrk_figures "$WORK/wrk.txt")"
    read -r t50 t99 <<< "$(ttfc $URL)"
    echo "$arm,$r,$rps,$p50,$p99,$t50,$t99"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
done | tee "$WORK/cells.csv"
python3 - "$WORK/cells.csv" "$A" "$B" <<'PY'
import csv, statistics, sys
rows = list(csv.reader(open(sys.argv[1])))
def med(arm, col):
    return statistics.median(float(r[col]) for r in rows if r[0] == arm)
print()
print(f"A = {sys.argv[2]}\nB = {sys.argv[3]}")
for name, col in (("req/s", 2), ("p50 ms", 3), ("p99 ms", 4), ("ttfc p50 ms", 5), ("ttfc p99 ms", 6)):
    a, b = med("A", col), med("B", col)
    print(f"{name:12} A {a:10.3f}  B {b:10.3f}  B/A {b / a:6.3f}  B-A {b - a:+.3f}")
PY
