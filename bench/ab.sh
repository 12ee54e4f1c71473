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
JAR=bench/target/benchmarks.jar
[ -f "$JAR" ] || { echo "build first: mvn -q -DskipTests package"; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed"; exit 1; }
WORK=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
PIN0="taskset -c 0"; PIN1="taskset -c 1"
[ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null || { PIN0=""; PIN1=""; }

cat > "$WORK/gateway.yaml" <<YAML
server: {host: 127.0.0.1, port: 18090}
providers:
  mock: {type: openai-compatible, base_url: "http://127.0.0.1:18091"}
default_provider: mock
virtual_models:
  - ${ROUTE:-{source: regular, target: mock/gpt-bench\}}
YAML
python3 - "$WORK" <<'PY'
import json, sys
msgs, i = [], 0
while len(json.dumps({"model": "regular", "messages": msgs})) < 1024 - 120:
    msgs.append({"role": "user", "content": "Why is the sky blue? Answer briefly. " + str(i)}); i += 1
open(sys.argv[1] + "/body.json", "w").write(json.dumps({"messages": msgs, "model": "regular"}))
PY
cat > "$WORK/post.lua" <<'LUA'
local f = io.open(os.getenv("BODY_FILE"), "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body; wrk.headers["Content-Type"] = "application/json"
LUA
$PIN0 java -cp "$JAR" dev.switchboard.bench.MockUpstream 18091 > "$WORK/mock.log" 2>&1 &
for _ in $(seq 1 100); do curl -s -o /dev/null -X POST -d '{}' http://127.0.0.1:18091/ && break; sleep 0.2; done

URL=http://127.0.0.1:18090/v1/chat/completions
echo "arm,round,rps,p50_ms,p99_ms,ttfc_p50_ms,ttfc_p99_ms"
for r in $(seq 1 "$ROUNDS"); do
  for arm in A B; do
    jar=$A; [ $arm = B ] && jar=$B
    extra=${EXTRA_A:-}; [ $arm = B ] && extra=${EXTRA_B:-}
    { cat "$WORK/gateway.yaml"; printf '%s\n' "$extra"; } > "$WORK/gateway-$arm.yaml"
    $PIN1 java -jar "$jar" --config "$WORK/gateway-$arm.yaml" > "$WORK/$arm.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null http://127.0.0.1:18090/healthz && break; sleep 0.1; done
    BODY_FILE="$WORK/body.json" $PIN0 wrk -t2 -c10 -d${WARM}s -s "$WORK/post.lua" $URL > /dev/null 2>&1
    BODY_FILE="$WORK/body.json" $PIN0 wrk -t2 -c10 -d${DUR}s --latency -s "$WORK/post.lua" $URL > "$WORK/wrk.txt" 2>&1
    rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
    ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) printf "%.3f", v/1000; else if (v ~ /ms$/) printf "%.3f", v+0; else printf "%.3f", v*1000 }'; }
    p50=$(ms "$(awk '$1=="50%" {print $2}' "$WORK/wrk.txt")"); p99=$(ms "$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")")
    probe=$($PIN0 java -cp "$JAR" dev.switchboard.bench.StreamProbe $URL "$STREAMS")
    t50=$(echo "$probe" | sed -E 's/.*ttfc_p50_ms=([0-9.]+).*/\1/'); t99=$(echo "$probe" | sed -E 's/.*ttfc_p99_ms=([0-9.]+).*/\1/')
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
