"""Compares two arms' CPU samples frame by frame (the `jfr print --events jdk.ExecutionSample` text that
bench/profile-pair.sh keeps with SAMPLES_OUT=PREFIX, as PREFIX.0 and PREFIX.1), over the last SECONDS of each:
  python3 bench/profile-diff.py A_SAMPLES A_REQUESTS B_SAMPLES B_REQUESTS [SECONDS]
      every frame's inclusive us of samples per request in A and in B, largest difference first
  python3 bench/profile-diff.py A_SAMPLES A_REQUESTS B_SAMPLES B_REQUESTS [SECONDS] --under FRAME
      what the outermost FRAME (substring) calls, in each arm: its direct callees' us per request
REQUESTS: the requests each arm served in those seconds (profile-pair.sh prints them). One sample per ms of CPU."""
import collections
import sys

import jfr_samples


def seconds_of(hhmmss):
    h, m, s = map(int, hhmmss.split(":"))
    return h * 3600 + m * 60 + s


def stacks(path, seconds):
    """The stacks (innermost frame first) of the samples in the last `seconds` of the file."""
    read = [(seconds_of(at), frames) for at, _, frames in jfr_samples.read(path)]
    if not read:
        sys.exit(f"no samples in {path}")
    last = max(t for t, _ in read)
    return [frames for t, frames in read if t > last - seconds]


def inclusive(samples):
    counts = collections.Counter()
    for frames in samples:
        counts.update(set(frames))
    return counts


def callees(samples, wanted):
    counts = collections.Counter()
    for frames in samples:
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
    a_requests, b_requests = int(argv[2]), int(argv[4])
    seconds = int(argv[5]) if len(argv) > 5 else 30
    a, b = stacks(argv[1], seconds), stacks(argv[3], seconds)

    def per(count, requests):
        return 1000 * count / requests

    print(f"A {per(len(a), a_requests):.2f} us/req ({len(a)} samples), B {per(len(b), b_requests):.2f} us/req "
          f"({len(b)} samples)")
    if under:
        for name, samples, requests in (("A", a, a_requests), ("B", b, b_requests)):
            counts = callees(samples, under)
            print(f"{name}: under {under} {per(sum(counts.values()), requests):.2f} us/req")
            for frame, count in counts.most_common(15):
                print(f"  {per(count, requests):7.2f} {frame}")
        return
    ia, ib = inclusive(a), inclusive(b)
    rows = sorted(((per(ia[f], a_requests) - per(ib[f], b_requests), f) for f in set(ia) | set(ib)), reverse=True)

    def show(part):
        for diff, frame in part:
            print(f"{diff:7.2f} {per(ia[frame], a_requests):7.2f} {per(ib[frame], b_requests):7.2f}  {frame}")

    print("   A-B       A       B  frame (inclusive us per request)")
    if len(rows) <= 55:
        show(rows)
    else:
        show(rows[:40])
        print("  ...")
        show(rows[-15:])


if __name__ == "__main__":
    main(sys.argv)
