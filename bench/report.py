#!/usr/bin/env python3
"""Turns one bench/run.sh run into REPORT.md: the goals of issue 18 and the listener costs of issues 12 and 13
as ratios within the run, the load tables (medians over the rounds), streams, peak RSS, the cold-start curve
of the jar as users run it and the JMH figures of the model rewrite; bench/NOTES.md is appended."""
import csv
import datetime
import json
import os
import platform
import statistics
import sys

out, mode, cores, pinning, warm_jvm, dur, rounds = sys.argv[1:8]
nan = float("nan")


def num(v):
    return float(v) if v not in ("", None) else nan


rows = list(csv.DictReader(open(f"{out}/results.csv")))
arms = list(dict.fromkeys(r["arm"] for r in rows))


def med(arm, conc, key):
    values = [num(r[key]) for r in rows if r["arm"] == arm and int(r["conc"]) == conc and r[key] != ""]
    return statistics.median(values) if values else nan


def errors(arm, conc):
    return sum(int(r["errors"] or 0) for r in rows if r["arm"] == arm and int(r["conc"]) == conc)


def ratio(a, b):
    return a / b if b and b == b and a == a else nan


def ratio_rounds(a, b, conc=10, key="cpu_us_per_req"):
    """The ratio of arm a's figure to arm b's, per round: (median, min, max). Every round loads all arms back to
    back, so a round's ratio compares figures taken minutes apart; the median of the rounds' ratios never pairs one
    arm's slow round with the other's fast one, as a ratio of two medians can."""
    per = []
    for r in sorted({row["round"] for row in rows}):
        ca = [num(x[key]) for x in rows if x["round"] == r and x["arm"] == a and int(x["conc"]) == conc]
        cb = [num(x[key]) for x in rows if x["round"] == r and x["arm"] == b and int(x["conc"]) == conc]
        if ca and cb and cb[0] and ca[0] == ca[0]:
            per.append(ca[0] / cb[0])
    return (statistics.median(per), min(per), max(per)) if per else (nan, nan, nan)


def rounds_text(r):
    return f"{r[0]:.2f} x (rounds {r[1]:.2f}-{r[2]:.2f})"


pairs = list(csv.DictReader(open(f"{out}/pairs.csv"))) if os.path.exists(f"{out}/pairs.csv") else []


def pair_conc(p):
    return int(p.get("conc") or 10)


def pair_rows(a, b, conc):
    """The rounds of arms a and b loaded at once at concurrency conc (pairs.csv)."""
    return [p for p in pairs if p["a"] == a and p["b"] == b and pair_conc(p) == conc]


def pair_rounds(a, b, key="cpu", conc=10):
    """Arm a's figure over arm b's when the two were loaded at once (pairs.csv), per round: (median, min, max)."""
    per = [num(p[f"{key}_a"]) / num(p[f"{key}_b"]) for p in pair_rows(a, b, conc) if num(p[f"{key}_b"])]
    return (statistics.median(per), min(per), max(per)) if per else None


def versus(a, b):
    """A goal's reading of a against b: loaded at once when the run has that pair (the verdict's figure), and in
    turn. Returns (text, value the verdict reads)."""
    turn = ratio_rounds(a, b)
    at_once = pair_rounds(a, b)
    if at_once is None:
        return rounds_text(turn), turn[0]
    return f"{rounds_text(at_once)} loaded at once; {rounds_text(turn)} in turn", at_once[0]


rss = {r["arm"]: int(r["peak_rss_mb"]) for r in csv.DictReader(open(f"{out}/rss.csv"))}
streams = {r["arm"]: r for r in csv.DictReader(open(f"{out}/streams.csv")) if r.get("ttfc_p50_ms")}
startup = next(csv.DictReader(open(f"{out}/startup.csv")))
curve = [(int(r["seconds_since_launch"]), num(r["rps"]), num(r["cpu_us_per_req"]))
         for r in csv.DictReader(open(f"{out}/warmup.csv"))]
jmh = json.load(open(f"{out}/jmh.json")) if os.path.exists(f"{out}/jmh.json") else []

plateau = statistics.median(rps for _, rps, _ in curve[-6:]) if curve else nan
reached = next((t for t, rps, _ in curve if rps >= 0.9 * plateau), None)

