#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""net_vhost_vdpa under vdpath-sim: one test case per invocation.

usage: pmd_test.py BUILDDIR OUTDIR CASE

Each case starts vdpath-sim around a DPDK program (vdpath-fwd, or Debian's dpdk-testpmd with
-d), reads vdpath-fwd's --json and the simulator's --stats file, and asserts on both. Exit 0
pass, 1 fail (the reasons printed), 77 skip (too few free hugepages, no PMD, no testpmd).
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

MAC = "02:00:00:00:00:01"
DEV = "/dev/vhost-vdpa-0"


class Fail(Exception):
    pass


def stop(p, grace=30):
    """SIGINT as a user would, then SIGKILL after grace seconds; returns the exit status."""
    p.send_signal(signal.SIGINT)
    try:
        return p.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


class Run:
    """One simulator + program run and what it left behind."""

    def __init__(self, rc, out, sim, fwd):
        self.rc, self.out, self.sim, self.fwd = rc, out, sim, fwd

    def port(self, i=0):
        return self.fwd["ports"][i]

    def x(self, name, i=0):
        return self.port(i)["xstats"][name]

    def dev(self):
        return self.sim["devices"][0]


class Env:
    def __init__(self, build, out, name):
        self.build, self.out, self.name = build, out, name
        self.sim = os.path.join(build, "app/vdpath-sim/vdpath-sim")
        self.fwd = os.path.join(build, "app/vdpath-fwd/vdpath-fwd")
        self.so = os.path.join(build, "drivers/net/vhost_vdpa/librte_net_vhost_vdpa.so")
        self.n = 0
        self.failures = []
        os.makedirs(out, exist_ok=True)

    def check(self, cond, what):
        if not cond:
            self.failures.append(what)
            print("FAIL: " + what)
        else:
            print("ok:   " + what)

    def eal(self, mem=256):
        self.n += 1
        prefix = "vdpt%d_%d" % (os.getpid(), self.n)
        return ["--no-pci", "-l", "0-1", "--file-prefix", prefix, "-m", str(mem),
                "--huge-unlink", "--no-telemetry"], prefix

    def run(self, sim_opts, prog, timeout=240):
        """Run prog under vdpath-sim; prog's output and both JSON files are collected."""
        self.n += 1
        stats = os.path.join(self.out, "sim%d.json" % self.n)
        fwdj = os.path.join(self.out, "fwd%d.json" % self.n)
        log = os.path.join(self.out, "run%d.log" % self.n)
        prog = [a.replace("@JSON@", fwdj) for a in prog]
        cmd = [self.sim, "--stats", stats] + sim_opts + ["--"] + prog
        for f in (stats, fwdj):
            if os.path.exists(f):
                os.unlink(f)
        print("$ " + " ".join(cmd), flush=True)
        with open(log, "w") as lf:
            p = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT)
            try:
                rc = p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                stop(p)
                raise Fail("timed out after %d s (log %s)" % (timeout, log))
        out = open(log, errors="replace").read()
        sim = json.load(open(stats)) if os.path.exists(stats) else None
        fwd = json.load(open(fwdj)) if os.path.exists(fwdj) else None
        return Run(rc, out, sim, fwd)

    def fwd_run(self, sim_opts, devargs="", fwd_opts=(), mem=256, timeout=240):
        eal, _ = self.eal(mem)
        prog = [self.fwd] + eal + ["--vdev", "net_vhost_vdpa0,path=" + DEV + devargs, "--",
                                   "--json", "@JSON@", "--stats-period", "0"] + list(fwd_opts)
        r = self.run(["--mac", MAC] + list(sim_opts), prog, timeout)
        if r.rc != 0 or r.fwd is None:
            print(r.out[-3000:])
        return r


# --- cases -------------------------------------------------------------------------------------

def verified(env, sim_opts, devargs, fwd_opts=(), seconds="1.5", mem=256):
    """txonly --verify on the loopback: traffic, no verify error, no DMA fault."""
    r = env.fwd_run(sim_opts, devargs, ["--fwd=txonly", "--verify", "--duration", seconds] +
                    list(fwd_opts), mem)
    env.check(r.rc == 0, "vdpath-fwd exit status 0 (got %d)" % r.rc)
    if r.fwd is None or r.sim is None:
        raise Fail("no JSON from vdpath-fwd or the simulator")
    p = r.port()
    env.check(p["rx_packets"] > 1000, "frames came back: rx %d" % p["rx_packets"])
    env.check(p["verify_errors"] == 0, "0 verify errors (got %d)" % p["verify_errors"])
    env.check(r.dev()["dma_faults"] == 0, "0 DMA faults (got %d)" % r.dev()["dma_faults"])
    return r


