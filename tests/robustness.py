#!/usr/bin/env python3
"""tests/robustness.py — bad input and faults against the built binary (issue 17): no crash, no
false pass, nothing left behind.

Two parts, both run by ctest (test `robustness`, label `cli`) with ESTCHECK set to the binary:
1. A table of named cases, each with its stated behaviour: exit code, a fragment of the one-line
   message, files that must not exist or must be unchanged afterwards.
2. A fuzzer with a fixed seed (FUZZ_SEED, default 20261129; FUZZ_CASES, default 300): malformed
   JSON problems, graphs and suites (byte edits, truncation, deep nesting, numbers beyond the
   double range, wrong types) and argument lists with bad values. Each must end within its time
   limit with an exit code in 0..4 (never a signal), a one-line message when it exits 2, and no
   changed input file.
For every run: the binary starts in its own session, and afterwards no process of that session
may be alive (no daemon, no external program left behind), and no temporary file may be left in
the working folder. Prints one line per failure and a closing line "N passed, N failed".
"""
import json
import os
import random
import signal
import stat
import subprocess
import sys
import tempfile
import time

ESTCHECK = os.environ.get("ESTCHECK", "build/bin/estcheck")
LIMIT_S = 60.0

TABLE1 = {"distribution": "bernoulli", "n": 1, "table": [1.0, 0.0]}
TABLE2 = {"distribution": "bernoulli", "n": 2, "table": [1.0, -2.0, 0.5, 3.0]}
GRAPH = {"nodes": [{"name": "theta", "type": "param"},
                   {"name": "x", "type": "bernoulli", "parents": ["theta"]},
                   {"name": "c", "type": "cost", "op": "square", "parents": ["x"]}]}
# cost log(-1): a NaN objective and gradient (issue 17's false pass)
NAN_GRAPH = {"nodes": [{"name": "theta", "type": "param"}, {"name": "x", "type": "bernoulli", "parents": ["theta"]},
                       {"name": "m1", "type": "constant", "value": -1},
                       {"name": "c", "type": "cost", "op": "log", "parents": ["m1"]}]}
SUITE = {"name": "s", "alpha": 1e-4, "seed": 1,
         "checks": [{"name": "a", "kind": "verify", "problem": "toy:t=0.45", "estimator": "reinforce",
                     "theta": [0.3], "samples": 2000}]}


