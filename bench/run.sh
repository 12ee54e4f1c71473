#!/usr/bin/env bash
# Switchboard benchmark: the jar as users run it against the proxies people would otherwise put there, all in
# one run and reported as ratios against baselines of that run (issue 18).
#   bench/run.sh            quick mode (about 10 minutes: one round, short warm-ups)
#   bench/run.sh --full     full mode (about 50 minutes: three interleaved rounds, JVM arms warmed 240 s, pairs)
# Core 0 runs the load (wrk, 1 KB chat body) and the upstream: nginx answering `return 200` with a fixed chat
# completion (usage included) or a 64-event SSE stream. Core 1 runs the proxy arms, each loaded alone:
#   direct            wrk straight to the nginx mock (no proxy)
#   nginx             nginx proxy_pass, request buffering on (the whole body is read first, as the gateway does)
#   haproxy           haproxy in http mode, connections to the mock reused
#   switchboard       java -XX:SharedArchiveFile=switchboard.jsa -jar switchboard.jar --config FILE, access log on:
#                     exactly as the README runs it (the class-data archive the build makes beside the jar)
#   switchboard-quiet the same jar with observability.access_log: false
#   switchboard-small the same jar as shipped with the README's small-footprint flags (SMALL_FLAGS)
#   no-experiments    the same commit without the experiments listener (bench/variant.sh; access log off)
#   no-listeners      the same commit without usage tap, metrics, experiments and access log (bench/variant.sh)
#   servlet           a bare Jetty ee10 ProxyServlet.Transparent (no Switchboard code), java -cp, no flags
#   jetty-core        Jetty core's ProxyHandler.Reverse (no servlet layer): the JVM ceiling, java -cp, no flags
#   portkey           Portkey's gateway 1.15.2 on Node (npm install; skipped with a note when npm cannot)
# The switchboard arms serve `regular` as a 1:1 split of two targets (a redirect that experiments count) and
# `streamy` for streams. Every arm's proxy CPU time is read from /proc (all its processes, user + system) and
# divided by the requests wrk completed: CPU per request. The switchboard arm is started cold and its warm-up
# curve (req/s per 5 s window from launch) is its warm-up; the other JVM arms get WARM_JVM s of load first. Before
# the curve, STARTUPS alternating cold launches time its listening and readiness with `java -jar` and no option,
# and from a class-data archive (deploy/cds-archive.sh: the build's training run, as the README and the Docker
# image start it).
# Then ROUNDS rounds, each loading every arm in turn at c = 10 and c = 64 (arms interleaved, so drift of the
# machine falls on all), then PAIR_ROUNDS rounds of pairs of arms loaded at once (the jar against the bare
# ProxyServlet and Jetty core at c = 10, the small-footprint flags against the jar at c = 64: drift falls on both
# arms of a pair), then per arm the time to first chunk of streams (a warm JVM probe on core 0) and the peak RSS
# (VmHWM). Writes bench/results/REPORT.md and the CSVs beside it. Needs root for apt-get the first
# time (wrk, nginx-light, haproxy). VARIANTS=0 skips the two variant builds and their arms; JMH_RUN=0 the JMH
# part; REBUILD=1 rebuilds the jars.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/readiness.sh
. bench/figures.sh
MODE=quick
[ "${1:-}" = "--full" ] && MODE=full
if [ "$MODE" = full ]; then
  CURVE=${CURVE:-180}; WARM_JVM=${WARM_JVM:-240}; DUR=${DUR:-10}; ROUNDS=${ROUNDS:-3}; STREAMS=500; STREAM_WARM=1000
  PAIR_ROUNDS=${PAIR_ROUNDS:-5}
  STARTUPS=5
  JMH="-f 1 -wi 3 -i 5 -w 1 -r 2"
else
  CURVE=${CURVE:-60}; WARM_JVM=${WARM_JVM:-30}; DUR=${DUR:-5}; ROUNDS=${ROUNDS:-1}; STREAMS=200; STREAM_WARM=300
  PAIR_ROUNDS=${PAIR_ROUNDS:-2}
  STARTUPS=2
  JMH="-f 1 -wi 2 -i 3 -w 1 -r 1"