def case_verify(env, sim_opts, devargs, fwd_opts=()):
    verified(env, sim_opts, devargs, fwd_opts)


def case_queues(env, n):
    r = verified(env, ["--queue-pairs", str(n)], ",queues=%d" % n, ["--queues", str(n)])
    for q in range(n):
        env.check(r.x("rx_q%d_packets" % q) > 0, "Rx queue %d received (%d)" %
                  (q, r.x("rx_q%d_packets" % q)))
        sim_q = r.dev()["queues"][2 * q]["packets"]
        env.check(sim_q > 0, "simulator vq %d carried traffic (%d)" % (2 * q, sim_q))


def case_frame(env, size, packed=False):
    feats = "+MRG_RXBUF" + (",+RING_PACKED" if packed else "")
    r = verified(env, ["--features=" + feats, "--mtu", "9000"], ",packed=1" if packed else "",
                 ["--txpkts", str(size)], seconds="2", mem=512)
    mrg = r.x("rx_q0_mrg_bufs")
    if size + 12 > 2048:
        env.check(mrg > 0, "%d-byte frames arrived in merged buffers (%d)" % (size, mrg))
    else:
        env.check(mrg == 0, "%d-byte frames fit one buffer (mrg_bufs %d)" % (size, mrg))


FEATURE_BITS = {"IN_ORDER": 35, "RING_PACKED": 34, "INDIRECT_DESC": 28, "EVENT_IDX": 29,
                "MRG_RXBUF": 15}


def case_features(env, feats, devargs="", fwd_opts=()):
    """Ring features the device offers are negotiated and carry verified traffic."""
    extra = ["--mtu", "9000"] if "MRG_RXBUF" in feats else []
    r = verified(env, ["--features=" + ",".join("+" + f for f in feats)] + extra, devargs,
                 list(fwd_opts), mem=512)
    got = r.x("virtio_features")
    for f in feats:
        env.check(got >> FEATURE_BITS[f] & 1, "%s negotiated (features %#x)" % (f, got))


def case_hdr_slot(env):
    """Frames without headroom: with tx_hdr=inline the header comes from the queue's header
    slots; by default they go behind the shared zero header."""
    r = verified(env, [], ",tx_hdr=inline", ["--tx-headroom", "0"])
    env.check(r.x("tx_q0_hdr_fallback") == r.port()["tx_packets"] > 0,
              "every frame sent with a header slot (%d of %d)" %
              (r.x("tx_q0_hdr_fallback"), r.port()["tx_packets"]))
    r = verified(env, [], ",tx_hdr=inline", ["--tx-headroom", "0", "--txpkts", "1400"])
    env.check(r.x("tx_q0_hdr_fallback") > 0, "also for 1400-byte frames")
    r = verified(env, [], "", ["--tx-headroom", "0"])
    env.check(r.x("tx_q0_hdr_shared") == r.port()["tx_packets"] > 0 and
              r.x("tx_q0_hdr_fallback") == 0,
              "default: every frame behind the shared header (%d of %d, %d slots)" %
              (r.x("tx_q0_hdr_shared"), r.port()["tx_packets"], r.x("tx_q0_hdr_fallback")))


def forwarded(env, devargs, frame=64):
    """io forwarding of the device's loopback: every frame comes back at its length."""
    r = env.fwd_run(["--mode", "poll"], devargs, ["--fwd=io", "--tx-first", "--txpkts",
                                                   str(frame), "--duration", "1"])
    env.check(r.rc == 0, "vdpath-fwd io exit status 0 (got %d)" % r.rc)
    if r.fwd is None or r.sim is None:
        raise Fail("no JSON from vdpath-fwd or the simulator")
    p, d = r.port(), r.dev()
    env.check(p["rx_packets"] > 10000, "frames forwarded: rx %d" % p["rx_packets"])
    env.check(r.x("rx_q0_bytes") == frame * p["rx_packets"],
              "every frame came back at %d bytes (%d bytes in %d frames)" %
              (frame, r.x("rx_q0_bytes"), p["rx_packets"]))
    env.check(d["dma_faults"] == 0 and d["drops"]["tx_bad_chain"] == 0,
              "0 DMA faults, 0 bad chains (%d, %d)" % (d["dma_faults"],
                                                      d["drops"]["tx_bad_chain"]))
    return r


