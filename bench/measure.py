#!/usr/bin/env python3
"""bench/measure.py LOG LABEL -- CMD...: runs CMD and logs how much CPU other work used meanwhile.

The machine's busy time (/proc/stat, all cores) minus CMD's own CPU time (user + sys of the child)
is the CPU time that other processes took during the run. On 2 cores, anything beyond a few
percent of the wall time distorts the 2-thread figures, so bench/summarize.py reports it and
bench/README.md only records runs where it stayed near zero. Appends one JSON line to LOG; exits
with CMD's status.
"""
import json
import os
import subprocess
import sys
import time


def busy_seconds():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    busy = sum(v) - v[3] - v[4]  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def main():
    log, label, sep, *cmd = sys.argv[1:]
    assert sep == "--" and cmd, __doc__
    t0, b0, c0 = time.monotonic(), busy_seconds(), os.times()
    rc = subprocess.call(cmd)
    t1, b1, c1 = time.monotonic(), busy_seconds(), os.times()
    own = (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    wall = t1 - t0
    other = max(0.0, (b1 - b0) - own)
    rec = {"label": label, "wall_s": round(wall, 2), "own_cpu_s": round(own, 2),
           "other_cpu_s": round(other, 2), "other_cores": round(other / wall, 3) if wall else 0.0}
    with open(log, "a") as f:
        f.write(json.dumps(rec) + "\n")
    print(f"measure.py: {label}: wall {wall:.1f} s, own CPU {own:.1f} s, other work "
          f"{other:.1f} CPU s ({rec['other_cores']:.2f} cores)", file=sys.stderr)
    sys.exit(rc)


if __name__ == "__main__":
    main()
