#!/usr/bin/env bash
# Paired A/B of two switchboard.jar builds as users run them (java -jar, no flags), both running AT ONCE:
#   bench/paired.sh BASELINE_JAR CANDIDATE_JAR [ROUNDS]
# Both gateways share core 1 and are loaded at the same moment by two wrk runs (1 KB chat requests, c = 10
# each; wrk and the Java mock upstream on core 0), so whatever else slows the machine during a round slows
# both arms alike. That makes this the A/B to trust on a shared or virtualized machine, where arms measured
# one after the other (bench/ab.sh) drift by tens of percent. Per round it reads each gateway's CPU time
# (/proc/PID/stat) and request count, so the cost of a request is measured directly, not inferred:
#   cpu_us = (user + system CPU time of the process) / requests served in the round
#   serve_us = the same without the JIT compiler threads (C1/C2), whose work is the warm-up's, not a request's:
#              on a small VM C2 is still compiling minutes into the load, and more so in the build with more code
# Then it probes the time to first chunk of STREAMS SSE streams (64 chunks each) on each arm in turn,
# while the other is idle. Prints every round and the medians of the per-round ratios B/A.
# EXTRA_A / EXTRA_B: YAML appended to that arm's config; ROUTE: the virtual model `regular` both serve
# (default one target; an A/B split like ROUTE='{source: regular, targets: [{model: mock/a, weight: 1},
# {model: mock/b, weight: 1}]}' is what experiments count). FLAGS_A / FLAGS_B: JVM options before -jar (default
# none), to compare run commands; ENV_A / ENV_B: environment settings for that JVM (NAME=VALUE ...), such as
# MALLOC_ARENA_MAX=2; JAVA_A / JAVA_B: the java launcher of that arm (default `java` on the PATH), to compare
# JDKs; CONC: wrk's connections per arm (default 10). Ends with each arm's peak RSS.
# Needs wrk and bench/target/benchmarks.jar.
set -euo pipefail
cd "$(dirname "$0")/.."
A=$(readlink -f "$1"); B=$(readlink -f "$2"); ROUNDS=${3:-5}
WARM=${WARM:-30}; DUR=${DUR:-10}; STREAMS=${STREAMS:-200}
. bench/lib.sh
. bench/readiness.sh

declare -A PORT=([A]=18090 [B]=18092) PID=()
for arm in A B; do launch_arm $arm "${PORT[$arm]}" "$A" "$B"; done
for arm in A B; do wait_ready "${PORT[$arm]}" "$WORK/$arm.log"; done

url() { echo "http://127.0.0.1:${PORT[$1]}/v1/chat/completions"; }
ticks() { cpu_ticks "${PID[$1]}"; }
jit_ticks() { # CPU ticks of the JIT compiler threads (live ones; a compiler thread that ends takes its ticks along)
  cat /proc/"${PID[$1]}"/task/*/stat 2>/dev/null | awk '/\((C1|C2) CompilerThre/ { sub(/^.*\) /, ""); n += $12 + $13 } END { print n + 0 }'
}
load() { # load SECONDS: both arms at once; leaves wrk's output in $WORK/wrk-A.txt and wrk-B.txt
  for arm in A B; do
    BODY_FILE="$WORK/body.json" $PIN0 wrk -t2 -c"${CONC:-10}" -d"$1"s --latency -s "$WORK/post.lua" "$(url $arm)" > "$WORK/wrk-$arm.txt" 2>&1 &
  done
  wait $(jobs -p | tail -2)
}
load "$WARM"
echo "round,arm,rps,p50_ms,p99_ms,cpu_us_per_req,serve_us_per_req,ttfc_p50_ms,ttfc_p99_ms"
for r in $(seq 1 "$ROUNDS"); do
  t0A=$(ticks A); t0B=$(ticks B); j0A=$(jit_ticks A); j0B=$(jit_ticks B)
  load "$DUR"
  t1A=$(ticks A); t1B=$(ticks B); j1A=$(jit_ticks A); j1B=$(jit_ticks B)
  for arm in A B; do
    t0=$t0A; t1=$t1A; j0=$j0A; j1=$j1A; [ $arm = B ] && { t0=$t0B; t1=$t1B; j0=$j0B; j1=$j1B; }
    f="$WORK/wrk-$arm.txt"
    read -r rps p50 p99 <<< "$(wrk_figures "$f")"
    n=$(wrk_requests "$f")
    cpu=$(us_per_request $((t1 - t0)) "$n")
    serve=$(us_per_request $((t1 - t0 - (j1 > j0 ? j1 - j0 : 0))) "$n")
    read -r t50 t99 <<< "$(ttfc "$(url $arm)")"
    echo "$r,$arm,$rps,$p50,$p99,$cpu,$serve,$t50,$t99"
  done
done | tee "$WORK/cells.csv"
for arm in A B; do echo "peak RSS (VmHWM) of $arm: $(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/${PID[$arm]}/status") MB"; done
python3 - "$WORK/cells.csv" "$A" "$B" <<'PY'
import csv, statistics, sys
rows = list(csv.reader(open(sys.argv[1])))
cell = {(r[0], r[1]): r for r in rows}
rounds = sorted({r[0] for r in rows}, key=int)
print(f"\nA = {sys.argv[2]}\nB = {sys.argv[3]}\nmedians over {len(rounds)} rounds (both arms loaded at once):")
for name, col in (("req/s", 2), ("p50 ms", 3), ("p99 ms", 4), ("cpu us/req", 5), ("serve us/req", 6), ("ttfc p50 ms", 7), ("ttfc p99 ms", 8)):
    a = statistics.median(float(cell[(k, "A")][col]) for k in rounds)
    b = statistics.median(float(cell[(k, "B")][col]) for k in rounds)
    ratio = statistics.median(float(cell[(k, "B")][col]) / float(cell[(k, "A")][col]) for k in rounds)
    lo = min(float(cell[(k, "B")][col]) / float(cell[(k, "A")][col]) for k in rounds)
    hi = max(float(cell[(k, "B")][col]) / float(cell[(k, "A")][col]) for k in rounds)
    print(f"{name:12} A {a:10.3f}  B {b:10.3f}  B/A {ratio:6.3f} (rounds {lo:.3f}..{hi:.3f})")
PY