def case_tx_hdr(env):
    """Where Tx headers come from: tx_hdr=shared, inline, and the default per frame."""
    r = verified(env, [], ",tx_hdr=shared")
    env.check(r.x("tx_q0_hdr_shared") == r.port()["tx_packets"] > 0,
              "shared: every frame behind the zero header, verified (%d of %d)" %
              (r.x("tx_q0_hdr_shared"), r.port()["tx_packets"]))
    r = verified(env, [], ",tx_hdr=shared", ["--txpkts", "1400"])
    env.check(r.x("tx_q0_hdr_shared") == r.port()["tx_packets"] > 0, "shared: 1400 B too")
    r = verified(env, ["--features=+CSUM,+GUEST_CSUM"], ",tx_hdr=shared", ["--tx-cksum"])
    env.check(r.x("tx_q0_hdr_shared") == 0 and
              r.port()["rx_l4_cksum_good"] == r.port()["rx_packets"],
              "shared: frames asking for offload carry their own header (%d shared, %d of %d "
              "checksums good)" % (r.x("tx_q0_hdr_shared"), r.port()["rx_l4_cksum_good"],
                                   r.port()["rx_packets"]))
    r = verified(env, [], "")
    env.check(r.x("tx_q0_hdr_shared") == 0,
              "default: frames the application built go inline (%d shared)" %
              r.x("tx_q0_hdr_shared"))
    r = forwarded(env, "")
    sent, shared = r.port()["tx_packets"], r.x("tx_q0_hdr_shared")
    env.check(sent - 32 <= shared < sent,
              "default: every forwarded frame behind the shared header, the first burst "
              "inline (%d of %d)" % (shared, sent))
    r = forwarded(env, ",tx_hdr=inline", 1514)
    env.check(r.x("tx_q0_hdr_shared") == 0, "inline: none shared (%d)" %
              r.x("tx_q0_hdr_shared"))


def case_doorbell(env, mode):
    if mode == "mmap":
        r = verified(env, ["--doorbell", "on"], ",doorbell=mmap")
    else:
        r = verified(env, ["--doorbell", "on"], ",doorbell=eventfd")
    kicks = r.x("tx_q0_kicks") + r.x("rx_q0_kicks")
    env.check(kicks > 0, "the PMD kicked (%d)" % kicks)


def case_cycles(env, personality, devargs, restarts=100):
    """Port stop/start cycles under verified traffic; the PMD's and the device's counts agree."""
    r = env.fwd_run(["--personality", personality], devargs,
                    ["--fwd=txonly", "--verify", "--restart-every", "0.02", "--restarts",
                     str(restarts)], timeout=400)
    env.check(r.rc == 0, "vdpath-fwd exit status 0 (got %d)" % r.rc)
    if r.fwd is None or r.sim is None:
        raise Fail("no JSON")
    p, d = r.port(), r.dev()
    x = p["xstats"]
    env.check(p["restarts"] == restarts, "%d restarts (got %d)" % (restarts, p["restarts"]))
    env.check(p["verify_errors"] == 0, "0 verify errors (got %d)" % p["verify_errors"])
    env.check(p["rx_packets"] > restarts * 32,
              "traffic through the cycles: rx %d" % p["rx_packets"])
    env.check(d["dma_faults"] == 0, "0 DMA faults (got %d)" % d["dma_faults"])
    persist = x["iotlb_persist"] == 1
    suspended = x["device_suspends"] > 0
    if suspended:
        env.check(x["device_suspends"] == restarts and x["device_resumes"] == restarts,
                  "every stop SUSPENDed, every start RESUMEd (%d/%d)" %
                  (x["device_suspends"], x["device_resumes"]))
        env.check(x["device_resets"] == 0, "no reset while cycling (%d)" % x["device_resets"])
    else:
        env.check(x["device_resets"] == restarts, "every stop reset the device (%d)" %
                  x["device_resets"])
        env.check(x["device_starts"] == restarts + 1, "every start brought it up (%d)" %
                  x["device_starts"])
    # no PERSIST and no RESUME (Linux 6.1) but SUSPEND acked: every unmap comes after a SUSPEND
    want = restarts if personality == "legacy61" and "suspend=off" not in devargs else 0
    env.check(x["unmap_suspends"] == want,
              "the device SUSPENDed before %d unmaps (got %d)" % (want, x["unmap_suspends"]))
    if persist or suspended:
        env.check(x["iotlb_update_msgs"] == 1 and x["iotlb_invalidate_msgs"] == 0,
                  "no IOTLB message after the first start (UPDATE %d, INVALIDATE %d)" %
                  (x["iotlb_update_msgs"], x["iotlb_invalidate_msgs"]))
    else:
        env.check(x["iotlb_invalidate_msgs"] == restarts and
                  x["iotlb_update_msgs"] == restarts + 1,
                  "unmap before every reset, map after (UPDATE %d, INVALIDATE %d)" %
                  (x["iotlb_update_msgs"], x["iotlb_invalidate_msgs"]))
    # The simulator counts to process exit, the JSON stops before the ports close: the port
    # runs at the end, so one more reset follows (the last stop, or the close after a
    # SUSPEND), with one more unmap group without PERSIST.
    close_reset = 1
    close_inval = 0 if persist else x["iotlb_entries"]
    env.check(d["iotlb"]["updates"] == x["iotlb_update_msgs"],
              "UPDATEs: PMD %d, device %d" % (x["iotlb_update_msgs"], d["iotlb"]["updates"]))
    env.check(d["iotlb"]["invalidates"] == x["iotlb_invalidate_msgs"] + close_inval,
              "INVALIDATEs: PMD %d (+%d at close), device %d" %
              (x["iotlb_invalidate_msgs"], close_inval, d["iotlb"]["invalidates"]))
    env.check(d["iotlb"]["batches"] == x["iotlb_batches"] + (1 if close_inval else 0),
              "batches: PMD %d, device %d" % (x["iotlb_batches"], d["iotlb"]["batches"]))
    env.check(d["resets"] == x["device_resets"] + close_reset,
              "resets: PMD %d (+%d at close), device %d" %
              (x["device_resets"], close_reset, d["resets"]))
    env.check(x["iotlb_failures"] == 0, "no IOTLB failure (%d)" % x["iotlb_failures"])
    # a reset keeps the kick eventfds bound: one SET_VRING_KICK per vq for the whole run
    binds = [q["kick_binds"] for q in d["queues"]]
    env.check(binds == [1] * len(binds), "each vq's kick bound once (%s)" % binds)


