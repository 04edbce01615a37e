#!/usr/bin/env python3
"""tests/external_faults.py - an external estimator that breaks the protocol on purpose, one way
per MODE, so tests/external_test.sh can check that estcheck reports each fault (exit 2) and leaves
no process behind. Usage: external_faults.py MODE [MARKER] (MARKER is ignored: tests find the
process by it)."""
import os
import struct
import sys
import time

mode = sys.argv[1]
out = sys.stdout.buffer


def read_request():
    data = sys.stdin.buffer.read(12)
    magic, version, length = struct.unpack("<4sII", data)
    sys.stdin.buffer.read(length)
    (d,) = struct.unpack("<I", sys.stdin.buffer.read(4))
    sys.stdin.buffer.read(8 * d)
    seed, block, count = struct.unpack("<QQQ", sys.stdin.buffer.read(24))
    return d, count


if mode == "exit-at-once":
    sys.exit(0)
d, count = read_request()
if mode == "crash":
    sys.stderr.write("external_faults: crashing on purpose\n")
    sys.exit(3)
elif mode == "hang":
    time.sleep(3600)
elif mode == "text":
    out.write(b"hello, I am not speaking the protocol\n" * 4)
elif mode == "bad-version":
    out.write(struct.pack("<4sIQI", b"ECRS", 2, count, d) + b"\0" * (8 * count * d))
elif mode == "wrong-count":
    out.write(struct.pack("<4sIQI", b"ECRS", 1, count - 1, d) + b"\0" * (8 * (count - 1) * d))
elif mode == "short-body":
    out.write(struct.pack("<4sIQI", b"ECRS", 1, count, d) + b"\0" * 16)
    out.flush()
    sys.exit(0)
elif mode == "killed":
    os.kill(os.getpid(), 9)
out.flush()
time.sleep(3600)  # stay alive: estcheck must kill it
