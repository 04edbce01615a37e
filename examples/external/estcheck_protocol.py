"""examples/external/estcheck_protocol.py - the estcheck external-estimator protocol, version 1
(docs/external.md, verify/harness/external.hpp), for Python estimators.

    for req in requests():          # one per block; stops at the end request
        g = ...                     # req.count x len(req.theta) float64 array
        respond(g)

Sample i of block b must depend only on (req.seed, req.block, i): seed your generator from
(seed, block) and draw the block's samples in order.
"""
import struct
import sys
from collections import namedtuple

Request = namedtuple("Request", "problem theta seed block count")

_IN = sys.stdin.buffer
_OUT = sys.stdout.buffer


def _read(n):
    data = _IN.read(n)
    if data is None or len(data) != n:
        raise EOFError("estcheck closed the stream")
    return data


def requests():
    """Yields the requests until estcheck sends the end request (count 0)."""
    while True:
        magic, version, length = struct.unpack("<4sII", _read(12))
        if magic != b"ECRQ" or version != 1:
            raise ValueError(f"not an estcheck v1 request: {magic!r} {version}")
        problem = _read(length).decode("utf-8")
        (d,) = struct.unpack("<I", _read(4))
        theta = list(struct.unpack(f"<{d}d", _read(8 * d)))
        seed, block, count = struct.unpack("<QQQ", _read(24))
        if count == 0:
            return
        yield Request(problem, theta, seed, block, count)


def respond(rows):
    """Writes a response: `rows` is a sequence of equal-length sequences of floats (or a 2-D
    float64 array, NumPy or PyTorch)."""
    try:  # NumPy / PyTorch fast path
        import numpy as np
        arr = np.ascontiguousarray(np.asarray(rows, dtype="<f8"))
        count, d = arr.shape
        _OUT.write(struct.pack("<4sIQI", b"ECRS", 1, count, d))
        _OUT.write(arr.tobytes())
    except ImportError:
        count, d = len(rows), len(rows[0]) if rows else 0
        _OUT.write(struct.pack("<4sIQI", b"ECRS", 1, count, d))
        for r in rows:
            _OUT.write(struct.pack(f"<{d}d", *r))
    _OUT.flush()


def parse_toy(problem):
    """t of a 'toy:t=T' spec (estcheck writes every parameter)."""
    name, _, params = problem.partition(":")
    if name != "toy":
        raise SystemExit(f"this example implements the toy problem only, got '{problem}'")
    return float(dict(kv.split("=") for kv in params.split(","))["t"])
