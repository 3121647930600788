#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""vdpath-perf end to end on the tiny suite: the outputs' format and the baseline comparison
(a synthetic regression must be caught, the run's own results must pass). Not the speed.

usage: test_perf.py VDPATH_PERF BUILDDIR OUTDIR
"""
import copy
import csv
import importlib.machinery
import json
import os
import statistics
import subprocess
import sys
import types

perf, build, out = sys.argv[1:4]
failures = []


def check(cond, what):
    print(("ok:   " if cond else "FAIL: ") + what)
    if not cond:
        failures.append(what)


def run(*args):
    p = subprocess.run([sys.executable, perf] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=600)
    text = p.stdout.decode(errors="replace")
    print(text[-2500:])
    return p.returncode, text


free = int(open("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages").read())
if free < 256:
    print("SKIP: fewer than 256 free hugepages")
    sys.exit(77)
rc, text = run("--build", build, "--suite", "tiny", "--out", out)
check(rc == 0, "the tiny suite ran (exit %d)" % rc)
res = json.load(open(os.path.join(out, "results.json")))
names = [s["name"] for s in res["scenarios"]]
check(names == ["io-64-poll", "restart-cycle"], "both scenarios in the JSON (%s)" % names)
io = res["scenarios"][0]
for comp in ("net_vhost_vdpa", "net_virtio_user", "net_ring"):
    r = io["results"].get(comp, {})
    check(set(r) >= {"median_mpps", "min_mpps", "max_mpps", "cycles_per_packet", "trials"} and
          r["min_mpps"] <= r["median_mpps"] <= r["max_mpps"] and r["median_mpps"] > 0,
          "%s: median/min/max Mpps, cycles per packet, trials" % comp)
check(set(io["ratios"]) == {"net_virtio_user", "net_ring"} and
      abs(io["ratios"]["net_virtio_user"] - io["results"]["net_vhost_vdpa"]["median_mpps"] /
          io["results"]["net_virtio_user"]["median_mpps"]) < 1e-9,
      "ratios are ours / competitor")
ours_t = io["results"]["net_vhost_vdpa"]["trial_mpps"]
vu_t = io["results"]["net_virtio_user"]["trial_mpps"]
rounds = sorted(o / v for o, v in zip(ours_t, vu_t))
check(len(ours_t) == io["results"]["net_vhost_vdpa"]["trials"] and
      abs(io["paired_ratios"]["net_virtio_user"] - rounds[len(rounds) // 2]) < 1e-9,
      "paired ratio: the median of round-by-round ours / competitor (%s)" % rounds)
rs = res["scenarios"][1]["results"]
check(rs["vdpa-persist"]["iotlb_msgs_per_cycle"] == 0 and
      rs["vdpa-legacy"]["iotlb_msgs_per_cycle"] == 2,
      "IOTLB messages per cycle: PERSIST 0, legacy 2 (%s, %s)" %
      (rs["vdpa-persist"]["iotlb_msgs_per_cycle"], rs["vdpa-legacy"]["iotlb_msgs_per_cycle"]))
rr = {x["name"]: x for x in res["scenarios"]}["io-64-poll"]["results"]
check(all(0 < rr[c].get("device_busy", -1) <= 1.2 for c in ("net_vhost_vdpa", "net_virtio_user"))
      and "device_busy" not in rr["net_ring"],
      "device busy share: on the simulated device only (%s)" %
      {c: rr[c].get("device_busy") for c in rr})
c2c = {c: rr[c].get("trial_c2c_ns") for c in rr}
check(all(isinstance(v, list) and len(v) == rr[c]["trials"] and
          all(len(p) == 2 and 0 < p[0] and 0 < p[1] for p in v) for c, v in c2c.items()) and
      all(rr[c]["c2c_ns"] == statistics.median(x for p in c2c[c] for x in p) for c in rr) and
      "c2c" in text and "cache-line round trip CPU 0 <-> 1" in text and
      all(len(res["scenarios"][1]["results"][c]["trial_c2c_ns"]) == 1
          for c in ("vdpa-persist", "vdpa-legacy")),
      "c2c: vdpath-c2c read before and after every rate and restart trial (%s)" % c2c)
rows = list(csv.DictReader(open(os.path.join(out, "results.csv"))))
check(all(float(r["c2c_ns"]) > 0 for r in rows),
      "CSV: c2c_ns on every rate and restart row (%s)" % [r["c2c_ns"] for r in rows])
check(len(rows) == 5 and {r["competitor"] for r in rows} >=
      {"net_vhost_vdpa", "net_virtio_user", "net_ring", "vdpa-persist", "vdpa-legacy"},
      "CSV: one row per scenario and competitor (%d rows)" % len(rows))
svg = open(os.path.join(out, "results.svg")).read()
check(svg.startswith("<svg") and svg.count("<rect") == 5 and "io-64-poll" in svg,
      "SVG: one bar per result")
check("ours/it" in text and "net_virtio_user" in text, "the table is printed")

# the baseline comparison, without running anything again
same = os.path.join(out, "baseline-same.json")
json.dump(res, open(same, "w"))
rc, text = run("--compare-only", os.path.join(out, "results.json"), "--baseline", same,
               "--out", out)
check(rc == 0 and "REGRESSED" not in text, "its own results are no regression (exit %d)" % rc)
better = copy.deepcopy(res)
better["scenarios"][0]["ratios"]["net_virtio_user"] *= 10      # we used to be 10x better
vu_then = better["scenarios"][0]["results"]["net_virtio_user"]   # (the paired figure too)
vu_then["trial_mpps"] = [v / 10 for v in vu_then["trial_mpps"]]
better["scenarios"][1]["results"]["vdpa-persist"]["iotlb_msgs_per_cycle"] = -1
worse = os.path.join(out, "baseline-better.json")
json.dump(better, open(worse, "w"))
rc, text = run("--compare-only", os.path.join(out, "results.json"), "--baseline", worse,
               "--out", out)
check(rc == 1 and text.count("  REGRESSED\n") == 2 and "ours/net_virtio_user" in text,
      "a synthetic regression (ratio and IOTLB messages) exits 1 with a table (exit %d)" % rc)
rc, text = run("--compare-only", os.path.join(out, "results.json"), "--baseline", worse,
               "--tolerance", "0.95", "--out", out)
check(rc == 1 and text.count("  REGRESSED\n") == 1,
      "a 95%% tolerance forgives the ratio, never the extra messages (exit %d)" % rc)

# noise: a drop beyond the tolerance that both runs' round-by-round spread covers is reported,
# not failed; the same drop with tight rounds is a regression
def rate_doc(ours, theirs, others=None):
    med = statistics.median
    comps = {"net_vhost_vdpa": ours}
    comps.update(others if others is not None else {"net_virtio_user": theirs})
    res = {c: {"median_mpps": med(t), "min_mpps": min(t), "max_mpps": max(t),
               "cycles_per_packet": 0.0, "trials": len(t), "trial_mpps": t}
           for c, t in comps.items()}
    return {"scenarios": [{"name": "io-64-notify", "kind": "rate", "results": res,
                           "ratios": {c: med(ours) / med(t) for c, t in comps.items()
                                      if c != "net_vhost_vdpa"}}]}


def compare_docs(now_doc, then_doc):
    a, b = os.path.join(out, "now.json"), os.path.join(out, "then.json")
    json.dump(now_doc, open(a, "w"))
    json.dump(then_doc, open(b, "w"))
    return run("--compare-only", a, "--baseline", b, "--out", out)


vu = [5.0, 5.0, 5.0, 5.0, 5.0]
rc, text = compare_docs(rate_doc([5.0, 6.5, 7.0, 9.5, 11.0], vu),       # 1.40x, rounds 1.0-2.2
                        rate_doc([6.0, 8.0, 10.0, 10.5, 12.0], vu))     # 2.00x, rounds 1.2-2.4
check(rc == 0 and "lower (within noise)" in text and "REGRESSED" not in text,
      "a 30%% drop inside both runs' spread is reported, not failed (exit %d)" % rc)
rc, text = compare_docs(rate_doc([6.8, 6.9, 7.0, 7.1, 7.2], vu),
                        rate_doc([9.8, 9.9, 10.0, 10.1, 10.2], vu))
check(rc == 1 and text.count("  REGRESSED\n") == 1,
      "the same drop with tight rounds is a regression (exit %d)" % rc)
# ours on the slow vCPU placement and virtio-user on the fast one: a drop is reported as such,
# not failed; and the table says so
def with_c2c(doc, ours_ns, theirs_ns):
    r = doc["scenarios"][0]["results"]
    r["net_vhost_vdpa"]["c2c_ns"], r["net_virtio_user"]["c2c_ns"] = ours_ns, theirs_ns
    return doc


rc, text = compare_docs(with_c2c(rate_doc([6.8, 6.9, 7.0, 7.1, 7.2], vu), 310.0, 82.0),
                        with_c2c(rate_doc([9.8, 9.9, 10.0, 10.1, 10.2], vu), 80.0, 84.0))
check(rc == 0 and "lower (placement c2c 310 vs 82 ns: not gated)" in text and
      "ran on different vCPU placements" in text,
      "a drop with ours and virtio-user on different placements is not gated (exit %d)" % rc)
rc, text = compare_docs(with_c2c(rate_doc([6.8, 6.9, 7.0, 7.1, 7.2], vu), 300.0, 310.0),
                        with_c2c(rate_doc([9.8, 9.9, 10.0, 10.1, 10.2], vu), 80.0, 84.0))
check(rc == 1 and text.count("  REGRESSED\n") == 1,
      "... on the same placement (both slow) it is a regression (exit %d)" % rc)
rc, text = compare_docs(with_c2c(rate_doc([3.0, 3.1, 3.2, 3.3, 3.4], vu), 310.0, 82.0),
                        with_c2c(rate_doc([9.8, 9.9, 10.0, 10.1, 10.2], vu), 80.0, 84.0))
check(rc == 1 and text.count("  REGRESSED\n") == 1,
      "... and a drop larger than a placement can make (3.1x) is one even there (exit %d)" % rc)
# restart: legacy/persist falling (our legacy path got faster) does not gate beside virtio-user,
# whose cycle is code that does not change; it does where it is the only figure (4 GiB)
def restart_doc(comps):
    res = {c: {"median_us": us[2], "min_us": min(us), "max_us": max(us),
               "iotlb_msgs_per_cycle": 0.0, "trials": len(us), "trial_us": us}
           for c, us in comps.items()}
    return {"scenarios": [{"name": "restart-cycle", "kind": "restart", "results": res,
                           "ratios": {c: res[c]["median_us"] / res["vdpa-persist"]["median_us"]
                                      for c in comps if c != "vdpa-persist"}}]}


persist = [50.0, 51.0, 52.0, 53.0, 54.0]
rc, text = compare_docs(restart_doc({"vdpa-persist": persist, "vdpa-legacy": [250.0] * 5,
                                     "net_virtio_user": [200.0] * 5}),
                        restart_doc({"vdpa-persist": persist, "vdpa-legacy": [400.0] * 5,
                                     "net_virtio_user": [200.0] * 5}))
check(rc == 0 and "lower (our own method: not gated)" in text,
      "restart: a faster legacy cycle beside virtio-user is not a regression (exit %d)" % rc)
rc, text = compare_docs(restart_doc({"vdpa-persist": persist, "vdpa-legacy": [250.0] * 5}),
                        restart_doc({"vdpa-persist": persist, "vdpa-legacy": [400.0] * 5}))
check(rc == 1 and text.count("  REGRESSED\n") == 1,
      "... where legacy/persist is the only figure it gates (exit %d)" % rc)
# the ring ceiling: not gated beside virtio-user, gated where it is the only competitor
ring_then, ring_now = [700.0] * 5, [1000.0] * 5
rc, text = compare_docs(rate_doc([7.0] * 5, None, {"net_virtio_user": vu, "net_ring": ring_now}),
                        rate_doc([7.0] * 5, None, {"net_virtio_user": vu, "net_ring": ring_then}))
check(rc == 0 and "lower (ceiling: not gated)" in text,
      "a lower ratio to net_ring beside virtio-user is reported, not failed (exit %d)" % rc)
rc, text = compare_docs(rate_doc([7.0] * 5, None, {"net_ring": ring_now}),
                        rate_doc([7.0] * 5, None, {"net_ring": ring_then}))
check(rc == 1 and text.count("  REGRESSED\n") == 1,
      "... and fails where it is the only competitor (exit %d)" % rc)
# the order within a round rotates: over as many rounds as competitors, each runs first once
# and right after each other one once
loader = importlib.machinery.SourceFileLoader("vdpath_perf", perf)
vp = types.ModuleType(loader.name)
vp.__file__ = perf
loader.exec_module(vp)
comps = ["net_vhost_vdpa", "net_virtio_user", "net_ring"]
orders = [vp.round_order(comps, t) for t in range(6)]
follows = [(o[i - 1] if i else orders[t - 1][-1] if t else None, o[i])
           for t, o in enumerate(orders) for i in range(len(o))]
check(all(sorted(o) == sorted(comps) for o in orders) and
      sorted(o[0] for o in orders[:3]) == sorted(comps) and
      all(sum(1 for f in follows if f[1] == c and f[0] == "net_ring") >= 1
          for c in ("net_vhost_vdpa", "net_virtio_user")),
      "round order rotates: each competitor first once per cycle, each runs after net_ring (%s)"
      % orders[:3])
# a scenario file with a mistake is refused before anything runs, naming the key
for text_in, want in (("frame = abc", "frame = abc: not an integer"),
                      ("fram = 64", "unknown key fram"),
                      ("trials = 0", "trials = 0: at least 1"),
                      ("competitors = net_foo", "net_foo is not one of"),
                      ("frame = 9000", "frame = 9000: at most 1514")):
    conf = os.path.join(out, "bad.conf")
    open(conf, "w").write("[io-bad]\nkind = rate\n%s\n" % text_in)
    rc, text = run("--scenarios", conf, "--out", out)
    check(rc == 1 and want in text and "Traceback" not in text,
          "scenario '%s' refused: %s (exit %d)" % (text_in, want, rc))
# a memory event that grows by a factor but by less than a microsecond is noise, not a cost
# that scales with the memory mapped; by a factor and by microseconds it is a regression
def memevent_doc(small_us, large_us):
    res = {"net_vhost_vdpa @ %d MiB" % mib: {
        "median_us": us, "min_us": us, "max_us": us, "iotlb_msgs_per_cycle": 1.0,
        "device_median_us": 10.0, "trials": 1} for mib, us in ((1024, small_us), (4096, large_us))}
    return {"scenarios": [{"name": "memevent", "kind": "memevent", "results": res,
                           "ratios": {"net_vhost_vdpa @ 4096 MiB": large_us / small_us}}]}


rc, text = compare_docs(memevent_doc(0.5, 0.8), memevent_doc(0.6, 0.6))
check(rc == 0 and "not gated" in text and "REGRESSED" not in text,
      "a memory event 0.5 -> 0.8 us from 1 to 4 GiB is reported, not failed (exit %d)" % rc)
rc, text = compare_docs(memevent_doc(0.5, 8.0), memevent_doc(0.6, 0.6))
check(rc == 1 and text.count("  REGRESSED\n") == 1,
      "... 0.5 -> 8 us is a regression (exit %d)" % rc)
bad = os.path.join(out, "not-results.json")
json.dump({"suite": "quick"}, open(bad, "w"))
rc, text = run("--compare-only", os.path.join(out, "results.json"), "--baseline", bad,
               "--out", out)
check(rc == 1 and "no \"scenarios\" list" in text and "Traceback" not in text,
      "a baseline that is not a results file is refused with a clear error (exit %d)" % rc)
print("perf: %s" % ("FAIL" if failures else "PASS"))
sys.exit(1 if failures else 0)
