"""Reads `jfr print --events jdk.ExecutionSample` output; reports the samples taken at or after a time (HH:MM:SS):
their share by thread, the hottest frames by self time, and the share of samples under each frame named.
REQUESTS=N (the requests served while those samples were taken, one sample per ms of CPU): each share also in us
of CPU per request. CALLERS=FRAME (substring): for the samples whose own frame is FRAME, the nearest callers outside
java.* and jdk.* (who calls a hot JDK method such as String.equals)."""
import collections
import os
import sys

import jfr_samples

since, wanted = sys.argv[2], sys.argv[3:]
samples = [(thread, frames) for at, thread, frames in jfr_samples.read(sys.argv[1]) if at >= since]
n = len(samples)
if n == 0:
    sys.exit("no samples after " + since)
requests = int(os.environ.get("REQUESTS", "0"))


def per_request(count):
    return f" {1000 * count / requests:7.2f} us/req" if requests else ""


print(f"{n} samples" + (f", {requests} requests:{per_request(n)}" if requests else ""))
print("by thread:")
for name, count in collections.Counter(t for t, _ in samples).most_common(6):
    print(f"  {100 * count / n:5.1f}%{per_request(count)} {name}")
print("hottest frames (self):")
for frame, count in collections.Counter(f[0] for _, f in samples).most_common(15):
    print(f"  {100 * count / n:5.1f}%{per_request(count)} {frame}")
for want in wanted:
    # A!B: the samples under a frame A that are not under a frame B (the part of A that is its own, not B's).
    inside, _, outside = want.partition("!")
    under = sum(1 for _, f in samples
                if any(inside in x for x in f) and not (outside and any(outside in x for x in f)))
    print(f"under {want}: {100 * under / n:.1f}%{per_request(under)}")
callee = os.environ.get("CALLERS")
if callee:
    print(f"nearest callers outside java.*/jdk.* of samples in {callee}:")
    callers = collections.Counter()
    for _, f in samples:
        if callee in f[0]:
            callers[next((x for x in f[1:] if not x.startswith(("java.", "jdk.", "."))), "?")] += 1
    for frame, count in callers.most_common(12):
        print(f"  {100 * count / n:5.1f}%{per_request(count)} {frame}")
