#!/usr/bin/env bash
# Switchboard benchmark: JMH micro-benchmarks of the model rewrite and a load run of four arms
# (direct to a mock upstream, nginx proxy_pass, the gateway with the filter, the gateway without it),
# all measured in one run and reported as ratios against the baselines of that run.
#   bench/run.sh            quick mode (under 5 minutes)
#   bench/run.sh --full     full mode (about 15 minutes: longer cells, more JMH iterations)
# Writes bench/results/REPORT.md, results.csv, jmh.json and chart.png. Needs root for apt-get the
# first time (wrk, nginx-light, gnuplot-nox); an arm whose tool is missing is skipped with a note.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODE=quick
[ "${1:-}" = "--full" ] && MODE=full
# ARM_WARM: every arm is driven this long (1 KB, then 100 KB) before its first measured cell. The JIT
# needs it: measured here, a gateway arm with 1 s of warm-up ran at 0.6 x the same arm warmed for 30 s.
if [ "$MODE" = full ]; then DUR=15; WARM=5; ARM_WARM=30; JMH="-f 1 -wi 3 -i 5 -w 1 -r 2"; STREAMS=1000
else DUR=4; WARM=1; ARM_WARM=12; JMH="-f 1 -wi 2 -i 3 -w 1 -r 1"; STREAMS=200; fi
OUT=bench/results; mkdir -p "$OUT"
WORK=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true; rm -rf "$WORK"' EXIT
note() { echo "== $*"; }

note "tools"
missing=()
for t in wrk nginx gnuplot taskset; do command -v "$t" >/dev/null || missing+=("$t"); done
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  timeout 300 apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq wrk nginx-light gnuplot-nox util-linux >/dev/null 2>&1 || true
fi
command -v wrk >/dev/null || { echo "wrk is not installed and could not be installed: no load run possible"; exit 1; }
HAVE_NGINX=1; command -v nginx >/dev/null || { HAVE_NGINX=0; echo "nginx missing: the nginx arm is skipped"; }
PIN0="taskset -c 0"; PIN1="taskset -c 1"
if ! command -v taskset >/dev/null || [ "$(nproc)" -lt 2 ]; then PIN0=""; PIN1=""; echo "fewer than 2 cores or no taskset: arms are not pinned"; fi

note "build"
[ -f bench/target/benchmarks.jar ] && [ "${REBUILD:-0}" = 0 ] || timeout 600 mvn -q -B -DskipTests package
JAR=bench/target/benchmarks.jar
JAVA_OPTS="-Xms256m -Xmx512m -XX:+UseParallelGC"

note "JMH: model rewrite vs a plain copy ($MODE)"
timeout 900 java -jar "$JAR" RewriteBenchmark $JMH -rf json -rff "$OUT/jmh.json" > "$WORK/jmh.txt" 2>&1 || { tail -20 "$WORK/jmh.txt"; exit 1; }

note "load run"
cat > "$WORK/gateway.yaml" <<YAML
providers:
  mock: {type: openai-compatible, base_url: "http://127.0.0.1:18081"}
default_provider: mock
virtual_models:
  - {source: regular, target: mock/gpt-bench}
YAML
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
text = "Here is my code:\n```java\nString s = \"caf\u00e9\";\nif (a < b) { return \"x\"; }\n```\nWhy? Thanks!"
for size, name in ((1024, "1k"), (102400, "100k")):
    msgs, i = [], 0
    while len(json.dumps({"model": "regular", "messages": msgs})) < size - 120:
        msgs.append({"role": "user" if i % 2 == 0 else "assistant", "content": text + " " + str(i)}); i += 1
    body = json.dumps({"messages": msgs, "temperature": 0.7, "model": "regular"}, ensure_ascii=False)
    open(f"{work}/body-{name}.json", "w", encoding="utf-8").write(body)
PY
cat > "$WORK/post.lua" <<'LUA'
local f = io.open(os.getenv("BODY_FILE"), "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body; wrk.headers["Content-Type"] = "application/json"
LUA

$PIN0 java $JAVA_OPTS -cp "$JAR" dev.switchboard.bench.MockUpstream 18081 > "$WORK/mock.log" 2>&1 &
$PIN1 java $JAVA_OPTS -cp "$JAR" dev.switchboard.bench.BenchGateway on "$WORK/gateway.yaml" 18083 > "$WORK/on.log" 2>&1 &
ON_PID=$!
$PIN1 java $JAVA_OPTS -cp "$JAR" dev.switchboard.bench.BenchGateway off "$WORK/gateway.yaml" 18084 > "$WORK/off.log" 2>&1 &
OFF_PID=$!
if [ $HAVE_NGINX = 1 ]; then
  mkdir -p "$WORK/nginx"
  cat > "$WORK/nginx.conf" <<NGX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx; fastcgi_temp_path $WORK/nginx;
  uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
  upstream mock { server 127.0.0.1:18081; keepalive 256; }
  server {
    listen 127.0.0.1:18082;
    client_max_body_size 64m; client_body_buffer_size 1m;
    location / {
      proxy_pass http://mock; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_request_buffering on;   # the whole request is read before it is forwarded, as the filter does
      proxy_buffering off;          # SSE passes through as it arrives
    }
  }
}
NGX
  $PIN1 nginx -c "$WORK/nginx.conf" -p "$WORK/nginx"