def case_hostile(env, sim_opts):
    """Invalid used elements: counted, survived, no corrupt frame delivered."""
    r = env.fwd_run(sim_opts, "", ["--fwd=txonly", "--verify", "--duration", "4",
                                   "--stats-period", "1"], mem=256)
    env.check(r.rc == 0, "vdpath-fwd exit status 0: no crash, no verify error (got %d)" % r.rc)
    if r.fwd is None:
        raise Fail("no JSON")
    p = r.port()
    x = p["xstats"]
    env.check(p["verify_errors"] == 0, "0 verify errors (got %d)" % p["verify_errors"])
    injected = r.dev()["bad_used_injected"]
    env.check(injected > 0, "the device injected faults (%d)" % injected)
    bad_id = x["rx_q0_bad_used_id"] + x["tx_q0_bad_used_id"]
    bad_len = x["rx_q0_bad_used_len"] + x["tx_q0_bad_used_len"]
    if "--bad-used-id" in sim_opts:
        env.check(bad_id > 0, "bad used ids counted (%d)" % bad_id)
        env.check(x["queue_recoveries"] > 0, "queues restarted (%d)" % x["queue_recoveries"])
    if "--bad-used-len" in sim_opts:
        env.check(bad_len > 0, "bad used lengths counted (%d)" % bad_len)
    env.check(bad_id + bad_len <= injected, "no more faults counted (%d) than injected (%d)" %
              (bad_id + bad_len, injected))
    # forwarding goes on: every per-second line after the first faults shows traffic
    rates = [float(m) for m in re.findall(r"^port 0: rx +([0-9.]+) Mpps", r.out, re.M)]
    env.check(len(rates) >= 3 and min(rates[1:]) > 0.01,
              "traffic every second until the end (Mpps %s)" % rates)


def case_lsc(env):
    """A flapping link: config interrupts become LSC events; frames flow while it is up."""
    r = env.fwd_run(["--link-flap", "300"], "", ["--fwd=txonly", "--verify", "--duration", "2"])
    env.check(r.rc == 0, "vdpath-fwd exit status 0 (got %d)" % r.rc)
    if r.fwd is None:
        raise Fail("no JSON")
    p, d = r.port(), r.dev()
    env.check(p["lsc_events"] >= 4, "LSC events reached the application (%d)" % p["lsc_events"])
    env.check(p["xstats"]["config_interrupts"] == d["config_interrupts"],
              "every config interrupt handled: PMD %d, device %d" %
              (p["xstats"]["config_interrupts"], d["config_interrupts"]))
    env.check(p["verify_errors"] == 0 and p["rx_packets"] > 1000,
              "verified traffic between the flaps (rx %d)" % p["rx_packets"])
    env.check(d["drops"]["link_down"] > 0, "the device dropped while down (%d)" %
              d["drops"]["link_down"])


