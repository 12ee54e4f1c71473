#!/usr/bin/env bash
# Run commands compared: switchboard.jar launched cold with each set of JVM flags in turn, pinned to core 1 (wrk and
# the nginx mock of run.sh on core 0), loaded at c = 64 for WARM seconds, then measured for DUR seconds at c = 64
# and at c = 10: req/s, p99 and CPU per request (all its threads, from /proc); then its peak RSS (VmHWM, the whole
# run) and how many threads it has. ROUNDS rounds, the flag sets taking turns, so that drift falls on all alike.
# The config is run.sh's (access log on, as shipped); EXTRA appends YAML.
#   bench/flags.sh "FLAGS" "FLAGS" ...      ("" is the jar as the README runs it, no flags)
#   env: JAR (jetty-bundle/target/switchboard.jar), WARM (120), DUR (20), ROUNDS (2)
set -euo pipefail
cd "$(dirname "$0")/.."
JARFILE=${JAR:-jetty-bundle/target/switchboard.jar}; WARM=${WARM:-120}; DUR=${DUR:-20}; ROUNDS=${ROUNDS:-2}
[ -f "$JARFILE" ] || { echo "no $JARFILE: mvn -q -B -DskipTests package first"; exit 1; }
[ $# -gt 0 ] || { echo "usage: bench/flags.sh \"FLAGS\" ..."; exit 2; }
export PATH=$PATH:/usr/sbin
for t in wrk nginx; do command -v "$t" >/dev/null || { echo "$t is not installed"; exit 1; }; done
. bench/readiness.sh
. bench/figures.sh
WORK=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$WORK/mock/nginx.pid" ] && kill "$(cat "$WORK/mock/nginx.pid")"; rm -rf "$WORK"' EXIT
PIN0="taskset -c 0"; PIN1="taskset -c 1"
[ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null || { PIN0=""; PIN1=""; }
. bench/nginx-mock.sh
start_nginx_mock
gateway_yaml 18090 "${EXTRA:-}" > "$WORK/gateway.yaml"
cat > "$WORK/post.lua" <<'LUA'
local f = io.open(os.getenv("BODY_FILE"), "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body; wrk.headers["Content-Type"] = "application/json"
LUA
load() { # load CONC SECONDS OUTFILE
  BODY_FILE="$WORK/body.json" $PIN0 wrk -t2 -c"$1" -d"$2"s --latency -s "$WORK/post.lua" \
    http://127.0.0.1:18090/v1/chat/completions > "$3" 2>&1 || true
}
measure() { # measure PID CONC: "rps p99_ms cpu_us_per_req errors"
  local c0 c1 f="$WORK/wrk.txt" rps p50 p99
  c0=$(cpu_ticks "$1"); load "$2" "$DUR" "$f"; c1=$(cpu_ticks "$1")
  read -r rps p50 p99 <<< "$(wrk_figures "$f")"
  echo "$(printf '%.0f' "$rps") $p99 $(us_per_request $((c1 - c0)) "$(wrk_requests "$f")") $(wrk_errors "$f")"
}
echo "round,flags,ready_ms,rps64,p99_64_ms,cpu64_us,err64,rps10,p99_10_ms,cpu10_us,err10,peak_rss_mb,threads" | tee "$WORK/all.csv"
for r in $(seq 1 "$ROUNDS"); do
  for flags in "$@"; do
    t0=$(date +%s%3N)
    # shellcheck disable=SC2086
    $PIN1 java $flags -jar "$JARFILE" --config "$WORK/gateway.yaml" > "$WORK/gateway.log" 2>&1 &
    pid=$!
    times=$(time_to_ready 18090 "$t0") || { echo "not ready after 30 s ($flags):"; tail -20 "$WORK/gateway.log"; exit 1; }
    load 64 "$WARM" /dev/null
    read -r rps64 p64 cpu64 e64 <<< "$(measure "$pid" 64)"
    read -r rps10 p10 cpu10 e10 <<< "$(measure "$pid" 10)"
    rss=$(( $(awk '/VmHWM/ {print $2}' "/proc/$pid/status") / 1024 ))
    threads=$(awk '/Threads/ {print $2}' "/proc/$pid/status")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "$r,\"${flags:-none}\",${times#* },$rps64,$p64,$cpu64,$e64,$rps10,$p10,$cpu10,$e10,$rss,$threads" | tee -a "$WORK/all.csv"
  done
done
python3 - "$WORK/all.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
keys = ["ready_ms", "rps64", "p99_64_ms", "cpu64_us", "rps10", "p99_10_ms", "cpu10_us", "peak_rss_mb", "threads"]
print("| flags | " + " | ".join(keys) + " |")
print("|---" * (len(keys) + 1) + "|")
for flags in dict.fromkeys(r["flags"] for r in rows):
    mine = [r for r in rows if r["flags"] == flags]
    print(f"| `{flags}` | " + " | ".join(f"{statistics.median(float(r[k]) for r in mine):g}" for k in keys) + " |")
PY