lines = []
w = lines.append
w("# Switchboard benchmark report\n")
# run.txt (written by run.sh when the measuring ends) keeps the run's date and machine when the report is
# regenerated later, after an edit of NOTES.md.
run_txt = os.path.join(out, "run.txt")
if os.path.exists(run_txt):
    run_at, machine = open(run_txt).read().splitlines()[:2]
else:
    run_at = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    machine = platform.platform()
w(f"Run: {run_at}, mode `{mode}` "
  f"({rounds} round(s) of {dur} s per arm and concurrency, JVM arms warmed {warm_jvm} s), {cores} cores, "
  f"arms {pinning} (wrk and the nginx mock upstream on core 0, the proxy arm alone under load on core 1), "
  f"{machine}. Rerun with `bench/run.sh` (quick) or `bench/run.sh --full`; the arms are described "
  "at the top of `bench/run.sh`. Figures are medians over the rounds; a ratio between two arms is the median of "
  "the rounds' own ratios (range in parentheses), so a slow spell in one round does not pair with another round; "
  "CPU per request is the arm's process CPU "
  "time (user + system, from /proc, JIT compiler threads included) over the requests wrk completed.\n")

w("## Goals of issue 18 (ratios within this run)\n")
w("| goal | measured | verdict |")
w("|---|---|---|")
checks = []
sb, off, core, ngx = "switchboard", "servlet", "jetty-core", "nginx"
text, x = versus(sb, off)
checks.append(("the filter's own cost within 10 % of the filter-off arm (CPU per request, the jar as the README runs "
               "it against a bare Jetty ProxyServlet; usage tap on)", text, x <= 1.10))
text, x = versus("switchboard-quiet", off)
checks.append(("the same with the access log off", text, x <= 1.10))
if "no-experiments" in arms:
    text, x = versus("no-experiments", off)
    checks.append(("the same with the usage tap and metrics only (no access log, no experiments: `no-experiments`)",
                   text, x <= 1.10))
text, x = versus(sb, core)
checks.append(("CPU per request at or below Jetty core's ProxyHandler.Reverse", text, x <= 1.0))
x = ratio_rounds(sb, ngx, key="rps")
checks.append((">= 0.6 x nginx throughput at 1 KB, c = 10", rounds_text(x), x[0] >= 0.6))
# The README's run command as the run launched it: from the build's class-data archive since the twelfth session
# (run.sh writes its JVM options); results of earlier runs have no such file: `java -jar` with no option.
readme_flags = open(f"{out}/readme_flags.txt").read().strip() if os.path.exists(f"{out}/readme_flags.txt") else ""
readme_command = f"java {readme_flags} -jar switchboard.jar --config FILE" if readme_flags \
    else "java -jar switchboard.jar --config FILE"
checks.append((f"listening within 1 s of launch (`{readme_command}`)", f"{int(startup['listening_ms']) / 1000:.1f} s",
               int(startup["listening_ms"]) <= 1000))
cds = {}
if os.path.exists(f"{out}/startup-cds.csv"):
    launches = list(csv.DictReader(open(f"{out}/startup-cds.csv")))
    for arm in ("plain", "cds"):
        mine = [r for r in launches if r["jar"].endswith("+cds") == (arm == "cds")]
        if mine:
            cds[arm] = tuple(statistics.median(int(r[k]) for r in mine) for k in ("listening_ms", "ready_ms"))
if "cds" in cds and not readme_flags:
    checks.append(("the same from a class-data archive (the Docker image's command; `deploy/cds-archive.sh`)",
                   f"{cds['cds'][0] / 1000:.1f} s ({cds['cds'][0] / cds['plain'][0]:.2f} x)", cds["cds"][0] <= 1000))
checks.append(("90 % of the plateau within 30 s of a cold start under load",
               f"{reached} s (plateau {plateau:.0f} req/s)" if reached else "not reached",
               reached is not None and reached <= 30))
x = rss.get(sb, 0)
checks.append(("peak RSS <= 160 MB at c = 64", f"{x} MB", 0 < x <= 160))
if sb in streams and "direct" in streams:
    x = num(streams[sb]["ttfc_p50_ms"]) - num(streams["direct"]["ttfc_p50_ms"])
    checks.append(("time to first chunk <= +0.5 ms over direct (median)", f"{x:+.3f} ms", x <= 0.5))