def case_needs_reset(env):
    """NEEDS_RESET: the application is told, resets the port, and traffic goes on."""
    r = env.fwd_run(["--needs-reset-after", "1000000"], "",
                    ["--fwd=txonly", "--verify", "--duration", "3", "--stats-period", "0.5"])
    env.check(r.rc == 0, "vdpath-fwd exit status 0 (got %d)" % r.rc)
    if r.fwd is None:
        raise Fail("no JSON")
    p = r.port()
    env.check(p["reset_events"] >= 1, "RTE_ETH_EVENT_INTR_RESET reached the application (%d)" %
              p["reset_events"])
    # a request that comes in the run's last moments is not answered before the end
    env.check(p["recoveries"] >= p["reset_events"] - 1, "every request answered by a port "
              "reset but maybe the last (%d of %d)" % (p["recoveries"], p["reset_events"]))
    env.check(p["xstats"]["needs_reset_events"] == p["reset_events"],
              "the PMD counted them (%d)" % p["xstats"]["needs_reset_events"])
    env.check(p["verify_errors"] == 0, "0 verify errors (%d)" % p["verify_errors"])
    rates = [float(m) for m in re.findall(r"^port 0: rx +([0-9.]+) Mpps", r.out, re.M)]
    env.check(len(rates) >= 4 and rates[-1] > 0.01, "traffic after the resets (Mpps %s)" % rates)


def case_cksum(env):
    """UDP checksum offload: the header asks for it on Tx, the Rx side completes it."""
    r = verified(env, ["--features=+CSUM,+GUEST_CSUM"], "", ["--tx-cksum"])
    p = r.port()
    env.check(p["rx_l4_cksum_good"] == p["rx_packets"],
              "every frame received with a good L4 checksum (%d of %d; vdpath-fwd also "
              "recomputed each one)" % (p["rx_l4_cksum_good"], p["rx_packets"]))
    r = env.fwd_run([], "", ["--fwd=txonly", "--verify", "--tx-cksum", "--duration", "1"])
    env.check(r.rc != 0 and "--tx-cksum needs UDP checksum offload" in r.out,
              "without CSUM/GUEST_CSUM the port offers no checksum offload (exit %d)" % r.rc)


def case_ctrl(env):
    """The control queue: the port's MAC and promiscuous mode reach the device."""
    r = verified(env, ["--features=+CTRL_RX"], ",mac=02:00:00:00:00:09", ["--no-promisc"])
    d, x = r.dev(), r.port()["xstats"]
    # the simulator starts with MAC 02:00:00:00:00:01 and filters unicast frames by its MAC;
    # promiscuous mode is off: frames to the port's MAC pass only if MAC_ADDR_SET reached it
    env.check(d["cvq"]["commands"] >= 3 and d["cvq"]["ok"] == d["cvq"]["commands"],
              "control commands acked OK by the device (%s)" % d["cvq"])
    env.check(x["cvq_commands"] == d["cvq"]["commands"] and x["cvq_errors"] == 0,
              "the PMD counted the same commands (%d, %d errors)" %
              (x["cvq_commands"], x["cvq_errors"]))
    env.check(d["drops"]["rx_filtered"] == 0, "nothing filtered (%d)" % d["drops"]["rx_filtered"])
    # negative control: frames to a MAC the device does not have (differing in the first
    # byte: vdpa_sim compares with strncmp, which stops at the first zero byte both share)
    r = env.fwd_run(["--features=+CTRL_RX"], ",mac=02:00:00:00:00:09",
                    ["--fwd=txonly", "--verify", "--no-promisc", "--duration", "1",
                     "--eth-peer", "0,0a:11:22:33:44:55"])
    env.check(r.rc == 1 and r.dev()["drops"]["rx_filtered"] > 0,
              "control: frames to another MAC are filtered (exit %d, %d filtered)" %
              (r.rc, r.dev()["drops"]["rx_filtered"]))


