#!/usr/bin/env bash
# Two arms profiled AT ONCE, as bench/paired.sh loads them: both on core 1, each under its own wrk at c = 10 (core 0,
# with the Java mock and the 1 KB chat body), async-profiler sampling CPU every 1 ms in each from launch; after WARM
# seconds of load (default 200) come 30 s that are reported for both: requests served, samples by thread, the
# hottest frames and, for each FRAME named (substring; A!B = under A but not under B), its share and its us of CPU
# per request. Drift of the machine falls on both arms alike, so they can be compared frame by frame (bench/profile.sh
# profiles one arm; one after the other, two arms drifted by more than their difference).
#   bench/profile-pair.sh A B [FRAME...]     A, B: a switchboard.jar, or `servlet` (the run's bare ProxyServlet arm)
# EXTRA: YAML appended to both gateways' configs (default: observability: {access_log: false}); ROUTE as in lib.sh.
# SAMPLES_OUT=PREFIX keeps both arms' samples (PREFIX.0, PREFIX.1) for bench/profile-diff.py, which compares every
# frame of the two at once.
set -euo pipefail
cd "$(dirname "$0")/.."
ARMS=("$1" "$2"); shift 2
WARM=${WARM:-200}
. bench/lib.sh
. bench/profiler.sh
. bench/readiness.sh
PORTS=(18090 18092); PIDS=()
for i in 0 1; do
  gateway_yaml "${PORTS[$i]}" "${EXTRA:-observability: {access_log: false\}}" > "$WORK/gateway-$i.yaml"
  launch_profiled "${ARMS[$i]}" "${PORTS[$i]}" "$WORK/gateway-$i.yaml" "$WORK/profile-$i.jfr" "$WORK/arm-$i.log"
  PIDS[$i]=$PROFILED_PID
done
for i in 0 1; do wait_ready "${PORTS[$i]}" "$WORK/arm-$i.log"; done
load() { # load SECONDS: both arms at once, wrk's output in WORK/wrk-I.txt
  local w=()
  for i in 0 1; do
    BODY_FILE="$WORK/body.json" $PIN0 wrk -t1 -c10 -d"$1s" -s "$WORK/post.lua" \
      "http://127.0.0.1:${PORTS[$i]}/v1/chat/completions" > "$WORK/wrk-$i.txt" &
    w+=($!)
  done
  wait "${w[@]}"
}
load "$WARM"
since=$(date -u +%H:%M:%S)
load 30
for i in 0 1; do kill "${PIDS[$i]}"; wait "${PIDS[$i]}" || true; done
for i in 0 1; do
  n=$(wrk_requests "$WORK/wrk-$i.txt")
  echo "== ${ARMS[$i]}: $(wrk_rps "$WORK/wrk-$i.txt") req/s"
  print_samples "$WORK/profile-$i.jfr" "$WORK/samples-$i.txt"
  [ -n "${SAMPLES_OUT:-}" ] && cp "$WORK/samples-$i.txt" "$SAMPLES_OUT.$i"
  REQUESTS=$n python3 bench/profile.py "$WORK/samples-$i.txt" "$since" "$@"
done
