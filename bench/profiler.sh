# Sourced by profile.sh and profile-pair.sh (after lib.sh): async-profiler (tools.profiler:async-profiler from Maven
# Central, fetched into ~/.m2 on first use) unpacked into WORK, an arm launched under it, and its samples printed.
AP_JAR=~/.m2/repository/tools/profiler/async-profiler/4.1/async-profiler-4.1.jar
[ -f "$AP_JAR" ] || mvn -q -B dependency:get -Dartifact=tools.profiler:async-profiler:4.1 >/dev/null
(cd "$WORK" && unzip -q -o "$AP_JAR" 'linux-x64/*')

# launch_profiled ARM PORT YAML JFR LOG: ARM (a switchboard.jar, or `servlet`: the run's bare ProxyServlet arm,
# BenchGateway off) on core 1, sampling CPU every 1 ms from launch into JFR; its pid in PROFILED_PID.
launch_profiled() {
  local agent=-agentpath:"$WORK/linux-x64/libasyncProfiler.so=start,event=cpu,interval=1ms,file=$4,jfr"
  if [ "$1" = servlet ]; then
    $PIN1 java "$agent" -cp "$JAR" dev.switchboard.bench.BenchGateway off "$3" "$2" > "$5" 2>&1 &
  else
    $PIN1 java "$agent" -jar "$(readlink -f "$1")" --config "$3" > "$5" 2>&1 &
  fi
  PROFILED_PID=$!
}

# print_samples JFR OUT: the execution samples as jfr prints them (what profile.py reads)
print_samples() {
  local jfr
  jfr=$(command -v jfr || echo "$(dirname "$(readlink -f "$(command -v java)")")/jfr")
  "$jfr" print --events jdk.ExecutionSample --stack-depth 96 "$1" > "$2"
}