fi
OUT=bench/results; mkdir -p "$OUT"
WORK=$(mktemp -d)
cleanup() {
  kill $(jobs -p) 2>/dev/null || true
  for f in "$WORK"/*/nginx.pid "$WORK"/haproxy.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
note() { echo "== $(date +%H:%M:%S) $*"; }

note "tools"
missing=()
for t in wrk nginx haproxy taskset; do command -v "$t" >/dev/null || PATH=$PATH:/usr/sbin command -v "$t" >/dev/null || missing+=("$t"); done
export PATH=$PATH:/usr/sbin
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  timeout 300 apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive timeout 300 apt-get install -y -qq wrk nginx-light haproxy util-linux >/dev/null 2>&1 || true
fi
for t in wrk nginx; do command -v "$t" >/dev/null || { echo "$t is not installed and could not be installed"; exit 1; }; done
HAVE_HAPROXY=1; command -v haproxy >/dev/null || { HAVE_HAPROXY=0; echo "haproxy missing: its arm is skipped"; }
PIN0="taskset -c 0"; PIN1="taskset -c 1"
if ! command -v taskset >/dev/null || [ "$(nproc)" -lt 2 ]; then PIN0=""; PIN1=""; echo "fewer than 2 cores or no taskset: arms are not pinned"; fi
PORTKEY=bench/target/portkey/node_modules/@portkey-ai/gateway/build/start-server.js
if [ ! -f "$PORTKEY" ] && command -v npm >/dev/null; then
  mkdir -p bench/target/portkey
  (cd bench/target/portkey && timeout 300 npm install --silent --no-audit --no-fund @portkey-ai/gateway@1.15.2 >/dev/null 2>&1) || true
fi
HAVE_PORTKEY=1; { [ -f "$PORTKEY" ] && command -v node >/dev/null; } || { HAVE_PORTKEY=0; echo "npm or node unavailable: the Portkey arm is skipped"; }

note "build"
JAR=jetty-bundle/target/switchboard.jar; BENCH=bench/target/benchmarks.jar
# The class-data archive the build makes beside the jar; the README's run command starts from it.
ARCHIVE=${JAR%.jar}.jsa
# (an archive older than the jar: a build that skipped it; rebuilt with it)
{ [ -f "$JAR" ] && [ "$ARCHIVE" -nt "$JAR" ] && [ -f "$BENCH" ] && [ "${REBUILD:-0}" = 0 ]; } \
  || timeout 900 mvn -q -B -DskipTests -Djacoco.skip=true package
README_FLAGS="-XX:SharedArchiveFile=$ARCHIVE"
echo "$README_FLAGS" > "$OUT/readme_flags.txt"
HAVE_VARIANTS=0
if [ "${VARIANTS:-1}" = 1 ]; then
  for v in no-experiments no-listeners; do
    [ -f "bench/target/variants/$v.jar" ] && [ "${REBUILD:-0}" = 0 ] || timeout 900 bench/variant.sh "$v" > "$WORK/variant-$v.log" 2>&1 \
      || { echo "variant $v did not build:"; tail -5 "$WORK/variant-$v.log"; }
  done
  [ -f bench/target/variants/no-experiments.jar ] && [ -f bench/target/variants/no-listeners.jar ] && HAVE_VARIANTS=1
fi

rm -f "$OUT/jmh.json"
if [ "${JMH_RUN:-1}" = 1 ]; then
  note "JMH: model rewrite vs a plain copy ($MODE)"
  timeout 900 java -jar "$BENCH" RewriteBenchmark $JMH -rf json -rff "$OUT/jmh.json" > "$WORK/jmh.txt" 2>&1 || { tail -20 "$WORK/jmh.txt"; exit 1; }
fi

note "upstream: nginx return 200 on core 0"
. bench/nginx-mock.sh
start_nginx_mock

note "proxy arms on core 1"
{ nginx_head "$WORK/nginx"; cat <<NGX
  upstream mock { server 127.0.0.1:18081; keepalive 256; keepalive_requests 10000000; }
  server {
    listen 127.0.0.1:18082;
    client_max_body_size 64m; client_body_buffer_size 1m;
    location / {
      proxy_pass http://mock; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_request_buffering on;   # the whole request is read before it is forwarded, as the gateway does
      proxy_buffering off;          # SSE passes through as it arrives
    }
  }
}
NGX
} > "$WORK/nginx/nginx.conf"
$PIN1 nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx"
if [ $HAVE_HAPROXY = 1 ]; then
  cat > "$WORK/haproxy.cfg" <<CFG
global
  maxconn 4096
  nbthread 1
  pidfile $WORK/haproxy.pid
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  http-reuse always
frontend bench
  bind 127.0.0.1:18083
  default_backend mock
backend mock
  server mock 127.0.0.1:18081
CFG
  $PIN1 haproxy -D -f "$WORK/haproxy.cfg"
fi
QUIET="observability: {access_log: false}"
SMALL_FLAGS="-XX:+UseSerialGC -Xms32m"
declare -A PORT=([direct]=18081 [nginx]=18082 [haproxy]=18083 [switchboard]=18090 [switchboard-quiet]=18091
                 [switchboard-small]=18097
                 [no-experiments]=18092 [no-listeners]=18093 [servlet]=18094 [jetty-core]=18095 [portkey]=18096)
declare -A PIDS=()
launch() { # launch ARM COMMAND...: starts a JVM or Node arm on core 1, its output in $WORK/ARM.log
  local arm=$1; shift
  $PIN1 "$@" > "$WORK/$arm.log" 2>&1 &
  PIDS[$arm]=$!
}
gateway_yaml 18090 "" > "$WORK/switchboard.yaml"
gateway_yaml 18091 "$QUIET" > "$WORK/switchboard-quiet.yaml"
gateway_yaml 18097 "" > "$WORK/switchboard-small.yaml"
gateway_yaml 18092 "$QUIET" > "$WORK/no-experiments.yaml"
gateway_yaml 18093 "$QUIET" > "$WORK/no-listeners.yaml"
gateway_yaml 0 "" > "$WORK/bare.yaml"

ARMS=(direct nginx)
[ $HAVE_HAPROXY = 1 ] && ARMS+=(haproxy)
ARMS+=(switchboard switchboard-quiet switchboard-small)
[ $HAVE_VARIANTS = 1 ] && ARMS+=(no-experiments no-listeners)
ARMS+=(servlet jetty-core)
[ $HAVE_PORTKEY = 1 ] && ARMS+=(portkey)
url() { echo "http://127.0.0.1:${PORT[$1]}/v1/chat/completions"; }
HEADERS_PORTKEY="x-portkey-provider: openai|x-portkey-custom-host: http://127.0.0.1:18081/v1|Authorization: Bearer bench"
headers() { [ "$1" = portkey ] && echo "$HEADERS_PORTKEY" || echo ""; }
cat > "$WORK/post.lua" <<'LUA'
local f = io.open(os.getenv("BODY_FILE"), "rb"); local body = f:read("*a"); f:close()
wrk.method = "POST"; wrk.body = body; wrk.headers["Content-Type"] = "application/json"
for h in string.gmatch(os.getenv("HEADERS") or "", "[^|]+") do
  local name, value = string.match(h, "^([^:]+):%s*(.*)$"); wrk.headers[name] = value
end
LUA
load() { # load ARM CONC SECONDS OUTFILE
  BODY_FILE="$WORK/body.json" HEADERS=$(headers "$1") timeout $(( $3 + 60 )) $PIN0 wrk -t2 -c"$2" -d"$3"s --latency \
    -s "$WORK/post.lua" "$(url "$1")" > "$4" 2>&1 || true
}
pids_of() { # the processes whose CPU is the arm's
  case $1 in
    direct) echo "" ;;
    nginx) echo "$(cat "$WORK/nginx/nginx.pid") $(pgrep -P "$(cat "$WORK/nginx/nginx.pid")" | tr '\n' ' ')" ;;
    haproxy) cat "$WORK/haproxy.pid" | tr '\n' ' ' ;;
    *) echo "${PIDS[$1]}" ;;
  esac
}
ticks() { local n=0 p; for p in $(pids_of "$1"); do n=$(( n + $(cpu_ticks "$p" 2>/dev/null || echo 0) )); done; echo $n; }
rss_mb() { local n=0 p; for p in $(pids_of "$1"); do n=$(( n + $(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0) )); done; echo $(( n / 1024 )); }
wait_for() { # wait_for ARM: until its URL answers anything, up to 60 s
  for _ in $(seq 1 600); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"model":"regular","messages":[]}' "$(url "$1")")" != 000 ] && return 0
    sleep 0.1
  done
  echo "arm $1 did not start:"; tail -20 "$WORK/$1.log"; exit 1
}

note "start-up: java -jar with no option, and from a class-data archive as the README and the Docker image start it"
# Alternating cold launches pinned to core 1 with nothing else on it (before the curve's jar starts); the archive is
# made first by deploy/cds-archive.sh (the training run the build and the Dockerfile make theirs with).
CSV_OUT="$OUT/startup-cds.csv" bench/startup.sh "$STARTUPS" "$JAR" "$JAR+cds" | tail -4

note "cold start of the jar as the README runs it, loaded from launch (${CURVE} s, c = 10)"
t0=$(date +%s%3N)
# shellcheck disable=SC2086
launch switchboard java $README_FLAGS -jar "$JAR" --config "$WORK/switchboard.yaml"
times=$(time_to_ready 18090 "$t0") \
  || { echo "the jar was not ready after 30 s"; tail -20 "$WORK/switchboard.log"; exit 1; }
read -r listening ready <<< "$times"
echo "listening_ms,ready_ms" > "$OUT/startup.csv"; echo "$listening,$ready" >> "$OUT/startup.csv"
echo "listening after $listening ms, ready after $ready ms"
echo "seconds_since_launch,rps,cpu_us_per_req" > "$OUT/warmup.csv"
for _ in $(seq 1 $(( CURVE / 5 ))); do
  c0=$(ticks switchboard)
  load switchboard 10 5 "$WORK/w.txt"
  c1=$(ticks switchboard)
  printf '%s,%s,%s\n' $(( ($(date +%s%3N) - t0) / 1000 )) "$(wrk_rps "$WORK/w.txt" | awk '{printf "%.0f", $1}')" \
    "$(us_per_request $((c1 - c0)) "$(wrk_requests "$WORK/w.txt")")" | tee -a "$OUT/warmup.csv"
done

note "the other arms start (after the curve: alone on its core, the jar's start-up is not slowed by theirs)"
launch switchboard-quiet java -jar "$JAR" --config "$WORK/switchboard-quiet.yaml"
# shellcheck disable=SC2086
launch switchboard-small java $SMALL_FLAGS -jar "$JAR" --config "$WORK/switchboard-small.yaml"
if [ $HAVE_VARIANTS = 1 ]; then
  launch no-experiments java -jar bench/target/variants/no-experiments.jar --config "$WORK/no-experiments.yaml"
  launch no-listeners java -jar bench/target/variants/no-listeners.jar --config "$WORK/no-listeners.yaml"
fi
launch servlet java -cp "$BENCH" dev.switchboard.bench.BenchGateway off "$WORK/bare.yaml" 18094
launch jetty-core java -cp "$BENCH" dev.switchboard.bench.BenchGateway core "$WORK/bare.yaml" 18095
[ $HAVE_PORTKEY = 1 ] && launch portkey node "$PORTKEY" --port=18096 --headless

note "warm-up of the other arms"
for arm in "${ARMS[@]}"; do
  [ "$arm" = switchboard ] && continue
  wait_for "$arm"
  case $arm in switchboard-quiet|switchboard-small|no-*|servlet|jetty-core) w=$WARM_JVM ;; portkey) w=20 ;; *) w=5 ;; esac
  echo "$arm: $w s"
  load "$arm" 10 "$w" /dev/null
done

note "rounds"
echo "round,arm,conc,rps,p50_ms,p99_ms,cpu_us_per_req,errors" > "$OUT/results.csv"
for r in $(seq 1 "$ROUNDS"); do
  for conc in 10 64; do
    for arm in "${ARMS[@]}"; do
      c0=$(ticks "$arm")
      load "$arm" "$conc" "$DUR" "$WORK/wrk.txt"
      c1=$(ticks "$arm")
      f="$WORK/wrk.txt"
      cpu=""; [ "$arm" != direct ] && cpu=$(us_per_request $((c1 - c0)) "$(wrk_requests "$f")")
      read -r rps p50 p99 <<< "$(wrk_figures "$f")"
      echo "$r,$arm,$conc,$rps,$p50,$p99,$cpu,$(wrk_errors "$f")" \
        | tee -a "$OUT/results.csv"
    done
  done
done

note "pairs: two arms loaded at once on core 1 (one wrk each), $PAIR_ROUNDS rounds of $DUR s"
# The rounds above load one arm at a time, minutes apart: a slow spell of the VM that falls on one arm moves its
# ratio to another by tens of percent. Here both arms of a pair share the core and the moment, so drift falls on
# both alike (as in bench/paired.sh); the goals against the bare ProxyServlet and Jetty core are read from these.
# The small-footprint flags against the jar at c = 64, where the memory goal is read.
PAIRS=("switchboard servlet 10" "switchboard jetty-core 10" "switchboard-quiet servlet 10" "switchboard-small switchboard 64")
[ $HAVE_VARIANTS = 1 ] && PAIRS+=("no-experiments servlet 10" "no-listeners servlet 10")
echo "round,a,b,cpu_a,cpu_b,rps_a,rps_b,conc" > "$OUT/pairs.csv"
for r in $(seq 1 "$PAIR_ROUNDS"); do
  for pair in "${PAIRS[@]}"; do
    read -r a b conc <<< "$pair"
    a0=$(ticks "$a"); b0=$(ticks "$b")
    for arm in "$a" "$b"; do
      BODY_FILE="$WORK/body.json" timeout $(( DUR + 60 )) $PIN0 wrk -t1 -c"$conc" -d"$DUR"s -s "$WORK/post.lua" "$(url "$arm")" \
        > "$WORK/pair-$arm.txt" 2>&1 &
    done
    wait $(jobs -p | tail -2) || true
    a1=$(ticks "$a"); b1=$(ticks "$b")
    fa="$WORK/pair-$a.txt"; fb="$WORK/pair-$b.txt"
    echo "$r,$a,$b,$(us_per_request $((a1 - a0)) "$(wrk_requests "$fa")"),$(us_per_request $((b1 - b0)) "$(wrk_requests "$fb")"),$(wrk_rps "$fa"),$(wrk_rps "$fb"),$conc" \
      | tee -a "$OUT/pairs.csv"
  done
done

note "peak RSS (VmHWM, all of an arm's processes)"
echo "arm,peak_rss_mb" > "$OUT/rss.csv"
for arm in "${ARMS[@]}"; do [ "$arm" != direct ] && echo "$arm,$(rss_mb "$arm")" | tee -a "$OUT/rss.csv"; done

note "streams: time to first chunk (64 SSE events each; $STREAM_WARM discarded, then $STREAMS counted)"
echo "arm,ttfc_p50_ms,ttfc_p99_ms,chunks_min,chunks_max" > "$OUT/streams.csv"
for arm in "${ARMS[@]}"; do
  n=$STREAMS; w=$STREAM_WARM; model=regular; args=()
  case $arm in
    switchboard*|no-*) u=$(url "$arm"); model=streamy ;;
    portkey) u=$(url "$arm"); n=100; w=50
             args=("x-portkey-provider:openai" "x-portkey-custom-host:http://127.0.0.1:18081/sse/v1" "Authorization:Bearer bench") ;;
    *) u="http://127.0.0.1:${PORT[$arm]}/sse/v1/chat/completions" ;;
  esac
  line=$(timeout 600 $PIN0 java -cp "$BENCH" dev.switchboard.bench.StreamProbe "$u" "$n" "$w" "$model" "${args[@]}" 2>&1 | tail -1 || true)
  if [[ $line == ttfc_p50_ms=* ]]; then
    echo "$arm,$(echo "$line" | sed -E 's/[a-z0-9_]+=//g; s/ /,/g')" | tee -a "$OUT/streams.csv"
  else
    echo "$arm: no stream figures: $line"
  fi
done

note "report"
{ date -u '+%Y-%m-%d %H:%M UTC'; python3 -c 'import platform; print(platform.platform())'; } > "$OUT/run.txt"
python3 bench/report.py "$OUT" "$MODE" "$(nproc)" "$([ -n "$PIN0" ] && echo pinned || echo unpinned)" "$WARM_JVM" "$DUR" "$ROUNDS"
echo "report: $OUT/REPORT.md"
