#!/usr/bin/env bash
# Two cold starts at once: both gateways launched at the same moment on core 1, each loaded from the moment it is
# ready by its own wrk (1 KB chat body, c = 10, on core 0 with the Java mock upstream), in windows of WINDOW
# seconds, so that whatever slows the machine slows both curves alike. bench/warmup.sh's single curve read 90 % of
# its plateau anywhere between 35 and 125 s in four launches of one jar in one hour (bench/NOTES.md); a pair's
# window-by-window ratio is what tells whether a run command warms sooner.
#   bench/warmup-pair.sh A.jar B.jar [SECONDS] [LAUNCHES]      defaults: 120 s, 1 launch of each arm
# Per arm, as in paired.sh (lib.sh's launch_arm): JAVA_A / JAVA_B the java launcher, FLAGS_A / FLAGS_B JVM options,
# ENV_A / ENV_B environment settings, EXTRA_A / EXTRA_B YAML appended to its config; ROUTE as in lib.sh. The two arms share the core, so each
# runs at about half its speed alone: read the ratio, not the absolute figures.
# Prints per launch each arm's listening/ready times and per window (seconds since launch at its end) both arms'
# req/s and B/A; then, over all launches, the median B/A of the windows ending in each 10 s band.
set -euo pipefail
cd "$(dirname "$0")/.."
A=$(readlink -f "$1"); B=$(readlink -f "$2"); TOTAL=${3:-120}; LAUNCHES=${4:-1}
WINDOW=${WINDOW:-5}; MOCK_WARM=${MOCK_WARM:-30}
. bench/lib.sh
. bench/readiness.sh
BODY_FILE="$WORK/body.json" $PIN0 wrk -t2 -c10 -d"${MOCK_WARM}s" -s "$WORK/post.lua" http://127.0.0.1:18091/ > /dev/null
declare -A PORT=([A]=18090 [B]=18092) PID=()
now_ms() { date +%s%3N; }
echo "launch,t_s,rps_A,rps_B,ratio" > "$WORK/windows.csv"
for launch in $(seq 1 "$LAUNCHES"); do
  t0=$(now_ms)
  for arm in A B; do launch_arm $arm "${PORT[$arm]}" "$A" "$B"; done
  # Both arms polled at once, each in its own subshell: neither arm's times wait for the other's.
  for arm in A B; do (time_to_ready "${PORT[$arm]}" "$t0" > "$WORK/ready-$arm" || echo "-" > "$WORK/ready-$arm") & done
  wait $(jobs -p | tail -2)
  for arm in A B; do
    [ "$(cat "$WORK/ready-$arm")" != "-" ] || { echo "$arm not ready after 30 s"; cat "$WORK/$arm.log"; exit 1; }
    echo "launch $launch: $arm listening and ready after $(cat "$WORK/ready-$arm") ms"
  done
  end=$(( $(now_ms) + TOTAL * 1000 ))
  while [ "$(now_ms)" -lt "$end" ]; do
    for arm in A B; do
      BODY_FILE="$WORK/body.json" $PIN0 wrk -t2 -c10 -d"${WINDOW}s" -s "$WORK/post.lua" \
        "http://127.0.0.1:${PORT[$arm]}/v1/chat/completions" > "$WORK/wrk-$arm.txt" 2>&1 &
    done
    wait $(jobs -p | tail -2)
    a=$(wrk_rps "$WORK/wrk-A.txt"); b=$(wrk_rps "$WORK/wrk-B.txt")
    echo "$launch,$(( ($(now_ms) - t0) / 1000 )),$a,$b,$(python3 -c "print(round($b / max($a, 0.01), 3))")" \
      | tee -a "$WORK/windows.csv"
  done
  for arm in A B; do kill "${PID[$arm]}"; wait "${PID[$arm]}" || true; done
done
python3 - "$WORK/windows.csv" "$A" "$B" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"\nA = {sys.argv[2]}\nB = {sys.argv[3]}\nB/A of req/s by 10 s band since launch (median over the windows of every launch):")
bands = {}
for r in rows:
    bands.setdefault(int(r["t_s"]) // 10 * 10, []).append(float(r["ratio"]))
for band in sorted(bands):
    v = bands[band]
    print(f"{band:4d}-{band + 10:<4d} s  B/A {statistics.median(v):6.3f}  (windows {min(v):.3f}..{max(v):.3f}, n = {len(v)})")
PY
