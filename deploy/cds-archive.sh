#!/usr/bin/env bash
# Makes a class-data sharing (AppCDS) archive of switchboard.jar for the `java` on the PATH, so that the jar
# listens in about 0.65 x the time (README "Start-up"): the classes a start and a first exchange of each kind load are
# stored parsed and verified, and the next launches map them instead of reading the jar.
#   deploy/cds-archive.sh JAR ARCHIVE          then: java -XX:SharedArchiveFile=ARCHIVE -jar JAR ...
# The jar's own training run (dev.switchboard.jetty.ClassDataTraining, which the Maven build runs too) serves the
# built-in demo (echo provider, no network, no key) on a free port of 127.0.0.1, sends it a chat completion, a
# stream, an Anthropic message, a response, an embedding and a models listing, and stops it; the JVM writes the
# archive as it exits. Then the archive is checked to map (-Xshare:on). JAVA_OPTS (as the Dockerfile sets them)
# are passed to both runs: a JVM without compressed pointers (a heap of 32 GB or more) cannot use an archive made
# with them. An archive belongs to one JDK build and one jar: make it again after a JDK update (a missing one is
# ignored without a word, one of another jar with one warning line, one of another JDK with two: the jar then
# starts as without it). Needs only bash and java.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 JAR ARCHIVE" >&2; exit 2; }
jar=$(readlink -f "$1"); out=$(readlink -f "$2")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
rm -f "$out"

# Quiet unless it fails: the dump's warnings list the classes it cannot keep (old class files).
# shellcheck disable=SC2086
if ! java ${JAVA_OPTS:-} -XX:ArchiveClassesAtExit="$out" -Xlog:disable -Xlog:all=error:stderr \
    -cp "$jar" dev.switchboard.jetty.ClassDataTraining; then
  echo "the training run failed (above)" >&2; rm -f "$out"; exit 1
fi
[ -s "$out" ] || { echo "no archive was written" >&2; exit 1; }
# shellcheck disable=SC2086
if ! java ${JAVA_OPTS:-} -Xshare:on -XX:SharedArchiveFile="$out" -jar "$jar" --version > /dev/null 2>"$work/check.log"; then
  echo "the archive does not map on this JVM:" >&2; cat "$work/check.log" >&2; rm -f "$out"; exit 1
fi
echo "$out: $(( $(wc -c < "$out") / 1048576 )) MB, for $(java -version 2>&1 | head -n 1)"
