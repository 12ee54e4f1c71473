#!/usr/bin/env python3
"""Turns one bench/run.sh run into REPORT.md (tables, ratios against the same run's baselines,
the targets of issue 6) and chart.gp (throughput and p99 by arm, rendered by gnuplot)."""
import csv
import datetime
import json
import platform
import sys

out, mode, cores, pinning = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
rows = list(csv.DictReader(open(f"{out}/results.csv")))
for r in rows:
    for k in ("rps", "p50_ms", "p99_ms"):
        r[k] = float(r[k] or 0)
cell = {(r["arm"], r["body"], int(r["conc"])): r for r in rows}
arms = [a for a in ("direct", "nginx", "filter-off", "filter-on") if any(r["arm"] == a for r in rows)]
rss = dict(csv.reader(open(f"{out}/rss.csv"))) if open(f"{out}/rss.csv").read().strip() else {}
streams = {r["arm"]: r for r in csv.DictReader(open(f"{out}/streams.csv"))}
jmh = json.load(open(f"{out}/jmh.json"))


def get(arm, body, conc, key):
    r = cell.get((arm, body, conc))
    return r[key] if r else float("nan")


def ratio(a, b):
    return a / b if b else float("nan")


lines = []
w = lines.append
w("# Switchboard benchmark report\n")
w(f"Run: {datetime.datetime.utcnow().strftime('%Y-%m-%d %H:%M UTC')}, mode `{mode}`, {cores} cores, arms {pinning} "
  f"(load generator and mock upstream on core 0, the proxy arm on core 1), {platform.platform()}. "
  "Rerun with `bench/run.sh` (quick) or `bench/run.sh --full`.\n")
w("Arms: **direct** = wrk to the mock upstream; **nginx** = nginx 1.22 `proxy_pass` with request buffering on; "
  "**filter-off** = a bare Jetty ee10 `ProxyServlet.Transparent` (no Switchboard code); **filter-on** = the gateway as shipped, started through `switchboard.jar`'s own entry point "
  "(filter + proxy). The mock answers every POST at once (or streams 64 SSE chunks). Bodies are chat requests of "
  "1 KB and 100 KB with `model` last.\n")

w("## Targets (ratios within this run)\n")
w("| target | measured | verdict |")
w("|---|---|---|")
checks = []
t1 = ratio(get("filter-on", "1k", 10, "rps"), get("direct", "1k", 10, "rps"))
checks.append(("proxy throughput >= 0.25 x direct (1 KB, c=10)", f"{t1:.2f} x", t1 >= 0.25))
if "nginx" in arms:
    t2 = ratio(get("filter-on", "1k", 10, "rps"), get("nginx", "1k", 10, "rps"))
    checks.append(("proxy throughput >= 0.6 x nginx (1 KB, c=10)", f"{t2:.2f} x", t2 >= 0.6))
t3 = ratio(get("filter-on", "1k", 10, "rps"), get("filter-off", "1k", 10, "rps"))
checks.append(("filter-on >= 0.9 x filter-off (1 KB, c=10)", f"{t3:.2f} x", t3 >= 0.9))
t4 = get("filter-on", "1k", 10, "p50_ms") - get("direct", "1k", 10, "p50_ms")
checks.append(("p50 added latency <= 0.5 ms (1 KB, c=10)", f"{t4:.3f} ms", t4 <= 0.5))
mbs = {}
for b in jmh:
    name = b["benchmark"].rsplit(".", 1)[1]
    size, pos = int(b["params"]["size"]), b["params"]["position"]
    us = b["primaryMetric"]["score"]
    mbs[(name, size, pos)] = (us, size / us)  # bytes per microsecond = MB/s
t5 = min(mbs[("rewrite", 1048576, p)][1] for p in ("first", "last") if ("rewrite", 1048576, p) in mbs)
checks.append(("rewrite >= 1 GB/s at 1 MB (JMH)", f"{t5 / 1000:.2f} GB/s", t5 >= 1000))
if "direct" in streams and "filter-on" in streams:
    t6 = float(streams["filter-on"]["ttfc_p50_ms"]) - float(streams["direct"]["ttfc_p50_ms"])
    checks.append(("streaming adds <= 1 ms to the first chunk (p50)", f"{t6:.3f} ms", t6 <= 1.0))
