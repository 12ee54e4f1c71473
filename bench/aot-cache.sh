#!/usr/bin/env bash
# A JDK 25+ AOT cache of switchboard.jar trained under load (bench/NOTES.md, eleventh session): the jar runs on
# core 1 under -XX:AOTCacheOutput in front of the Java mock upstream, is loaded by wrk at c = 10 for SECONDS
# (1 KB chat body; ROUTE as in lib.sh), then stopped with SIGTERM; the JVM assembles the cache as it exits.
#   JAVA=/path/to/jdk-25/bin/java bench/aot-cache.sh JAR CACHE [SECONDS]      default 60 s
# Then: JAVA_B=... FLAGS_B="-XX:AOTCache=CACHE" bench/warmup-pair.sh JAR JAR (or bench/paired.sh). A cache belongs
# to one JDK build and one set of GC flags; a JDK older than 25 does not know the option and stops here.
set -euo pipefail
cd "$(dirname "$0")/.."
JARFILE=$(readlink -f "$1"); OUT=$(readlink -f "$2"); SECS=${3:-60}; JAVA=${JAVA:-java}
. bench/lib.sh
. bench/readiness.sh
rm -f "$OUT"
gateway_yaml 18090 "" > "$WORK/gateway.yaml"
$PIN1 "$JAVA" -XX:AOTCacheOutput="$OUT" -jar "$JARFILE" --config "$WORK/gateway.yaml" > "$WORK/gateway.log" 2>&1 &
pid=$!
wait_ready 18090 "$WORK/gateway.log"
BODY_FILE="$WORK/body.json" $PIN0 wrk -t2 -c10 -d"${SECS}s" -s "$WORK/post.lua" \
  http://127.0.0.1:18090/v1/chat/completions > "$WORK/wrk.txt"
echo "trained: $(wrk_requests "$WORK/wrk.txt") requests in ${SECS} s"
t=$(date +%s%3N); kill -TERM "$pid"; wait "$pid" || true
[ -s "$OUT" ] || { echo "no cache written:"; cat "$WORK/gateway.log"; exit 1; }
echo "cache $OUT: $(( $(stat -c %s "$OUT") / 1048576 )) MB, assembled in $(( $(date +%s%3N) - t )) ms after SIGTERM"