def session_alive(pgid):
    """Whether any process of session/group `pgid` is still alive (zombies of it do not count)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            state, sid = fields[0], int(fields[3])
            if sid == pgid and state != "Z":
                return True
        except (OSError, IndexError, ValueError):
            continue
    return False


def snapshot(folder):
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in files + dirs:
            p = os.path.join(root, name)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    out[p] = f.read()
            else:
                out[p] = stat.S_IFMT(st.st_mode)
    return out


def run(args, cwd, limit=LIMIT_S):
    """Runs estcheck ARGS in its own session; returns (code or -signal, stdout, stderr, leftover)."""
    p = subprocess.Popen([ESTCHECK] + args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = p.communicate(timeout=limit)
        code = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        return "timeout", out.decode(errors="replace"), err.decode(errors="replace"), False
    leftover = False
    for _ in range(50):  # a child may take a moment to be reaped by its killer
        leftover = session_alive(p.pid)
        if not leftover:
            break
        time.sleep(0.02)
    if leftover:
        os.killpg(p.pid, signal.SIGKILL)
    return code, out.decode(errors="replace"), err.decode(errors="replace"), leftover


class Runner:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def outcome(self, name, problems):
        if problems:
            self.failed += 1
            print(f"FAIL {name}: {'; '.join(problems)}")
        else:
            self.passed += 1

    def case(self, name, args, code, message=None, files=None, absent=(), unchanged=True, limit=LIMIT_S):
        """One table case in a fresh folder holding `files` (name -> text, or a callable making it)."""
        with tempfile.TemporaryDirectory(prefix="estcheck_robust_") as d:
            for fname, content in (files or {}).items():
                path = os.path.join(d, fname)
                if callable(content):
                    content(path)
                else:
                    with open(path, "w") as f:
                        f.write(content if isinstance(content, str) else json.dumps(content))
            before = snapshot(d)
            got, out, err, leftover = run(args, d, limit)
            problems = []
            if got != code:
                problems.append(f"exit {got}, expected {code} (stderr: {err.strip()[:200]!r})")
            if message and message not in err and not (code != 2 and message in out):
                problems.append(f"output lacks {message!r}: {err.strip()[:200]!r}")
            if code == 2 and len(err.strip().splitlines()) != 1:
                problems.append(f"not a one-line message: {err.strip()[:300]!r}")
            if leftover:
                problems.append("a process of its session outlived it")
            after = snapshot(d)
            for p in absent:
                if os.path.lexists(os.path.join(d, p)):
                    problems.append(f"left {p} behind")
            if unchanged:
                changed = [p for p in before if after.get(p) != before[p]]
                if changed:
                    problems.append(f"changed {changed}")
            extra = [os.path.relpath(p, d) for p in after if p not in before and ".tmp" in p]
            if extra:
                problems.append(f"temporary files left: {extra}")
            self.outcome(name, problems)


def mkfifo(path):
    os.mkfifo(path)


def mkdir(path):
    os.mkdir(path)


def table_cases(r):
    v = ["verify"]
    # False passes.
    r.case("nan-exact-gradient", ["verify", "g.json", "scg", "--theta", "0.3", "--samples", "2000"], 4,
           "non-finite", files={"g.json": NAN_GRAPH})
    r.case("nan-exact-objective", ["exact", "g.json", "--theta", "0.3"], 4, "non-finite",
           files={"g.json": NAN_GRAPH})
    r.case("overflowing-table", ["verify", "t.json", "reinforce", "--theta", "0.3", "--samples", "2000"], 4,
           "non-finite", files={"t.json": {"distribution": "bernoulli", "n": 1, "table": [1.7e308, -1.7e308]}})
    for cmd in (["verify", "toy", "reinforce", "--theta", "0.3"], ["compare", "toy", "reinforce", "arm", "--theta", "0.3"]):
        r.case(f"samples-2^64-1 {cmd[0]}", cmd + ["--samples", "18446744073709551615"], 2, "--samples")
    r.case("samples-1e30", v + ["toy", "reinforce", "--theta", "0.3", "--samples", "1e30"], 2, "10^12")
    r.case("calibrate-huge", ["calibrate", "toy", "reinforce", "--theta", "0.3", "--samples",
                              "18446744073709551615"], 2, "--samples")
    # Crashes.
    for kind, maker in (("folder", mkdir), ("fifo", mkfifo)):
        r.case(f"problem-file-{kind}", ["exact", "p.json", "--theta", "0.3"], 2, "PROBLEM", files={"p.json": maker})
        r.case(f"suite-file-{kind}", ["suite", "s.json", "--out", "rep"], 2, "FILE", files={"s.json": maker},
               absent=["rep"])
        r.case(f"samples-file-{kind}", ["test-samples", "toy", "--theta", "0.3", "--samples-file", "x.csv"], 2,
               "--samples-file", files={"x.csv": maker})
    r.case("proc-mem-problem", ["exact", "/proc/self/mem", "--theta", "0.3"], 2, "read error")
    r.case("json-overflow-table", ["exact", "t.json", "--theta", "0.3"], 2, "range",
           files={"t.json": '{"distribution":"bernoulli","n":1,"table":[1e400,1]}'})
    r.case("json-overflow-suite", ["suite", "s.json", "--out", "rep"], 2, "range",
           files={"s.json": json.dumps(SUITE).replace("0.0001", "1e400")}, absent=["rep"])
    r.case("json-overflow-graph", ["exact", "g.json", "--theta", "0.3"], 2, "range",
           files={"g.json": json.dumps(GRAPH).replace('"type": "param"}', '"type": "constant", "value": 1e999}', 1)})
    r.case("suite-nested-100000", ["suite", "s.json", "--out", "rep"], 2, "nested",
           files={"s.json": '{"checks":' + "[" * 100000 + "]" * 100000 + "}"}, absent=["rep"])
    # Files left behind / outputs onto inputs.
    r.case("suite-bad-junit-leaves-no-folder", ["suite", "s.json", "--out", "newrep", "--junit", "nodir/j.xml"], 2,
           "--junit", files={"s.json": SUITE}, absent=["newrep"])
    r.case("exact-json-onto-problem", ["exact", "p.json", "--theta", "0.3", "--json", "p.json"], 2, "--json",
           files={"p.json": TABLE1})
    r.case("test-samples-json-onto-samples", ["test-samples", "toy", "--theta", "0.3", "--samples-file", "x.csv",
                                              "--json", "x.csv"], 2, "--json", files={"x.csv": "0.1\n0.2\n0.3\n"})
    r.case("suite-markdown-onto-suite", ["suite", "s.json", "--out", "rep", "--markdown", "s.json"], 2,
           "--markdown", files={"s.json": SUITE}, absent=["rep"])
    # Smaller.
    r.case("suite-seed-2^64", ["suite", "s.json", "--out", "rep"], 2, "/seed",
           files={"s.json": json.dumps(SUITE).replace('"seed": 1', '"seed": 18446744073709551616')}, absent=["rep"])
    r.case("theta-trailing-comma", ["exact", "toy", "--theta", "0.3,"], 2, "--theta")
    r.case("theta-leading-comma", ["exact", "toy", "--theta", ",0.3"], 2, "--theta")
    r.case("empty-tolerance", v + ["toy", "reinforce", "--theta", "0.3", "--tolerance", ""], 2, "--tolerance")
    r.case("variance-bound-zero", v + ["toy", "reinforce", "--theta", "0.3", "--variance-bound", "0"], 2,
           "--variance-bound")
    r.case("first-above-max", v + ["toy", "reinforce", "--theta", "0.3", "--sequential", "--max-samples", "1000",
                                   "--first-samples", "5000"], 2, "--first-samples")
    r.case("suite-folder-message", ["suite", "s.json"], 2, "a folder", files={"s.json": mkdir})
    r.case("samples-folder-message", ["test-samples", "toy", "--theta", "0.3", "--samples-file", "x"], 2, "a folder",
           files={"x": mkdir})
    # Hangs and unbounded work: refused up front with the cost and the override.
    big = {"distribution": "bernoulli", "n": 20, "table": [float(i % 7) for i in range(1 << 20)]}
    r.case("concrete-on-20-variables", v + ["b20.json", "concrete", "--theta", ",".join(["0.1"] * 20)], 2,
           "--max-run-seconds", files={"b20.json": big}, limit=30)
    slow_suite = {"checks": [{"name": "slow", "kind": "verify", "problem": "b20.json", "estimator": "concrete",
                              "theta": [0.1] * 20, "samples": 1000000}]}
    r.case("suite-check-predicted-too-long", ["suite", "s.json", "--out", "rep", "--quiet"], 2, "--max-run-seconds",
           files={"b20.json": big, "s.json": slow_suite}, absent=["rep"], limit=30)
    # An oracle predicted past its budget gives no figure (exit 4, naming --oracle-seconds) at once.
    r.case("rebar-oracle-on-20-variables", ["exact", "b20.json", "--theta", ",".join(["0.1"] * 20),
                                            "--estimator", "rebar"], 4, "--oracle-seconds",
           files={"b20.json": big}, limit=30)
    # An oracle past its budget while running stops within a small factor of it (the 64×64 Hessian of
    # the gridworld takes minutes): exit 4, the figure unknown, naming --oracle-seconds.
    r.case("oracle-budget-honoured", ["exact", "grid:size=4,horizon=6", "--theta", ",".join(["0.3"] * 64),
                                      "--order", "2", "--oracle-seconds", "1"], 4, "--oracle-seconds", limit=10)
    # Signals: one line, 128 + signal, nothing left.
    # SIGKILL cannot be caught: the program dies with estcheck (PR_SET_PDEATHSIG) and the watchdog
    # kills what it forked (verify/harness/external.cpp); no message is possible.
    for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGKILL, -9)):
        with tempfile.TemporaryDirectory(prefix="estcheck_robust_") as d:
            prog = os.path.join(d, "stuck.py")
            with open(prog, "w") as f:
                f.write("import os, time\nif os.fork() == 0:\n    time.sleep(600)\ntime.sleep(600)\n")
            p = subprocess.Popen([ESTCHECK, "verify", "toy", "--external", f"{sys.executable} {prog}", "--theta",
                                  "0.3", "--samples", "1000"], cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 start_new_session=True)
            time.sleep(1.0)
            p.send_signal(sig)
            try:
                _, err = p.communicate(timeout=20)
                problems = []
                if p.returncode != code:
                    problems.append(f"exit {p.returncode}, expected {code}")
                if sig != signal.SIGKILL and len(err.decode().strip().splitlines()) != 1:
                    problems.append(f"not one line: {err.decode()[:200]!r}")
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                problems = ["did not stop"]
            for _ in range(50):
                if not session_alive(p.pid):
                    break
                time.sleep(0.02)
            if session_alive(p.pid):
                problems.append("the external program (or its child) outlived estcheck")
                os.killpg(p.pid, signal.SIGKILL)
            r.outcome(f"signal-{signal.Signals(sig).name}-kills-external-group", problems)
    # A plain verify leaves no process (no MPI daemon) and no file: not in the working folder, not in
    # its own TMPDIR, and nothing new in /tmp that is an MPI session folder or names its pid (other
    # tests running in parallel may create their own /tmp folders, so only those are looked for).
    with tempfile.TemporaryDirectory(prefix="estcheck_robust_") as d, \
            tempfile.TemporaryDirectory(prefix="estcheck_robust_tmp_") as private_tmp:
        shared = tempfile.gettempdir()
        tmp_before = set(os.listdir(shared))
        p = subprocess.Popen([ESTCHECK, "verify", "toy", "reinforce", "--theta", "0.3", "--samples", "20000"],
                             cwd=d, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                             env=dict(os.environ, TMPDIR=private_tmp))
        _, err = p.communicate(timeout=LIMIT_S)
        time.sleep(0.1)
        new_tmp = [n for n in set(os.listdir(shared)) - tmp_before if n.startswith("ompi") or str(p.pid) in n]
        problems = []
        if p.returncode != 0:
            problems.append(f"exit {p.returncode}: {err[:200]!r}")
        if session_alive(p.pid):
            problems.append("a process of its session outlived it")
            os.killpg(p.pid, signal.SIGKILL)
        if os.listdir(d):
            problems.append(f"left {os.listdir(d)} in the working folder")
        if os.listdir(private_tmp):
            problems.append(f"left {os.listdir(private_tmp)} in its TMPDIR")
        if new_tmp:
            problems.append(f"left {new_tmp} in {shared}")
        r.outcome("plain-verify-leaves-nothing", problems)


def mutate_text(rng, text):
    """One malformation of a JSON text."""
    ops = ["flip", "truncate", "deep", "huge", "type", "insert", "delete", "dup"]
    op = rng.choice(ops)
    if op == "flip" and text:
        i = rng.randrange(len(text))
        return text[:i] + rng.choice('{}[]",:0-9eE.+-x\\\x00 ') + text[i + 1:]
    if op == "truncate":
        return text[:rng.randrange(len(text) + 1)]
    if op == "deep":
        k = rng.choice([65, 1000, 100000])
        return text.replace("[", "[" * k, 1).replace("]", "]" * k, 1)
    if op == "huge":
        return text.replace("0", rng.choice(["1e400", "-1e400", "1e-400", "18446744073709551616", "NaN"]), 1)
    if op == "type":
        return text.replace("[", '"x"', 1) if rng.random() < 0.5 else text.replace('"', "", 2)
    if op == "insert":
        i = rng.randrange(len(text) + 1)
        return text[:i] + rng.choice([',"zz":1', "null", "[]", "{}", '"\\ud800"', "\u00e9"]) + text[i:]
    if op == "delete" and text:
        i = rng.randrange(len(text))
        return text[:i] + text[i + rng.randrange(1, 8):]
    return text + text


BAD_VALUES = ["", "-1", "0", "nan", "inf", "-inf", "1e400", "18446744073709551616", "1e30", "abc", ",", "0,",
              ",0", "0.5.5", "--", "1:2", "x=1:2:3", "\u00e9", "9" * 40]


def fuzz_args(rng):
    cmd = rng.choice(["verify", "exact", "compare", "calibrate", "bias-curve", "test-samples"])
    args = [cmd, rng.choice(["toy", "toy:t=0.45", "gaussian-quadratic:d=1", "p.json", "g.json", "nope", ""])]
    if cmd in ("verify", "calibrate", "bias-curve"):
        args.append(rng.choice(["reinforce", "concrete", "rloo:k=1", "rebar:temperature=-1", "bogus", "mutant/x"]))
    if cmd == "compare":
        args += ["reinforce", rng.choice(["arm", "rloo:k=2", "bogus"])]
    flags = {"verify": ["--samples", "--seed", "--threads", "--alpha", "--tolerance", "--variance-bound", "--order",
                        "--max-samples", "--first-samples", "--test", "--timeout"],
             "exact": ["--order", "--estimator"],
             "compare": ["--samples", "--seed", "--alpha", "--min-reduction", "--theta-grid", "--interval"],
             "calibrate": ["--samples", "--repetitions", "--alphas", "--coordinate", "--test"],
             "bias-curve": ["--param"],
             "test-samples": ["--samples-file", "--format", "--alpha"]}[cmd]
    args += ["--theta", rng.choice(["0.3", "0.3,", "nan", "1e400", "0.3,0.3", "", "0.1,0.2"])]
    for _ in range(rng.randrange(1, 3)):
        args += [rng.choice(flags), rng.choice(BAD_VALUES)]
    if rng.random() < 0.3:
        args += ["--json", rng.choice(["p.json", "nodir/o.json", "out.json", "."])]
    return args


def fuzz(r, seed, count):
    rng = random.Random(seed)
    texts = {"p.json": json.dumps(TABLE2), "g.json": json.dumps(GRAPH), "s.json": json.dumps(SUITE)}
    for i in range(count):
        with tempfile.TemporaryDirectory(prefix="estcheck_robust_") as d:
            files = dict(texts)
            target = rng.choice(list(files))
            files[target] = mutate_text(rng, files[target])
            for name, text in files.items():
                with open(os.path.join(d, name), "w", encoding="utf-8", errors="surrogatepass") as f:
                    f.write(text)
            if rng.random() < 0.35:
                args = ["suite", "s.json", "--out", "rep", "--quiet"] if target == "s.json" else \
                       ["exact", target, "--theta", "0.3" if target == "g.json" else "0.3,0.1"]
            else:
                args = fuzz_args(rng)
            args = [a.replace("\x00", "") for a in args]
            before = snapshot(d)
            got, _, err, leftover = run(args, d, limit=30)
            problems = []
            if got == "timeout" or not isinstance(got, int) or got < 0 or got > 4:
                problems.append(f"exit {got}")
            if got == 2 and len(err.strip().splitlines()) != 1:
                problems.append(f"not a one-line message: {err.strip()[:200]!r}")
            if leftover:
                problems.append("a process outlived it")
            after = snapshot(d)
            changed = [os.path.relpath(p, d) for p in before if after.get(p) != before[p]]
            if changed:
                problems.append(f"changed {changed}")
            if got == 2 and any(p not in before for p in after):
                problems.append(f"exit 2 but created {[os.path.relpath(p, d) for p in after if p not in before]}")
            r.outcome(f"fuzz #{i} (seed {seed}) {args}", problems)


def main():
    r = Runner()
    table_cases(r)
    seed = int(os.environ.get("FUZZ_SEED", "20261129"))
    fuzz(r, seed, int(os.environ.get("FUZZ_CASES", "300")))
    print(f"robustness (fuzz seed {seed}): {r.passed} passed, {r.failed} failed")
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