def case_ctrl_restart(env):
    """Stop/start: what a reset lost is restored once; ethdev's replay sends nothing more."""
    # The first start sends MAC_ADDR_SET (the device has 02:..:01), PROMISC and ALLMULTI. A
    # reset cycle loses the Rx modes but not the MAC (vdpa_sim keeps its config space, and the
    # start compares it first): 2 commands. ethdev then replays the MAC and both modes to the
    # PMD after every start; the device holds them, so nothing more may go out. A SUSPEND
    # cycle loses nothing: 0.
    for devargs, restarts, per_cycle in ((",suspend=off", 4, 2), ("", 4, 0)):
        r = verified(env, ["--features=+CTRL_RX"], ",mac=02:00:00:00:00:09" + devargs,
                     ["--no-promisc", "--restart-every", "0.2", "--restarts", str(restarts)])
        p, d = r.port(), r.dev()
        env.check(p["restarts"] == restarts, "%d stop/start cycles (%d)" % (restarts,
                                                                             p["restarts"]))
        want = 3 + per_cycle * restarts
        env.check(d["cvq"]["commands"] == want and d["cvq"]["ok"] == want,
                  "%s: %d control commands, 3 at the first start and %d per cycle (device "
                  "saw %s)" % (devargs or "suspend", want, per_cycle, d["cvq"]))
        env.check(d["drops"]["rx_filtered"] == 0,
                  "the MAC stayed in force: nothing filtered (%d)" % d["drops"]["rx_filtered"])


def case_telemetry(env):
    """/vhost_vdpa/info and /vhost_vdpa/iotlb answer for our port and refuse others."""
    import socket
    eal, prefix = env.eal()
    eal.remove("--no-telemetry")
    stats = os.path.join(env.out, "tel-sim.json")
    cmd = [env.sim, "--stats", stats, "--mac", MAC, "--", env.fwd] + eal + \
        ["--vdev", "net_vhost_vdpa0,path=" + DEV, "--", "--fwd=txonly", "--duration", "6",
         "--stats-period", "0"]
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    log = open(os.path.join(env.out, "telemetry.log"), "w")
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    answers = {}
    try:
        deadline = time.time() + 60
        while not os.path.exists(path) and time.time() < deadline and p.poll() is None:
            time.sleep(0.1)
        time.sleep(1.5)
        for q in ("/vhost_vdpa/info,0", "/vhost_vdpa/iotlb,0", "/vhost_vdpa/info,7",
                  "/vhost_vdpa/info"):
            sk = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            sk.connect(path)
            sk.recv(4096)
            sk.send(q.encode())
            answers[q] = json.loads(sk.recv(65536).decode())
            sk.close()
    finally:
        rc = p.wait(timeout=60) if p.poll() is None else p.returncode
    print(json.dumps(answers, indent=1)[:3000])
    info = answers.get("/vhost_vdpa/info,0", {}).get("/vhost_vdpa/info", {})
    iotlb = answers.get("/vhost_vdpa/iotlb,0", {}).get("/vhost_vdpa/iotlb", {})
    env.check(rc == 0, "vdpath-fwd exit status 0 (%d)" % rc)
    env.check(isinstance(info, dict) and info.get("path") == DEV and info.get("state") == "running"
              and info.get("iotlb_persist") == 1, "info: path, running, persist")
    env.check(info.get("tx_hdr") == "frame",
              "info: tx_hdr=auto is frame without a PCI parent (%s)" % info.get("tx_hdr"))
    env.check(isinstance(iotlb, dict) and iotlb.get("update_msgs") == 1 and
              iotlb.get("entries") == 1 and len(iotlb.get("entries_list", [])) == 1,
              "iotlb: 1 UPDATE, 1 entry listed")
    env.check(answers.get("/vhost_vdpa/info,7", {}).get("/vhost_vdpa/info") is None,
              "a port that is not ours is refused")
    env.check(answers.get("/vhost_vdpa/info", {}).get("/vhost_vdpa/info") is None,
              "a missing port id is refused")


