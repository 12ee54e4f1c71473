#!/usr/bin/env bash
# Time to listen, of one or more builds of switchboard.jar as users run them (java -jar JAR --config FILE, no
# flags), pinned to core 1 with nothing else running: each launch is timed from the fork to the first answer of
# /healthz, then to /readyz 200, and stopped. The jars take turns, N rounds, so that drift falls on all alike.
#   bench/startup.sh [N] JAR...      -> every launch, then per jar the median and range of both times
# CSV_OUT=FILE keeps every launch (round,jar,listening_ms,ready_ms).
# JAR+cds: that jar started as the Docker image starts it, from a class-data archive that deploy/cds-archive.sh makes
# first (README "Deploy it"), e.g. bench/startup.sh 8 jetty-bundle/target/switchboard.jar{,+cds}
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/readiness.sh
N=$1; shift
WORK=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT
PIN="taskset -c 1"; [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null || PIN=""
cat > "$WORK/gateway.yaml" <<YAML
server: {host: 127.0.0.1, port: 18190}
providers:
  mock: {type: openai-compatible, base_url: "http://127.0.0.1:18191"}
default_provider: mock
virtual_models:
  - {source: regular, targets: [mock/gpt-bench-a, mock/gpt-bench-b]}
YAML
declare -A FLAGS=()
for arm in "$@"; do
  if [[ $arm == *+cds ]]; then
    archive="$WORK/$(echo "$arm" | md5sum | cut -c1-8).jsa"
    deploy/cds-archive.sh "${arm%+cds}" "$archive" > /dev/null
    FLAGS[$arm]="-XX:SharedArchiveFile=$archive"
  fi
done
echo "round,jar,listening_ms,ready_ms" | tee "$WORK/all.csv"
for r in $(seq 1 "$N"); do
  for jar in "$@"; do
    t0=$(date +%s%3N)
    # shellcheck disable=SC2086
    $PIN java ${FLAGS[$jar]:-} -jar "${jar%+cds}" --config "$WORK/gateway.yaml" > "$WORK/log.txt" 2>&1 &
    pid=$!
    times=$(time_to_ready 18190 "$t0") || { echo "$jar was not ready after 30 s:"; tail -20 "$WORK/log.txt"; exit 1; }
    read -r listening ready <<< "$times"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    echo "$r,$jar,$listening,$ready" | tee -a "$WORK/all.csv"
  done
done
[ -n "${CSV_OUT:-}" ] && cp "$WORK/all.csv" "$CSV_OUT"
python3 - "$WORK/all.csv" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for jar in dict.fromkeys(r["jar"] for r in rows):
    for key in ("listening_ms", "ready_ms"):
        v = [int(r[key]) for r in rows if r["jar"] == jar]
        print(f"{jar}: {key} median {statistics.median(v):.0f} (range {min(v)}-{max(v)}, {len(v)} launches)")
PY
