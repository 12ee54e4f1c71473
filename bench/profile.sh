#!/usr/bin/env bash
# Where the jar's CPU goes under load, kernel and JIT included: async-profiler (tools.profiler:async-profiler from
# Maven Central, fetched into ~/.m2 on first use; bench/profiler.sh) samples CPU every 1 ms from launch; the jar runs as users run
# it (java -jar, pinned to core 1) in front of the Java mock (core 0) under wrk at c = 10 with the 1 KB chat
# body; after WARM seconds of load (default 200: this project's VM JIT needs that) come 30 s that are reported.
#   bench/profile.sh JAR|servlet [FRAME...]
#                                     -> the share of samples by thread, the hottest frames, and the share
#                                        under each FRAME named (substring match), e.g. Experiments.onComplete;
#                                        A!B: under A but not under B
# SAMPLES_OUT=FILE keeps the samples (jfr print's text) for bench/profile.py to read again.
# EXTRA: YAML appended to the gateway's config (default: observability: {access_log: false}); ROUTE as in lib.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ARM=$1; shift
WARM=${WARM:-200}; STREAMS=0
. bench/lib.sh
. bench/profiler.sh
. bench/readiness.sh
gateway_yaml 18090 "${EXTRA:-observability: {access_log: false\}}" > "$WORK/gateway.yaml"
launch_profiled "$ARM" 18090 "$WORK/gateway.yaml" "$WORK/profile.jfr" "$WORK/gateway.log"
pid=$PROFILED_PID
wait_ready 18090 "$WORK/gateway.log"
URL=http://127.0.0.1:18090/v1/chat/completions
BODY_FILE="$WORK/body.json" $PIN0 wrk -t2 -c10 -d"${WARM}s" -s "$WORK/post.lua" $URL > /dev/null
since=$(date -u +%H:%M:%S)
BODY_FILE="$WORK/body.json" $PIN0 wrk -t2 -c10 -d30s -s "$WORK/post.lua" $URL | grep Requests/sec
kill "$pid"; wait "$pid" || true
print_samples "$WORK/profile.jfr" "$WORK/samples.txt"
[ -n "${SAMPLES_OUT:-}" ] && cp "$WORK/samples.txt" "$SAMPLES_OUT"
python3 bench/profile.py "$WORK/samples.txt" "$since" "$@"