fi
for port in 18081 18083 18084; do
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" -X POST -d '{}' && break; sleep 0.2; done
done

declare -A URL=([direct]=http://127.0.0.1:18081/v1/chat/completions [nginx]=http://127.0.0.1:18082/v1/chat/completions
                [filter-on]=http://127.0.0.1:18083/v1/chat/completions [filter-off]=http://127.0.0.1:18084/v1/chat/completions)
ARMS=(direct filter-off filter-on); [ $HAVE_NGINX = 1 ] && ARMS=(direct nginx filter-off filter-on)
echo "arm,body,conc,rps,p50_ms,p99_ms,errors" > "$OUT/results.csv"
to_ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) printf "%.3f", v/1000; else if (v ~ /ms$/) printf "%.3f", v+0; else if (v ~ /s$/) printf "%.3f", v*1000; else print v }'; }
for arm in "${ARMS[@]}"; do
  BODY_FILE="$WORK/body-1k.json" timeout 120 $PIN0 wrk -t2 -c10 -d${ARM_WARM}s -s "$WORK/post.lua" "${URL[$arm]}" > /dev/null 2>&1 || true
  BODY_FILE="$WORK/body-100k.json" timeout 120 $PIN0 wrk -t2 -c10 -d$((ARM_WARM / 2))s -s "$WORK/post.lua" "${URL[$arm]}" > /dev/null 2>&1 || true
  for body in 1k 100k; do
    for c in 1 10 64; do
      t=$(( c < 2 ? 1 : 2 ))
      BODY_FILE="$WORK/body-$body.json" timeout 60 $PIN0 wrk -t$t -c$c -d${WARM}s -s "$WORK/post.lua" "${URL[$arm]}" > /dev/null 2>&1 || true
      BODY_FILE="$WORK/body-$body.json" timeout 120 $PIN0 wrk -t$t -c$c -d${DUR}s --latency -s "$WORK/post.lua" "${URL[$arm]}" > "$WORK/wrk.txt" 2>&1 || true
      rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/wrk.txt")
      p50=$(to_ms "$(awk '$1=="50%" {print $2}' "$WORK/wrk.txt")")
      p99=$(to_ms "$(awk '$1=="99%" {print $2}' "$WORK/wrk.txt")")
      err=$(awk '/Non-2xx/ {print $5} /Socket errors/ {gsub(",","");print $4+$6+$8+$10}' "$WORK/wrk.txt" | paste -sd+ | bc 2>/dev/null || echo 0)
      echo "$arm,$body,$c,${rps:-0},${p50:-0},${p99:-0},${err:-0}" | tee -a "$OUT/results.csv"
    done
  done
done

note "peak RSS"
rss() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$1/status" 2>/dev/null || echo 0; }
{
  echo "filter-on,$(rss $ON_PID)"
  echo "filter-off,$(rss $OFF_PID)"
  if [ $HAVE_NGINX = 1 ]; then
    n=0; for p in $(pgrep -f "nginx: worker" || true) $(cat "$WORK/nginx.pid"); do n=$((n + $(rss "$p"))); done; echo "nginx,$n"
  fi
} > "$OUT/rss.csv"

note "streams: time to first chunk, chunks in = out"
echo "arm,ttfc_p50_ms,ttfc_p99_ms,chunks_min,chunks_max" > "$OUT/streams.csv"
for arm in "${ARMS[@]}"; do
  line=$(timeout 300 $PIN0 java -cp "$JAR" dev.switchboard.bench.StreamProbe "${URL[$arm]}" "$STREAMS")
  echo "$arm,$(echo "$line" | sed -E 's/[a-z0-9_]+=//g; s/ /,/g')" | tee -a "$OUT/streams.csv"
done

note "report"
python3 bench/report.py "$OUT" "$MODE" "$(nproc)" "$([ -n "$PIN0" ] && echo pinned || echo unpinned)"
if command -v gnuplot >/dev/null; then gnuplot "$OUT/chart.gp" && echo "chart: $OUT/chart.png"; fi
echo "report: $OUT/REPORT.md"
