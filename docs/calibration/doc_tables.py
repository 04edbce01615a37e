#!/usr/bin/env python3
# docs/calibration/doc_tables.py — the five Markdown tables of docs/statistics.md, "Measured
# calibration of every test kind" (issue 18), from the JSON reports of docs/calibration/run.sh
# (JSON_DIR, default build/calibration) and docs/calibration/i18/gross-bias.txt: fixed-n runs,
# the betting test's power at a fixed planted bias, the price of validity (detectable-bias ratios
# on the same runs), sequential runs, gross biases. Run from the repository root; prints them.
import json, statistics, sys
from pathlib import Path
D = Path(sys.argv[1] if len(sys.argv) > 1 else 'build/calibration')
def L(n):
    p = D / f'{n}.json'
    return json.loads(p.read_text()) if p.exists() else None
def cp(r): return f'{r["count"]}/{r["trials"]} = {r["rate"]:.3g} [{r["ci95"][0]:.2g}, {r["ci95"][1]:.2g}]'
def pw(r): return f'{r["rate"]:.3f} [{r["ci95"][0]:.3f}, {r["ci95"][1]:.3f}]'
pairs = [('scg-mdp', '`scg`, MDP, θ = ±2'), ('vimco-toy-theta1', '`vimco`, toy, θ = 1'), ('vimco-toy-logit8', '`vimco`, toy, θ = 8'),
         ('arm-bernoulli10', '`arm`, 10-variable table'), ('rebar-categorical4', '`rebar`, categorical table'),
         ('reinforce-toy-logit8', '`reinforce`, toy, logit 8')]
out = ['| pair | test | R | α | false rejections [95% CP] | ≤ α | power at detectable bias [95% CP] | ≥ 0.9 | median detectable bias |', '|---|---|---|---|---|---|---|---|---|']
for key, label in pairs:
    for t in ('t', 'catoni', 'betting'):
        j = L(f'{key}-{t}')
        if j is None:
            note = {'catoni': 'no exact variance (REBAR on categorical tables has no exact oracle: its noise is 2K uniforms, '
                              'the Gumbel-max draw and the conditional one, with no cell structure; '
                              'certified/relaxed_moments.hpp covers Bernoulli tables only)' if key == 'rebar-categorical4'
                              else 'no certified exact variance',
                    'betting': 'no declared range'}.get(t)
            if note: out.append(f'| {label} | {t} | — | — | not run: {note} | | | | |')
            continue
        for lv in j['levels']:
            fr, p = lv['false_rejection'], lv['power_at_detectable_bias']
            ok = 'yes' if fr['ci95'][0] <= lv['alpha'] else '**no**'
            okp = 'yes' if p['ci95'][1] >= 0.9 else '**no**'
            out.append(f'| {label} | {t} | {fr["trials"]} | {lv["alpha"]:g} | {cp(fr)} | {ok} | {pw(p)} | {okp} | {lv["median_detectable_bias"]:.3g} |')
fixed = '\n'.join(out)
out = ['| pair | α | planted bias (median detectable) | R | power [95% CP] | ≥ 0.9 | false rejections |', '|---|---|---|---|---|---|---|']
for key, label in pairs:
    for a in ('0.01', '0.001'):
        j = L(f'planted-{key}-{a}')
        if j is None: continue
        lv = j['levels'][0]; p = lv['power_at_detectable_bias']
        okp = 'yes' if p['ci95'][1] >= 0.9 else '**no**'
        out.append(f'| {label} | {a} | {j["planted_bias"]:.3g} | {p["trials"]} | {pw(p)} | {okp} | {cp(lv["false_rejection"])} |')
planted = '\n'.join(out)
out = ['| pair | α | betting ÷ t (median of per-run ratios) | median betting ÷ median t | Catoni ÷ t | betting ÷ Catoni |', '|---|---|---|---|---|---|']
for key, label in pairs:
    t = L(f'{key}-t')
    if t is None: continue
    b, c = L(f'{key}-betting'), L(f'{key}-catoni')
    for i, lt in enumerate(t['levels']):
        def ratio(o, base=None):
            if o is None: return '—'
            lt_ = lt if base is None else base['levels'][i]
            lo = o['levels'][i]
            # zip stops at the shorter list: Catoni on the MDP has R = 2000, the first 2000 seeds
            pairs_ = list(zip(lt_['detectable_biases'], lo['detectable_biases']))
            r = [y / x for x, y in pairs_ if x > 0]
            return f'{statistics.median(r):.3g}' if r else '—'
        med = f'{b["levels"][i]["median_detectable_bias"] / lt["median_detectable_bias"]:.3g}' if b else '—'
        bc = ratio(b, c) if (b is not None and c is not None) else '—'
        out.append(f'| {label} | {lt["alpha"]:g} | {ratio(b)} | {med} | {ratio(c)} | {bc} |')
ratios = '\n'.join(out)
out = ['| pair | test | R | α | false failures [95% CP] | ≤ α | median samples used: null runs; power runs (max) | early pass with a tolerance |', '|---|---|---|---|---|---|---|---|']
seqs = [('seq-reinforce-toy-logit8-betting', '`reinforce`, toy, logit 8', 16384), ('seq-reinforce-toy-logit8-betting-tol', '`reinforce`, toy, logit 8, D = 0.01', 65536),
        ('seq-reinforce-toy-theta1-betting', '`reinforce`, toy, θ = 1', 16384), ('seq-reinforce-toy-theta1-t', '`reinforce`, toy, θ = 1 (t, doubling rounds from 1024)', 16384),
        ('seq-vimco-toy-theta1-betting', '`vimco`, toy, θ = 1', 16384), ('seq-scg-mdp-betting', '`scg`, MDP, θ = ±2', 4096)]
for key, label, mx in seqs:
    j = L(key)
    if j is None: continue
    for lv in j['levels']:
        fr = lv['false_rejection']
        ok = 'yes' if fr['ci95'][0] <= lv['alpha'] else '**no**'
        ns, ps = lv['null_samples_used'], lv['power_samples_used']
        tol = ''
        if 'tolerance_pass' in lv:
            tp, fp = lv['tolerance_pass'], lv['false_pass_at_tolerance']
            tol = f'{tp["count"]}/{tp["trials"]} passed, median {lv["tolerance_pass_samples_used"]["median"]} samples; false passes at bias D: {fp["count"]}/{fp["trials"]}'
        out.append(f'| {label} | {j["test_kind"]} | {fr["trials"]} | {lv["alpha"]:g} | {cp(fr)} | {ok} | {ns["median"]}; {ps["median"]} ({ps["max"]}) of {mx} | {tol} |')
seq = '\n'.join(out)
g = Path('docs/calibration/i18/gross-bias.txt').read_text().splitlines()
rows = {}
for i in range(0, len(g) - 1, 2):
    cmd, res = g[i], g[i + 1]
    name = cmd.split()[3] + ' ' + cmd.split()[4]
    rows.setdefault(name, []).append(res.split('samples used ')[1].split()[0])
gross = '| run | samples used, seeds 1–5 (all `fail`) |\n|---|---|\n' + '\n'.join(f'| `{k}` | {", ".join(v)} |' for k, v in rows.items())
for title, table in (('fixed n', fixed), ('planted bias', planted), ('price of validity', ratios),
                     ('sequential', seq), ('gross biases', gross)):
    print(f'### {title}\n\n{table}\n')
