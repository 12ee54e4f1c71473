# Reading figures, with no side effects (sourced by lib.sh, run.sh and flags.sh, which start different things):
# a process's CPU time from /proc, CPU per request, and wrk's numbers.

HZ=$(getconf CLK_TCK)

# cpu_ticks PID: the CPU time (user + system, in clock ticks) a process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# us_per_request TICKS REQUESTS: CPU microseconds per request, one decimal (REQUESTS empty or 0 counts as 1).
us_per_request() { python3 -c "print(round($1 / $HZ * 1e6 / max(1, ${2:-0}), 1))"; }

# ms VALUE: one of wrk's latencies (12.3us, 4.5ms, 1.2s) in milliseconds; empty stays empty.
ms() { awk -v v="$1" 'BEGIN{ if (v == "") print ""; else if (v ~ /us$/) printf "%.3f", v/1000; else if (v ~ /ms$/) printf "%.3f", v+0; else printf "%.3f", v*1000 }'; }

# wrk_requests FILE, wrk_rps FILE: requests served and requests per second of a wrk output.
wrk_requests() { awk '/requests in/ {print $1}' "$1"; }
wrk_rps() { awk '/Requests\/sec/ {print $2}' "$1"; }

# wrk_errors FILE: non-2xx answers plus socket errors of a wrk output.
wrk_errors() { awk '/Non-2xx/ {n += $5} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$1"; }

# wrk_figures FILE: "rps p50_ms p99_ms" of a wrk --latency output.
wrk_figures() {
  echo "$(wrk_rps "$1") $(ms "$(awk '$1=="50%" {print $2}' "$1")") $(ms "$(awk '$1=="99%" {print $2}' "$1")")"
}
