# Sourced by the bench scripts: how long a gateway launched at T0 took to listen and to be ready.
# time_to_ready PORT T0 -> prints "LISTENING_MS READY_MS" (ms since T0, epoch ms from `date +%s%3N`): the first
# answer of /healthz, then the first /readyz 200, curl polling every 10 ms; returns 1 when not ready after 30 s.
time_to_ready() {
  local port=$1 t0=$2 listening=""
  while [ $(( $(date +%s%3N) - t0 )) -lt 30000 ]; do
    [ -z "$listening" ] && curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && listening=$(( $(date +%s%3N) - t0 ))
    if [ -n "$listening" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" = 200 ]; then
      echo "$listening $(( $(date +%s%3N) - t0 ))"
      return 0
    fi
    sleep 0.01
  done
  return 1
}

# wait_ready PORT LOG: waits until the arm on PORT is ready (as time_to_ready, from now); when it is not after 30 s,
# prints the end of its LOG and ends the script (a load run against a dead port would measure nothing).
wait_ready() {
  time_to_ready "$1" "$(date +%s%3N)" > /dev/null && return 0
  { echo "nothing ready on port $1 after 30 s; the end of $2:"; tail -20 "$2"; } >&2; exit 1
}
