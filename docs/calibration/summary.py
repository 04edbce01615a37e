#!/usr/bin/env python3
# docs/calibration/summary.py — the table of docs/statistics.md ("Measured calibration of every test
# kind", issue 18) from the JSON reports of docs/calibration/run.sh: per run and α, the
# false-rejection rate with its Clopper–Pearson 95% interval (as estcheck computed it), whether it
# is <= α within that interval (lower end <= α), the power at the reported detectable bias (claim
# >= 0.9; "ok" when the interval reaches 0.9), the median detectable bias, the samples used by
# sequential runs, and the price of validity: the median over the same runs (same seed, same
# samples) of betting's detectable bias ÷ the t-test's, and Catoni's ÷ t's.
import json
import statistics
import sys
from pathlib import Path


def load(d, name):
    p = Path(d) / f"{name}.json"
    return json.loads(p.read_text()) if p.exists() else None


def main():
    d = sys.argv[1]
    names = sorted(p.stem for p in Path(d).glob("*.json"))
    print("| run | test | alpha | false rejections | rate [95% CP] | <= alpha | power [95% CP] | >= 0.9 | median detectable | samples used (null; power) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n in names:
        j = load(d, n)
        for lv in j["levels"]:
            fr, pw = lv["false_rejection"], lv["power_at_detectable_bias"]
            ok_rate = "yes" if fr["ci95"][0] <= lv["alpha"] else "NO"
            ok_pow = "yes" if pw["ci95"][1] >= 0.9 else "NO"
            used = ""
            if "null_samples_used" in lv:
                used = f'{lv["null_samples_used"]["median"]} (mean {lv["null_samples_used"]["mean"]:.0f}); {lv["power_samples_used"]["median"]}'
                if "tolerance_pass" in lv:
                    tp, fp = lv["tolerance_pass"], lv["false_pass_at_tolerance"]
                    used += (f'; passed {tp["count"]}/{tp["trials"]} within {j["tolerance"]} at median '
                             f'{lv["tolerance_pass_samples_used"]["median"]}; false passes {fp["count"]}/{fp["trials"]}')
            print(f'| {n} | {j["test_kind"]} | {lv["alpha"]:g} | {fr["count"]}/{fr["trials"]} | '
                  f'{fr["rate"]:.3g} [{fr["ci95"][0]:.3g}, {fr["ci95"][1]:.3g}] | {ok_rate} | '
                  f'{pw["rate"]:.4g} [{pw["ci95"][0]:.4g}, {pw["ci95"][1]:.4g}] | {ok_pow} | '
                  f'{lv["median_detectable_bias"]:.3g} | {used} |')
    print()
    print("Price of validity: median over the same runs of detectable bias (X) / detectable bias (t)")
    print("(and the ratio of the medians, which is what a reader of one report compares)")
    print("| pair | alpha | betting / t | catoni / t | median betting / median t |")
    print("|---|---|---|---|---|")
    for n in names:
        if not n.endswith("-t") or n.startswith("seq-"):
            continue
        base = n[:-2]
        t = load(d, n)
        row = {}
        for other in ("betting", "catoni"):
            o = load(d, f"{base}-{other}")
            if o is None:
                continue
            for lt, lo in zip(t["levels"], o["levels"]):
                # The same repetitions, in order, when both kept every run (no run left out).
                if len(lt["detectable_biases"]) != len(lo["detectable_biases"]):
                    continue
                r = [b / a for a, b in zip(lt["detectable_biases"], lo["detectable_biases"]) if a > 0]
                row.setdefault(lt["alpha"], {})[other] = statistics.median(r) if r else float("nan")
                if other == "betting":
                    row[lt["alpha"]]["medians"] = lo["median_detectable_bias"] / lt["median_detectable_bias"]
        for a, v in row.items():
            nan = float("nan")
            print(f'| {base} | {a:g} | {v.get("betting", nan):.3g} | {v.get("catoni", nan):.3g} | {v.get("medians", nan):.3g} |')


if __name__ == "__main__":
    main()
