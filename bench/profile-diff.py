"""Compares two arms' CPU samples frame by frame (the `jfr print --events jdk.ExecutionSample` text that
bench/profile-pair.sh keeps with SAMPLES_OUT=PREFIX, as PREFIX.0 and PREFIX.1), over the last SECONDS of each:
  python3 bench/profile-diff.py A_SAMPLES A_REQUESTS B_SAMPLES B_REQUESTS [SECONDS]
      every frame's inclusive us of samples per request in A and in B, largest difference first
  python3 bench/profile-diff.py A_SAMPLES A_REQUESTS B_SAMPLES B_REQUESTS [SECONDS] --under FRAME
      what the outermost FRAME (substring) calls, in each arm: its direct callees' us per request
REQUESTS: the requests each arm served in those seconds (profile-pair.sh prints them). One sample per ms of CPU."""
import collections
import re
import sys

FRAME = re.compile(r"^\s{4}(\S.*?)(?: line:.*)?$", re.M)


def samples(path, seconds):
    """The stacks (innermost frame first) of the samples in the last `seconds` of the file."""
    events = open(path).read().split("jdk.ExecutionSample {")[1:]
    stamped = []
    for event in events:
        at = re.search(r"startTime = (\d\d):(\d\d):(\d\d)", event)
        if at and "stackTrace = [" in event:
            h, m, s = map(int, at.groups())
            stack = event.split("stackTrace = [")[1].split("]\n")[0]
            stamped.append((h * 3600 + m * 60 + s, [f.split("(")[0].strip() for f in FRAME.findall(stack)]))
    if not stamped:
        sys.exit(f"no samples in {path}")
    last = max(t for t, _ in stamped)
    return [frames for t, frames in stamped if t > last - seconds and frames]


def inclusive(stacks):
    counts = collections.Counter()
    for frames in stacks:
        counts.update(set(frames))
    return counts


def callees(stacks, wanted):
    counts = collections.Counter()
    for frames in stacks:
        at = [i for i, f in enumerate(frames) if wanted in f]
        if at:
            i = max(at)
            counts[frames[i - 1] if i > 0 else "<self>"] += 1
    return counts


def main(argv):
    under = None
    if "--under" in argv:
        k = argv.index("--under")
        under = argv[k + 1]
        argv = argv[:k] + argv[k + 2:]
    a_path, a_requests, b_path, b_requests = argv[1], int(argv[2]), argv[3], int(argv[4])
    seconds = int(argv[5]) if len(argv) > 5 else 30
    a, b = samples(a_path, seconds), samples(b_path, seconds)
    per = lambda count, requests: 1000 * count / requests
    print(f"A {per(len(a), a_requests):.2f} us/req ({len(a)} samples), B {per(len(b), b_requests):.2f} us/req ({len(b)} samples)")
    if under:
        for name, stacks, requests in (("A", a, a_requests), ("B", b, b_requests)):
            counts = callees(stacks, under)
            print(f"{name}: under {under} {per(sum(counts.values()), requests):.2f} us/req")
            for frame, count in counts.most_common(15):
                print(f"  {per(count, requests):7.2f} {frame}")
        return
    ia, ib = inclusive(a), inclusive(b)
    rows = sorted(((per(ia[f], a_requests) - per(ib[f], b_requests), f) for f in set(ia) | set(ib)), reverse=True)
    print("   A-B       A       B  frame (inclusive us per request)")
    shown = rows[:40] + rows[-15:] if len(rows) > 55 else rows
    for i, (diff, frame) in enumerate(shown):
        if len(rows) > 55 and i == 40:
            print("  ...")
        print(f"{diff:7.2f} {per(ia[frame], a_requests):7.2f} {per(ib[frame], b_requests):7.2f}  {frame}")


if __name__ == "__main__":
    main(sys.argv)
