#!/usr/bin/env bash
# Makes a class-data sharing (AppCDS) archive of switchboard.jar for the `java` on the PATH, so that the jar
# listens about 0.6 s sooner (bench/NOTES.md, "AppCDS"): the classes a start and a first exchange of each kind
# load are stored parsed and verified, and the next launches map them instead of reading the jar.
#   deploy/cds-archive.sh JAR ARCHIVE          then: java -XX:SharedArchiveFile=ARCHIVE -jar JAR ...
# It runs the jar once on the built-in demo config (echo provider, no network, no key), on 127.0.0.1:$CDS_PORT
# (default 18079), sends it a chat completion, a stream, an Anthropic message, a response, an embedding and a
# models listing, stops it with SIGTERM (the JVM writes the archive as it exits), then checks that the archive
# maps (-Xshare:on). JAVA_OPTS (as the Dockerfile sets them) are passed to both runs: an archive is only used
# by a JVM with the same collector and compressed-pointer settings. An archive belongs to one JDK build: make it
# again after a JDK update (a stale or missing one is ignored without a word: the jar then starts as without it).
# Needs only bash and java (no curl: bash's /dev/tcp speaks HTTP/1.1 here).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 JAR ARCHIVE" >&2; exit 2; }
jar=$(readlink -f "$1"); out=$(readlink -f "$2"); port=${CDS_PORT:-18079}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
rm -f "$out"

# An empty working directory and no SWITCHBOARD_CONFIG: the built-in demo, whatever the image configures.
# shellcheck disable=SC2086
(cd "$work" && exec env -u SWITCHBOARD_CONFIG java ${JAVA_OPTS:-} -XX:ArchiveClassesAtExit="$out" \
  -jar "$jar" --host 127.0.0.1 --port "$port" > "$work/train.log" 2>&1) &
pid=$!

# request METHOD PATH [BODY] -> the status code of one HTTP/1.1 exchange (the whole response is read)
request() {
  local body=${3:-} status
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nanthropic-version: 2023-06-01\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
    "$1" "$2" "${#body}" "$body" >&3
  status=$(head -n 1 <&3 | cut -d ' ' -f 2)
  cat <&3 > /dev/null
  exec 3<&-
  echo "$status"
}

ready=""
for _ in $(seq 1 600); do
  if [ "$(request GET /readyz 2>/dev/null)" = 200 ]; then ready=1; break; fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
[ -n "$ready" ] || { echo "the jar did not start:" >&2; cat "$work/train.log" >&2; kill "$pid" 2>/dev/null; exit 1; }

chat='{"model":"regular","messages":[{"role":"user","content":"Why is the sky blue?"}]}'
for _ in 1 2 3; do
  for call in \
    "POST /v1/chat/completions $chat" \
    'POST /v1/chat/completions {"model":"regular","stream":true,"messages":[{"role":"user","content":"Hi"}]}' \
    'POST /v1/messages {"model":"regular","max_tokens":16,"messages":[{"role":"user","content":"Hi"}]}' \
    'POST /v1/responses {"model":"regular","input":"Hi"}' \
    'POST /v1/embeddings {"model":"regular","input":"Hi"}' \
    'GET /v1/models'; do
    read -r method path body <<< "$call"
    status=$(request "$method" "$path" "$body")
    [ "$status" = 200 ] || { echo "$method $path answered $status during training:" >&2; cat "$work/train.log" >&2; kill "$pid"; exit 1; }
  done
done

kill -TERM "$pid"
wait "$pid" || { echo "the jar did not stop cleanly:" >&2; cat "$work/train.log" >&2; exit 1; }
[ -s "$out" ] || { echo "no archive was written:" >&2; cat "$work/train.log" >&2; exit 1; }
# shellcheck disable=SC2086
if ! java ${JAVA_OPTS:-} -Xshare:on -XX:SharedArchiveFile="$out" -jar "$jar" --version > /dev/null 2>"$work/check.log"; then
  echo "the archive does not map on this JVM:" >&2; cat "$work/check.log" >&2; rm -f "$out"; exit 1
fi
echo "$out: $(( $(stat -c %s "$out") / 1048576 )) MB, for $(java -version 2>&1 | head -n 1)"