BAD_INPUT = [
    # (name, simulator options, devargs (None: no path), expected phrase)
    ("queues-0", [], ",queues=0", "devarg queues='0' is not valid"),
    ("queues-99", [], ",queues=99", "devarg queues='99' is not valid"),
    ("queue-size", [], ",queue_size=100", "devarg queue_size='100' is not valid"),
    ("persist", [], ",persist=maybe", "devarg persist='maybe' is not valid; accepted: auto, on, off"),
    ("packed", [], ",packed=2", "devarg packed='2' is not valid"),
    ("doorbell", [], ",doorbell=x", "devarg doorbell='x' is not valid"),
    ("tx-hdr", [], ",tx_hdr=none",
     "devarg tx_hdr='none' is not valid; accepted: auto, inline, shared, frame"),
    ("mac", [], ",mac=zz", "devarg mac='zz' is not valid"),
    ("mac-multicast", [], ",mac=01:00:00:00:00:01", "devarg mac='01:00:00:00:00:01' is not valid"),
    ("speed", [], ",speed=0", "devarg speed='0' is not valid"),
    ("unknown", [], ",foo=1", "unknown devarg 'foo'; the keys are"),
    ("no-path", [], None, "devarg path is required"),
    ("missing", [], "@/dev/vhost-vdpa-7", "no such vhost-vdpa device"),
    ("not-net", ["--device-id", "2"], "", "not virtio-net"),
    ("iova-range", ["--iova-range", "0x1000-0xfffff"], "", "lies outside the device IOVA range"),
    ("queues-2-on-1", [], ",queues=2", "queues=2 but the device has 1 queue pair"),
    ("packed-unoffered", [], ",packed=1", "packed=1 but the device does not offer RING_PACKED"),
    ("doorbell-refused", ["--doorbell", "off"], ",doorbell=mmap",
     "doorbell=mmap but the kernel refused to map the notify page"),
    ("persist-on-legacy", ["--personality", "legacy61"], ",persist=on",
     "persist=on but the device does not offer VHOST_BACKEND_F_IOTLB_PERSIST"),
]


def case_bad_input(env):
    for name, sim_opts, devargs, phrase in BAD_INPUT:
        print("--- %s" % name)
        eal, _ = env.eal()
        if devargs is None:
            vdev = "net_vhost_vdpa0"
        elif devargs.startswith("@"):
            vdev = "net_vhost_vdpa0,path=" + devargs[1:]
        else:
            vdev = "net_vhost_vdpa0,path=" + DEV + devargs
        r = env.run(sim_opts, [env.fwd] + eal + ["--vdev", vdev, "--", "--duration", "1"],
                    timeout=120)
        lines = [l for l in r.out.splitlines() if phrase in l]
        env.check(r.rc not in (0, 2) and r.rc < 128,
                  "%s: the run fails without a crash (exit %d)" % (name, r.rc))
        env.check(len(lines) == 1, "%s: one line says '%s' (%d found)" %
                  (name, phrase, len(lines)))
        env.check("AddressSanitizer" not in r.out and "runtime error" not in r.out,
                  "%s: no sanitizer report" % name)
        if len(lines) != 1 or r.rc in (0, 2):
            print(r.out[-2000:])
    # a busy device: the second port on the same path fails, the first keeps working
    print("--- busy")
    eal, _ = env.eal()
    r = env.run(["--mac", MAC], [env.fwd] + eal +
                ["--vdev", "net_vhost_vdpa0,path=" + DEV, "--vdev", "net_vhost_vdpa1,path=" + DEV,
                 "--", "--fwd=txonly", "--verify", "--duration", "1", "--json", "@JSON@"])
    env.check(r.out.count("is busy: it is already open") == 1,
              "busy: the second opener is told the device is busy")
    env.check(r.rc == 0 and r.fwd is not None and len(r.fwd["ports"]) == 1,
              "busy: the first port still forwards (exit %d)" % r.rc)


def case_testpmd(env):
    testpmd = shutil.which("dpdk-testpmd")
    if testpmd is None:
        print("SKIP: dpdk-testpmd is not installed")
        sys.exit(77)
    eal, prefix = env.eal()
    stats = os.path.join(env.out, "testpmd-sim.json")
    log = os.path.join(env.out, "testpmd.log")
    cmd = [env.sim, "--stats", stats, "--mac", MAC, "--", testpmd, "-d", os.path.abspath(env.so)] + \
        eal + ["--vdev", "net_vhost_vdpa0,path=" + DEV, "--", "--forward-mode=io", "--tx-first",
               "--eth-peer=0," + MAC, "--stats-period", "1", "--nb-cores=1",
               "--total-num-mbufs=16384"]
    print("$ " + " ".join(cmd), flush=True)
    with open(log, "w") as lf:
        p = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 90
        while time.time() < deadline and p.poll() is None:
            if open(log, errors="replace").read().count("Port statistics") > 3:
                break
            time.sleep(0.2)
        rc = stop(p)
    out = open(log, errors="replace").read()
    m = re.search(r"Accumulated forward statistics.*?RX-packets: (\d+).*?TX-packets: (\d+)", out, re.S)
    env.check(rc == 0, "testpmd exit status 0 (got %d)" % rc)
    env.check(m is not None and int(m.group(1)) > 10000 and int(m.group(2)) > 10000,
              "testpmd forwarded: %s" % (str(m.groups()) if m else "no forward statistics"))
    d = json.load(open(stats))["devices"][0]
    env.check(d["queues"][0]["packets"] > 10000 and d["queues"][1]["packets"] > 10000,
              "the device counted Rx %d and Tx %d" % (d["queues"][0]["packets"],
                                                     d["queues"][1]["packets"]))
    env.check(d["dma_faults"] == 0, "0 DMA faults")
    if env.failures:
        print(out[-3000:])


