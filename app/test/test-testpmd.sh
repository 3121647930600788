#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test-testpmd.sh LAUNCHER OUTDIR "SIM OPTIONS" "EXTRA DEVARGS"
#
# Debian's unmodified dpdk-testpmd drives /dev/vhost-vdpa-0 of vdpath-sim through DPDK's own
# virtio-user PMD (io forwarding, --tx-first, one port forwarding to itself over the
# simulator's loopback). Passes when testpmd's forward statistics and the simulator's stats
# file both count packets in each direction and the device recorded no DMA fault.
# testpmd is stopped with SIGINT $VDP_TESTPMD_SECONDS (default 3) seconds after it starts
# forwarding.
# Exit 77 (meson: SKIP) when dpdk-testpmd is not installed.
set -u
launcher=$1
outdir=$2
sim_opts=$3
devargs=$4
run_seconds=${VDP_TESTPMD_SECONDS:-3}
# vdpa_sim's receive filter drops unicast frames not sent to the device's MAC (spec §8.4), so
# the device gets a MAC and testpmd's --tx-first burst is addressed to it.
dev_mac=02:00:00:00:00:01

testpmd=$(command -v dpdk-testpmd) || { echo "SKIP: dpdk-testpmd is not on PATH"; exit 77; }
mkdir -p "$outdir" || exit 1
stats=$outdir/stats.json
log=$outdir/testpmd.log
rm -f "$stats" "$log"

# Distinct file prefix per run so that two tests can share the machine; --huge-unlink so that
# no hugepage file outlives testpmd (the mapping stays file-backed and MAP_SHARED, which a
# VA-mode vhost-vdpa needs). A small mbuf pool keeps EAL start-up short.
prefix=vdpt$$
# shellcheck disable=SC2086 # sim_opts is a list of options
"$launcher" --stats "$stats" --mac "$dev_mac" $sim_opts -- \
	"$testpmd" -l 0-1 --no-pci --iova-mode=va --file-prefix="$prefix" -m 256 \
	--huge-unlink --no-telemetry \
	--vdev "net_virtio_user0,path=/dev/vhost-vdpa-0,queue_size=256$devargs" -- \
	--forward-mode=io --tx-first --eth-peer=0,"$dev_mac" --stats-period 1 --nb-cores=1 \
	--total-num-mbufs=16384 >"$log" 2>&1 &
pid=$!	# the launcher execs testpmd: same process

# Forwarding has started once testpmd prints port statistics (one block per second): let it
# forward for run_seconds, then stop it with SIGINT as a user would.
deadline=$((SECONDS + 90))
while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
	[ "$(grep -c 'Port statistics' "$log")" -gt "$run_seconds" ] && break
	sleep 0.2
done
kill -INT "$pid" 2>/dev/null
for _ in $(seq 1 150); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.2
done
if kill -0 "$pid" 2>/dev/null; then
	echo "testpmd did not exit within 30 s of SIGINT: killing it"
	kill -KILL "$pid" 2>/dev/null
fi
wait "$pid"
rc=$?
# Hugepage files outlive the process unless unlinked; never leave any behind.
rm -f /dev/hugepages/"$prefix"map_* 2>/dev/null
rm -rf "/var/run/dpdk/$prefix"
echo "vdpath-sim $sim_opts, devargs '$devargs': testpmd exit status $rc"

failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# 0, or 130 when testpmd re-raises SIGINT after its clean-up
if [ "$rc" -ne 0 ] && [ "$rc" -ne 130 ]; then
	fail "testpmd exit status $rc (0 or 130 after SIGINT expected)"
fi
if [ "$(grep -c 'Port statistics' "$log")" -le "$run_seconds" ]; then
	fail "testpmd did not forward for $run_seconds s (see $log)"
fi

# The last "Accumulated forward statistics" block printed at exit.
read -r rx tx < <(awk '
	/Accumulated forward statistics/ { acc = 1; next }
	acc && /RX-packets:/ { rx = $2 }
	acc && /TX-packets:/ { tx = $2; acc = 0 }
	END { print (rx == "" ? -1 : rx), (tx == "" ? -1 : tx) }' "$log")
echo "testpmd forward statistics: RX-packets $rx, TX-packets $tx"
[ "$rx" -gt 0 ] 2>/dev/null || fail "testpmd RX-packets is $rx, want > 0"
[ "$tx" -gt 0 ] 2>/dev/null || fail "testpmd TX-packets is $tx, want > 0"

if [ ! -s "$stats" ]; then
	fail "no stats file $stats written at exit"
else
	python3 - "$stats" <<'PY' || failures=$((failures + 1))
import json, sys
doc = json.load(open(sys.argv[1]))
dev = [d for d in doc["devices"] if d["path"] == "/dev/vhost-vdpa-0"]
if not dev:
    print("FAIL: no /dev/vhost-vdpa-0 in the stats file")
    sys.exit(1)
dev = dev[0]
q = {x["index"]: x for x in dev["queues"]}
rx = q.get(0, {}).get("packets", 0)
tx = q.get(1, {}).get("packets", 0)
print("vdpath-sim stats: rx packets %d, tx packets %d, dma_faults %d, iotlb updates %d"
      % (rx, tx, dev["dma_faults"], dev["iotlb"]["updates"]))
bad = []
if rx <= 0:
    bad.append("RX queue 0 counted no packets")
if tx <= 0:
    bad.append("TX queue 1 counted no packets")
if dev["dma_faults"] != 0:
    bad.append("%d DMA faults" % dev["dma_faults"])
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
PY
fi

if [ "$failures" -ne 0 ]; then
	echo "--- last 40 lines of $log"
	tail -n 40 "$log"
	exit 1
fi
echo "PASS"
