#!/usr/bin/env bash
# Cold start of switchboard.jar as users run it (java -jar, no flags), pinned to core 1: how long until it
# listens (/healthz answers) and is ready (/readyz 200), then its throughput under load from that moment in
# windows of WINDOW seconds (wrk, 1 KB chat body, c = 10, on core 0 with the Java mock upstream, which is
# warmed first by MOCK_WARM seconds of load of its own so that its warm-up is not the gateway's).
#   bench/warmup.sh [JAR] [SECONDS]     defaults: jetty-bundle/target/switchboard.jar, 180
# Prints one line per window (seconds since launch at the window's end, req/s, CPU us per request), then the
# plateau (median of the last six windows) and the first window at 90 % of it. EXTRA: YAML appended to the
# config (default none: the access log stays on, as shipped); ROUTE as in lib.sh. JAVA_FLAGS: JVM options before
# -jar (default none), to measure a run command with flags; JAVA: the java launcher (default `java` on the PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
JARFILE=$(readlink -f "${1:-jetty-bundle/target/switchboard.jar}"); TOTAL=${2:-180}
WINDOW=${WINDOW:-5}; MOCK_WARM=${MOCK_WARM:-60}
. bench/lib.sh
. bench/readiness.sh
[ -f "$JARFILE" ] || { echo "no $JARFILE: mvn -q -B -DskipTests package first"; exit 1; }
BODY_FILE="$WORK/body.json" $PIN0 wrk -t2 -c10 -d"${MOCK_WARM}s" -s "$WORK/post.lua" http://127.0.0.1:18091/ > /dev/null
gateway_yaml 18090 "${EXTRA:-}" > "$WORK/gateway.yaml"
now_ms() { date +%s%3N; }
t0=$(now_ms)
$PIN1 "${JAVA:-java}" ${JAVA_FLAGS:-} -jar "$JARFILE" --config "$WORK/gateway.yaml" > "$WORK/gateway.log" 2>&1 &
pid=$!
times=$(time_to_ready 18090 "$t0") || { echo "not ready after 30 s"; cat "$WORK/gateway.log"; exit 1; }
read -r listening ready <<< "$times"
echo "listening after ${listening} ms, ready after ${ready} ms (from launch; curl polls every 10 ms)"
echo "t_s,rps,cpu_us_per_req" > "$WORK/curve.csv"
end=$(( $(now_ms) + TOTAL * 1000 ))
while [ "$(now_ms)" -lt "$end" ]; do
  c0=$(cpu_ticks "$pid")
  BODY_FILE="$WORK/body.json" $PIN0 wrk -t2 -c10 -d"${WINDOW}s" -s "$WORK/post.lua" \
    http://127.0.0.1:18090/v1/chat/completions > "$WORK/wrk.txt" 2>&1
  c1=$(cpu_ticks "$pid")
  cpu=$(us_per_request $((c1 - c0)) "$(wrk_requests "$WORK/wrk.txt")")
  echo "$(( ($(now_ms) - t0) / 1000 )),$(wrk_rps "$WORK/wrk.txt"),$cpu" | tee -a "$WORK/curve.csv"
done
kill "$pid"; wait "$pid" || true
python3 - "$WORK/curve.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
rps = [float(r["rps"]) for r in rows]
plateau = statistics.median(rps[-6:])
first = next((r for r in rows if float(r["rps"]) >= 0.9 * plateau), None)
print(f"plateau {plateau:.0f} req/s (median of the last six windows); 90 % of it first in the window ending at "
      f"{first['t_s'] if first else '-'} s after launch")
PY