if "switchboard-small" in arms and rss.get("switchboard-small"):
    x = rss["switchboard-small"]
    # Throughput is not comparable between two arms sharing a core (each gets the share it claims), so the pair's
    # CPU per request stands for it: within 5 % of the jar's is 1.05 x or less.
    t = pair_rounds("switchboard-small", sb, conc=64)
    if t is None:
        t = ratio_rounds("switchboard-small", sb, conc=64, key="rps")
        checks.append(("the same with the README's small-footprint flags (`-XX:+UseSerialGC -Xms32m`), throughput at "
                       "c = 64 within 5 % of the jar's without them", f"{x} MB, {rounds_text(t)} req/s",
                       x <= 160 and t[0] >= 0.95))
    else:
        checks.append(("the same with the README's small-footprint flags (`-XX:+UseSerialGC -Xms32m`), CPU per request "
                       "at c = 64 within 5 % of the jar's without them (loaded at once)",
                       f"{x} MB, {rounds_text(t)} CPU per request", x <= 160 and t[0] <= 1.05))
for name, value, ok in checks:
    w(f"| {name} | {value} | {'met' if ok else '**missed**'} |")
w("")

if pairs:
    w("## Two arms loaded at once\n")
    w("After the rounds, each pair shared core 1 and the same moments: two wrk runs, one per arm, for "
      f"{dur} s, {len({p['round'] for p in pairs})} rounds. A slow spell of the machine falls on both arms of a pair, "
      "so these ratios move far less from round to round than those of arms loaded in turn. Median of the rounds' "
      "ratios (range).\n")
    w("| A against B | c (each) | CPU per request A/B (rounds) | req/s A/B (rounds) | CPU us per request A, B (medians) |")
    w("|---|---|---|---|---|")
    for a, b, conc in dict.fromkeys((p["a"], p["b"], pair_conc(p)) for p in pairs):
        c, t = pair_rounds(a, b, conc=conc), pair_rounds(a, b, "rps", conc=conc)
        mine = pair_rows(a, b, conc)
        ca = statistics.median(num(p["cpu_a"]) for p in mine)
        cb = statistics.median(num(p["cpu_b"]) for p in mine)
        w(f"| `{a}` against `{b}` | {conc} | {c[0]:.3f} ({c[1]:.3f}-{c[2]:.3f}) | {t[0]:.3f} ({t[1]:.3f}-{t[2]:.3f}) | "
          f"{ca:.1f}, {cb:.1f} |")
    w("")

if "no-listeners" in arms:
    w("## What the listeners cost (issues 12 and 13)\n")
    w("Builds of the same commit without a feature (`bench/variant.sh`), all with the access log off, loaded in turn "
      "like every arm. Ratios of CPU per request at c = 10 (median of the per-round ratios, range) and of "
      "throughput (medians).\n")
    w("| B against A | CPU per request B/A (rounds) | req/s B/A | target |")
    w("|---|---|---|---|")
    for b, a, what, target in (
            ("no-experiments", "no-listeners", "usage tap + metrics", "5 %"),
            ("switchboard-quiet", "no-experiments", "experiments on the two-target split", "3 %"),
            ("switchboard", "switchboard-quiet", "the access log (one JSON line per exchange)", "-")):
        m, lo, hi = ratio_rounds(b, a)
        w(f"| {what}: `{b}` against `{a}` | {m:.3f} ({lo:.3f}-{hi:.3f}) | {ratio(med(b, 10, 'rps'), med(a, 10, 'rps')):.3f} | {target} |")
    w("")