CASES = {
    "testpmd": case_testpmd,
    "verify-split": lambda e: case_verify(e, [], ""),
    "verify-packed": lambda e: case_verify(e, ["--features=+RING_PACKED"], ",packed=1"),
    "verify-poll": lambda e: case_verify(e, ["--mode", "poll"], ""),
    "verify-notify": lambda e: case_verify(e, ["--mode", "notify"], ""),
    "verify-doorbell": lambda e: case_doorbell(e, "mmap"),
    "verify-eventfd": lambda e: case_doorbell(e, "eventfd"),
    "verify-hdr-slot": case_hdr_slot,
    "tx-hdr": case_tx_hdr,
    "verify-in-order": lambda e: case_features(e, ["IN_ORDER"]),
    "verify-packed-in-order": lambda e: case_features(e, ["RING_PACKED", "IN_ORDER"], ",packed=1"),
    "verify-indirect": lambda e: case_features(e, ["INDIRECT_DESC", "MRG_RXBUF"], "",
                                               ["--txpkts", "4000"]),
    "verify-event-idx": lambda e: case_features(e, ["EVENT_IDX"]),
    "verify-packed-event-idx": lambda e: case_features(e, ["RING_PACKED", "EVENT_IDX"],
                                                       ",packed=1"),
    "verify-queues-2": lambda e: case_queues(e, 2),
    "verify-queues-4": lambda e: case_queues(e, 4),
    "verify-frame-64": lambda e: case_frame(e, 64),
    "verify-frame-1518": lambda e: case_frame(e, 1518),
    "verify-frame-4000": lambda e: case_frame(e, 4000),
    "verify-frame-9000": lambda e: case_frame(e, 9000),
    "verify-frame-9000-packed": lambda e: case_frame(e, 9000, packed=True),
    "cycles-persist-auto": lambda e: case_cycles(e, "persist", ""),
    "cycles-persist-off": lambda e: case_cycles(e, "persist", ",persist=off"),
    "cycles-persist-reset": lambda e: case_cycles(e, "persist", ",suspend=off"),
    "cycles-persist-off-reset": lambda e: case_cycles(e, "persist", ",persist=off,suspend=off"),
    "cycles-platform-auto": lambda e: case_cycles(e, "platform", ""),
    "cycles-platform-off": lambda e: case_cycles(e, "platform", ",persist=off,suspend=off"),
    "cycles-legacy61-auto": lambda e: case_cycles(e, "legacy61", ""),
    "cycles-legacy61-off": lambda e: case_cycles(e, "legacy61", ",persist=off"),
    "hostile-id": lambda e: case_hostile(e, ["--bad-used-id", "997"]),
    "hostile-len": lambda e: case_hostile(e, ["--bad-used-len", "1009"]),
    "hostile-both": lambda e: case_hostile(e, ["--bad-used-id", "997", "--bad-used-len", "1009"]),
    "bad-input": case_bad_input,
    "lsc": case_lsc,
    "cksum": case_cksum,
    "ctrl": case_ctrl,
    "ctrl-restart": case_ctrl_restart,
    "telemetry": case_telemetry,
    "needs-reset": case_needs_reset,
}


def free_hugepages():
    try:
        with open("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages") as f:
            return int(f.read())
    except OSError:
        return 0


def main():
    if len(sys.argv) != 4 or sys.argv[3] not in CASES:
        print(__doc__ + "\ncases: " + " ".join(CASES))
        return 2
    build, out, name = sys.argv[1:]
    env = Env(build, os.path.join(out, name), name)
    if not os.path.exists(env.so) or not os.path.exists(env.fwd):
        print("SKIP: the PMD or vdpath-fwd was not built")
        return 77
    if free_hugepages() < 256:
        print("SKIP: fewer than 256 free 2 MiB hugepages (%d)" % free_hugepages())
        return 77
    try:
        CASES[name](env)
    except Fail as e:
        env.failures.append(str(e))
        print("FAIL: " + str(e))
    print("%s: %s" % (name, "FAIL (%d)" % len(env.failures) if env.failures else "PASS"))
    return 1 if env.failures else 0


if __name__ == "__main__":
    sys.exit(main())
