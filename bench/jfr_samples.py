"""Reads the text of `jfr print --events jdk.ExecutionSample` (what bench/profiler.sh prints): shared by
bench/profile.py and bench/profile-diff.py."""
import re

FRAME = re.compile(r"^\s{4}(\S.*?)(?: line:.*)?$", re.M)


def read(path):
    """Every sample with a stack: (its time "HH:MM:SS", its thread's name without the pool number, its frames
    innermost first, each as package.Class.method)."""
    out = []
    for event in open(path).read().split("jdk.ExecutionSample {")[1:]:
        at = re.search(r"startTime = (\d\d:\d\d:\d\d)", event)
        if not at or "stackTrace = [" not in event:
            continue
        stack = event.split("stackTrace = [")[1].split("]\n")[0]
        frames = [f.split("(")[0].strip() for f in FRAME.findall(stack)]
        thread = re.search(r'sampledThread = "([^"]*)"', event)
        if frames:
            out.append((at.group(1), re.sub(r"[-#]?\d+$", "", thread.group(1) if thread else "?"), frames))
    return out