for name, value, ok in checks:
    w(f"| {name} | {value} | {'met' if ok else '**missed**'} |")
w("")

w("## Load run\n")
w("Throughput in requests/s; latency in ms as wrk reports it (coordinated omission not corrected). "
  "`x direct` is throughput relative to the direct arm of the same cell; `+p50` is the added median latency.\n")
w("| body | conc | arm | req/s | x direct | p50 | +p50 | p99 | errors |")
w("|---|---|---|---|---|---|---|---|---|")
for body in ("1k", "100k"):
    for conc in (1, 10, 64):
        for arm in arms:
            r = cell.get((arm, body, conc))
            if not r:
                continue
            d = cell.get(("direct", body, conc))
            w(f"| {body} | {conc} | {arm} | {r['rps']:.0f} | {ratio(r['rps'], d['rps']):.2f} | {r['p50_ms']:.3f} | "
              f"{r['p50_ms'] - d['p50_ms']:+.3f} | {r['p99_ms']:.3f} | {r['errors']} |")
w("")
w("Peak RSS (VmHWM) of each proxy arm after its load: " + ", ".join(f"{k} {v} MB" for k, v in rss.items()) + ".\n")

w("## Streams (64 SSE chunks per response, sequential requests)\n")
w("| arm | first chunk p50 ms | first chunk p99 ms | chunks out (min-max) | chunks in |")
w("|---|---|---|---|---|")
for arm in arms:
    s = streams.get(arm)
    if s:
        w(f"| {arm} | {float(s['ttfc_p50_ms']):.3f} | {float(s['ttfc_p99_ms']):.3f} | {s['chunks_min']}-{s['chunks_max']} | 64 |")
w("")

w("## Model rewrite (JMH, average time per operation)\n")
w("| body | model | rewrite us | rewrite MB/s | copy us | copy MB/s | rewrite / copy time |")
w("|---|---|---|---|---|---|---|")
for size in (1024, 102400, 1048576):
    for pos in ("first", "last"):
        if ("rewrite", size, pos) in mbs:
            r, c = mbs[("rewrite", size, pos)], mbs[("copy", size, pos)]
            w(f"| {size // 1024} KB | {pos} | {r[0]:.2f} | {r[1]:.0f} | {c[0]:.2f} | {c[1]:.0f} | {r[0] / c[0]:.1f} x |")
w("")
w("![throughput and p99 by arm](chart.png)\n")
try:
    w(open(__file__.rsplit("/", 1)[0] + "/NOTES.md").read())
except OSError:
    pass
open(f"{out}/REPORT.md", "w").write("\n".join(lines) + "\n")

# gnuplot: throughput and p99 for the 1 KB cells, one cluster per concurrency.
with open(f"{out}/chart.dat", "w") as f:
    f.write("conc " + " ".join(arms) + "\n")
    for conc in (1, 10, 64):
        f.write(f"c={conc} " + " ".join(f"{get(a, '1k', conc, 'rps'):.0f}" for a in arms) + "\n")
with open(f"{out}/chart-p99.dat", "w") as f:
    f.write("conc " + " ".join(arms) + "\n")
    for conc in (1, 10, 64):
        f.write(f"c={conc} " + " ".join(f"{get(a, '1k', conc, 'p99_ms'):.3f}" for a in arms) + "\n")
n = len(arms)
with open(f"{out}/chart.gp", "w") as f:
    f.write(f"""set terminal pngcairo size 1100,460 font ',10' noenhanced
set output '{out}/chart.png'
set multiplot layout 1,2 title 'Switchboard load run, 1 KB chat bodies ({mode}, {pinning})'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top left
set grid ytics
set title 'throughput (requests/s, higher is better)'
plot for [i=2:{n + 1}] '{out}/chart.dat' using i:xtic(1) title columnheader
set title 'p99 latency (ms, lower is better)'
plot for [i=2:{n + 1}] '{out}/chart-p99.dat' using i:xtic(1) title columnheader
unset multiplot
""")
print("\n".join(lines[:20]))
