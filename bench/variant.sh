#!/usr/bin/env bash
# Builds switchboard.jar from HEAD with one of bench/variants/NAME.patch applied, for A/B runs of what a
# feature costs (bench/paired.sh bench/target/variants/NAME.jar jetty-bundle/target/switchboard.jar):
#   no-listeners    no access log, metrics or experiments listening, no usage tap (issue 12's baseline)
#   no-experiments  experiments do not listen (issue 13's baseline)
#   bench/variant.sh NAME   ->  bench/target/variants/NAME.jar
# The patch is applied to a temporary worktree of HEAD; a patch that no longer applies fails the script
# rather than building something else. Built offline from ~/.m2 through the reactor (nothing installed).
set -euo pipefail
cd "$(dirname "$0")/.."
NAME=$1
PATCH=$(readlink -f "bench/variants/$NAME.patch")
[ -f "$PATCH" ] || { echo "no such variant: $NAME (see bench/variants/)"; exit 1; }
OUT=$(pwd)/bench/target/variants; mkdir -p "$OUT"
TREE=$(mktemp -d)
trap 'git worktree remove --force "$TREE" >/dev/null 2>&1 || rm -rf "$TREE"' EXIT
git worktree add -q --detach "$TREE" HEAD
(cd "$TREE" && git apply "$PATCH" && mvn -q -o -B -DskipTests -Djacoco.skip=true package -pl jetty-bundle -am)
cp "$TREE/jetty-bundle/target/switchboard.jar" "$OUT/$NAME.jar"
echo "$OUT/$NAME.jar ($(git rev-parse --short HEAD) + $NAME)"
