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
HZ=$(getconf CLK_TCK)
load() { # load CONC SECONDS OUTFILE
  BODY_FILE="$WORK/body.json" $PIN0 wrk -t2 -c"$1" -d"$2"s --latency -s "$WORK/post.lua" \
    http://127.0.0.1:18090/v1/chat/completions > "$3" 2>&1 || true
}
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) printf "%.3f", v/1000; else if (v ~ /ms$/) printf "%.3f", v+0; else printf "%.3f", v*1000 }'; }
measure() { # measure PID CONC: "rps p99_ms cpu_us_per_req errors"
  local c0 c1 n
  c0=$(ticks "$1"); load "$2" "$DUR" "$WORK/wrk.txt"; c1=$(ticks "$1")
  n=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
  echo "$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$WORK/wrk.txt") $(ms "$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")")" \
    "$(python3 -c "print(round(($c1 - $c0) / $HZ * 1e6 / max(1, ${n:-0}), 1))")" \
    "$(awk '/Non-2xx/ {n += $5} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$WORK/wrk.txt")"
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
