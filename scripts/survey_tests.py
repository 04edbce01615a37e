#!/usr/bin/env python3
"""scripts/survey_tests.py — which statistical test `estcheck verify` picks for every built-in
estimator/problem pair that runs (issue 18, "Which test each pair gets" in docs/statistics.md).

Runs `estcheck verify PROBLEM ESTIMATOR --theta θ --samples 20000` with every other option at its
default (`--test auto`: Catoni with a certified exact variance, else the betting test with the
estimator's declared sample range, else Catoni with --variance-bound, else Student's t, printed
"asymptotic (CLT)"), one θ per problem, on every estimator (default spec, plus scg's baselines
and credits, rloo:k=4, vimco:k=4, dice:order=2) and every built-in problem (the toy, the three
1-D Gaussian problems, a 2-D Gaussian, Bernoulli tables of 3 and 10 variables, a 4-class
categorical table, every graph problem), and records the test each pair got. Pairs the estimator
refuses (exit 2: wrong family) are left out. Prints a Markdown table (and, with --json, the
raw records).

Usage: scripts/survey_tests.py [--estcheck build/bin/estcheck] [--threads 2] [--json out.json]
Cost: about 130 runs of 20,000 samples each plus their oracles (minutes on 2 cores); not a CI test.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time


def tables(tmp):
    """JSON table problems: name -> (path, θ)."""
    t3 = [1, -2, 0.5, 3, 2, 0, -1, 4]
    t10 = [round(5 * math.sin(0.37 * k) + 0.1 * (k % 7), 6) for k in range(1024)]
    c4 = [1.0, -2.0, 0.5, 3.0]
    out = {}
    for name, spec, theta in [
        ("bernoulli table, n = 3", {"distribution": "bernoulli", "n": 3, "table": t3}, "0.3,-1,2"),
        ("bernoulli table, n = 10", {"distribution": "bernoulli", "n": 10, "table": t10},
         ",".join(str(0.4 * ((-1) ** i) * (1 + i % 3)) for i in range(10))),
        ("categorical table, K = 4", {"distribution": "categorical", "k": 4, "table": c4}, "0.5,-1,0,2"),
    ]:
        path = os.path.join(tmp, name.split(",")[0].replace(" ", "_") + str(len(spec["table"])) + ".json")
        with open(path, "w") as f:
            json.dump(spec, f)
        out[name] = (path, theta)
    return out


def problems(tmp):
    p = [
        ("toy:t=0.499", "toy:t=0.499", "0.7"),
        ("gaussian-quadratic:d=1,c=0", "gaussian-quadratic:d=1,c=0", "0.3,-0.2"),
        ("gaussian-exp:d=1", "gaussian-exp:d=1", "0.3,-0.2"),
        ("gaussian-step:d=1", "gaussian-step:d=1", "0.3,-0.2"),
        ("gaussian-quadratic:d=2,c=0", "gaussian-quadratic:d=2,c=0", "0.3,-0.1,-0.2,0.1"),
    ]
    for name, (path, theta) in tables(tmp).items():
        p.append((name, path, theta))
    p += [
        ("scg-fig1a", "scg-fig1a", "0.3"),
        ("scg-fig1b", "scg-fig1b", "0.3"),
        ("scg-fig1c", "scg-fig1c", "0.3"),
        ("scg-fig1d", "scg-fig1d", "0.3,0.2"),
        ("scg-fig1e", "scg-fig1e", "0.3,0.2"),
        ("scg-gauss", "scg-gauss", "0.3,-0.2"),
        ("sbn", "sbn", "0.3,-0.2,0.1,0.4,-0.5,0.2,0.1,-0.3"),
        ("mdp:states=4,horizon=4,slip=0.1", "mdp:states=4,horizon=4,slip=0.1", "0.5,-0.5,0.5,-0.5,0.5,-0.5,0.5,-0.5"),
        ("grid:size=4,horizon=6,slip=0", "grid:size=4,horizon=6,slip=0",
         ",".join(str(0.1 * ((i % 5) - 2)) for i in range(64))),
        ("cartpole:horizon=8", "cartpole:horizon=8", "0.1,0.2,-0.5,0.3,0.05"),
        ("lqr:horizon=8", "lqr:horizon=8", "-1,-1,-0.5"),
        ("vae:latents=3,images=4", "vae:latents=3,images=4", "default"),
    ]
    return p


ESTIMATORS = ["reinforce", "rloo", "rloo:k=4", "reparam", "arm", "disarm", "rebar", "relax", "nvil", "vimco",
              "vimco:k=4", "muprop", "concrete", "straight-through", "scg", "scg:baseline=conditional",
              "scg:credit=all", "scg-relax", "dice", "dice:order=2", "relaxed-rebar", "pg-reinforce", "pg-pathwise",
              "lax", "lax:cv=rl"]


def classify(rep):
    test = rep.get("test", "")
    if rep.get("asymptotic"):
        return "t: asymptotic (CLT)"
    if test.startswith("Catoni") and "exact oracle" in test:
        return "Catoni, certified exact variance"
    if test.startswith("Catoni"):
        return "Catoni, given variance bound"
    if "betting" in test.lower():
        return "betting, declared range"
    return test or "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--estcheck", default="build/bin/estcheck")
    ap.add_argument("--threads", default="2")
    ap.add_argument("--samples", default="20000")
    ap.add_argument("--json", help="write the raw records here")
    ap.add_argument("--from-json", help="print the tables of an earlier run's records (no runs)")
    ap.add_argument("--long", action="store_true", help="one row per pair (with verdicts and seconds)")
    ap.add_argument("--only", action="append", help="a problem name (first column) to survey; repeat it; default all")
    args = ap.parse_args()
    if args.from_json:
        with open(args.from_json) as f:
            report(json.load(f), args.long)
        return
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        only = set(args.only) if args.only else None
        for pname, pspec, theta in problems(tmp):
            if only and pname not in only:
                continue
            for est in ESTIMATORS:
                cmd = [args.estcheck, "verify", pspec, est, "--theta", theta, "--samples", args.samples,
                       "--threads", args.threads, "--quiet", "--json", "-"]
                if est == "dice:order=2":
                    cmd += ["--order", "2"]
                t0 = time.time()
                r = subprocess.run(cmd, capture_output=True, text=True)
                secs = time.time() - t0
                if r.returncode == 2:
                    continue  # the estimator does not run on this problem
                try:
                    rep = json.loads(r.stdout)
                except json.JSONDecodeError:
                    rep = {"test": "no report: " + r.stderr.strip().splitlines()[-1] if r.stderr.strip() else "no report"}
                rec = {"problem": pname, "estimator": est, "theta": theta, "exit": r.returncode,
                       "verdict": rep.get("verdict"), "kind": classify(rep), "test": rep.get("test"),
                       "variance_certificate": (rep.get("exact_estimator_variance_certificate") or {}).get("certainty"),
                       "seconds": round(secs, 1), "reason": rep.get("reason", "")}
                records.append(rec)
                print(f"{pname:34s} {est:26s} {rec['kind']:34s} {rec['verdict']} ({secs:.1f} s)", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1)
    report(records, args.long)


COLUMNS = ["Catoni, certified exact variance", "betting, declared range", "Catoni, given variance bound",
           "t: asymptotic (CLT)"]


def report(records, long):
    if long:
        print("| problem | estimator | test (`--test auto`) | verdict | s |")
        print("|---|---|---|---|---|")
        for rec in records:
            print(f"| {rec['problem']} | `{rec['estimator']}` | {rec['kind']} | {rec['verdict']} | {rec['seconds']} |")
        print()
    # One row per problem, the estimators grouped by the test they got.
    problems = []
    for rec in records:
        if rec["problem"] not in problems:
            problems.append(rec["problem"])
    kinds = [k for k in COLUMNS if any(r["kind"] == k for r in records)]
    kinds += sorted({r["kind"] for r in records} - set(kinds))
    print("| problem | " + " | ".join(kinds) + " |")
    print("|---" * (len(kinds) + 1) + "|")
    for p in problems:
        cells = []
        for k in kinds:
            names = [f"`{r['estimator']}`" for r in records if r["problem"] == p and r["kind"] == k]
            cells.append(", ".join(names) if names else "—")
        print(f"| {p} | " + " | ".join(cells) + " |")
    counts = {}
    for rec in records:
        counts[rec["kind"]] = counts.get(rec["kind"], 0) + 1
    print()
    print(f"{len(records)} pairs: " + "; ".join(f"{k}: {counts[k]}" for k in kinds if k in counts) + ".")


if __name__ == "__main__":
    main()
