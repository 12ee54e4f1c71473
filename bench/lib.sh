# What bench/ab.sh, paired.sh, warmup.sh, profile.sh and profile-pair.sh share (sourced, from the project's root): the work
# folder, the core pinning, the 1 KB chat body and wrk's script for it, the Java mock upstream on 18091, the
# gateways' config, StreamProbe's figures, and (from bench/figures.sh, which run.sh and flags.sh source alone) wrk's.
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

. bench/figures.sh

# launch_arm ARM PORT A.jar B.jar: starts arm A or B of a two-arm script (paired.sh, warmup-pair.sh) on core 1, on
# PORT in front of the mock, and sets PID[ARM]. Per arm: JAVA_A / JAVA_B the java launcher (default `java`),
# FLAGS_A / FLAGS_B JVM options before -jar, ENV_A / ENV_B environment settings (NAME=VALUE ...), EXTRA_A /
# EXTRA_B YAML appended to its config. Its output goes to $WORK/ARM.log.
launch_arm() {
  local arm=$1 port=$2 jar=$3 extra=${EXTRA_A:-} flags=${FLAGS_A:-} envs=${ENV_A:-} java=${JAVA_A:-java}
  [ "$arm" = B ] && { jar=$4; extra=${EXTRA_B:-}; flags=${FLAGS_B:-}; envs=${ENV_B:-}; java=${JAVA_B:-java}; }
  gateway_yaml "$port" "$extra" > "$WORK/gateway-$arm.yaml"
  # shellcheck disable=SC2086
  env $envs $PIN1 "$java" $flags -jar "$jar" --config "$WORK/gateway-$arm.yaml" > "$WORK/$arm.log" 2>&1 &
  PID[$arm]=$!
}

# ttfc URL: "p50_ms p99_ms" of the time to first chunk of STREAMS SSE streams.
ttfc() {
  local probe
  probe=$($PIN0 java -cp "$JAR" dev.switchboard.bench.StreamProbe "$1" "$STREAMS")
  echo "$(echo "$probe" | sed -E 's/.*ttfc_p50_ms=([0-9.]+).*/\1/') $(echo "$probe" | sed -E 's/.*ttfc_p99_ms=([0-9.]+).*/\1/')"
}