for conc in (10, 64):
    w(f"## Load, 1 KB chat body, c = {conc}\n")
    w("| arm | req/s | x nginx | p50 ms | p99 ms | CPU us per request | CPU x nginx | errors |"
      + (" peak RSS MB |" if conc == 64 else ""))
    w("|---|---|---|---|---|---|---|---|" + ("---|" if conc == 64 else ""))
    for arm in arms:
        rps, cpu = med(arm, conc, "rps"), med(arm, conc, "cpu_us_per_req")
        cpu_text = f"{cpu:.1f}" if cpu == cpu else "-"
        cpu_x = f"{ratio(cpu, med(ngx, conc, 'cpu_us_per_req')):.2f}" if cpu == cpu else "-"
        extra = f" {rss.get(arm, '-')} |" if conc == 64 else ""
        w(f"| {arm} | {rps:.0f} | {ratio(rps, med(ngx, conc, 'rps')):.2f} | {med(arm, conc, 'p50_ms'):.3f} | "
          f"{med(arm, conc, 'p99_ms'):.3f} | {cpu_text} | {cpu_x} | {errors(arm, conc)} |{extra}")
    w("")
w("Peak RSS is each arm's VmHWM (all its processes) after the whole run, c = 64 included.\n")

w("## Streams: time to first chunk\n")
w("A JVM probe on core 0 streams one response at a time (64 SSE events each; the first streams are discarded to "
  "warm the probe itself) and times the first body bytes.\n")
w("| arm | first chunk p50 ms | + over direct | p99 ms | events out (min-max) |")
w("|---|---|---|---|---|")
for arm in arms:
    s = streams.get(arm)
    if s:
        d = num(streams["direct"]["ttfc_p50_ms"]) if "direct" in streams else nan
        w(f"| {arm} | {num(s['ttfc_p50_ms']):.3f} | {num(s['ttfc_p50_ms']) - d:+.3f} | {num(s['ttfc_p99_ms']):.3f} | "
          f"{s['chunks_min']}-{s['chunks_max']} |")
w("")

w("## Cold start of the jar as the README runs it\n")
w(f"`{readme_command}`{'' if readme_flags else ', no flags'}, access log on: listening (`/healthz`) after "
  f"{int(startup['listening_ms'])} ms, ready (`/readyz` 200) after {int(startup['ready_ms'])} ms; then 1 KB chat "
  f"requests at c = 10 from that moment, in 5 s windows. Plateau (median of the last six windows): {plateau:.0f} "
  f"req/s; 90 % of it first reached in the window ending {reached if reached else '-'} s after launch.\n")
if "cds" in cds:
    plain = "with `java -jar` and no option" if readme_flags else "as the README runs it"
    archived = "as the README and the Docker image start it" if readme_flags else "as the Docker image starts"
    w(f"Alternating cold launches of the same jar (`bench/startup.sh`, medians): {plain}, listening "
      f"after {cds['plain'][0]:.0f} ms and ready after {cds['plain'][1]:.0f} ms; from a class-data archive made by "
      f"`deploy/cds-archive.sh` ({archived}), {cds['cds'][0]:.0f} and {cds['cds'][1]:.0f} ms.\n")
w("| seconds since launch | req/s | x plateau | CPU us per request |")
w("|---|---|---|---|")
for t, rps, cpu in curve:
    w(f"| {t} | {rps:.0f} | {ratio(rps, plateau):.2f} | {cpu:.0f} |")
w("")

if jmh:
    mbs = {}
    for b in jmh:
        name = b["benchmark"].rsplit(".", 1)[1]
        size, pos = int(b["params"]["size"]), b["params"]["position"]
        us = b["primaryMetric"]["score"]
        mbs[(name, size, pos)] = (us, size / us)  # bytes per microsecond = MB/s
    w("## Model rewrite (JMH, average time per operation)\n")
    w("| body | model | rewrite us | rewrite MB/s | copy us | copy MB/s | rewrite / copy time |")
    w("|---|---|---|---|---|---|---|")
    for size in (1024, 102400, 1048576):
        for pos in ("first", "last"):
            if ("rewrite", size, pos) in mbs:
                r, c = mbs[("rewrite", size, pos)], mbs[("copy", size, pos)]
                w(f"| {size // 1024} KB | {pos} | {r[0]:.2f} | {r[1]:.0f} | {c[0]:.2f} | {c[1]:.0f} | {r[0] / c[0]:.1f} x |")
    w("")
try:
    w(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "NOTES.md")).read())
except OSError:
    pass
open(f"{out}/REPORT.md", "w").write("\n".join(lines) + "\n")
print("\n".join(lines[:40]))
