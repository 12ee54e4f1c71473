# What bench/ab.sh and bench/paired.sh share (sourced, from the project's root): the work folder, the core
# pinning, the 1 KB chat body and wrk's script for it, the Java mock upstream on 18091, the gateways' config,
# and reading wrk's and StreamProbe's figures.
JAR=bench/target/benchmarks.jar
[ -f "$JAR" ] || { echo "build first: mvn -q -DskipTests package"; exit 1; }
command -v wrk >/dev/null || { echo "wrk is not installed"; exit 1; }
WORK=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
PIN0="taskset -c 0"; PIN1="taskset -c 1"
[ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null || { PIN0=""; PIN1=""; }

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

# gateway_yaml PORT EXTRA: a gateway on PORT in front of the mock, serving ROUTE as `regular`, plus EXTRA.
gateway_yaml() {
  cat <<YAML
server: {host: 127.0.0.1, port: $1}
providers:
  mock: {type: openai-compatible, base_url: "http://127.0.0.1:18091"}
default_provider: mock
virtual_models:
  - ${ROUTE:-{source: regular, target: mock/gpt-bench\}}
$2
YAML
}

# cpu_ticks PID: the CPU time (user + system, in clock ticks) a process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# us_per_request TICKS REQUESTS: CPU microseconds per request, one decimal.
us_per_request() { python3 -c "print(round($1 / $HZ * 1e6 / max(1, $2), 1))"; }

# ms VALUE: one of wrk's latencies (12.3us, 4.5ms, 1.2s) in milliseconds.
ms() { awk -v v="$1" 'BEGIN{ if (v ~ /us$/) printf "%.3f", v/1000; else if (v ~ /ms$/) printf "%.3f", v+0; else printf "%.3f", v*1000 }'; }

# wrk_figures FILE: "rps p50_ms p99_ms" of a wrk --latency output.
wrk_figures() {
  echo "$(awk '/Requests\/sec/ {print $2}' "$1") $(ms "$(awk '$1=="50%" {print $2}' "$1")") $(ms "$(awk '$1=="99%" {print $2}' "$1")")"
}

# ttfc URL: "p50_ms p99_ms" of the time to first chunk of STREAMS SSE streams.
ttfc() {
  local probe
  probe=$($PIN0 java -cp "$JAR" dev.switchboard.bench.StreamProbe "$1" "$STREAMS")
  echo "$(echo "$probe" | sed -E 's/.*ttfc_p50_ms=([0-9.]+).*/\1/') $(echo "$probe" | sed -E 's/.*ttfc_p99_ms=([0-9.]+).*/\1/')"
}
