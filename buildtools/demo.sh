#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# demo.sh BUILD - the main job until the vdpath PMD lands: bring a simulated vhost-vdpa device up
# with vdpath-info, then forward traffic through it with Debian's dpdk-testpmd
# (net_virtio_user) and print the packet rate every second.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build}
cd "$top"
sim=$build/app/vdpath-sim/vdpath-sim
info=$build/app/vdpath-info/vdpath-info
seconds=${VDPATH_DEMO_SECONDS:-10}
mode=${VDPATH_DEMO_MODE:-poll}
stats=$(mktemp /tmp/vdpath-demo-stats.XXXXXX.json)
out=$(mktemp /tmp/vdpath-demo-testpmd.XXXXXX.log)
trap 'rm -f "$stats" "$out"' EXIT

echo "== vdpath-sim: one simulated vhost-vdpa device (Linux 6.12 + vdpa_sim_net personality)"
"$sim" -- "$info" --bring-up /dev/vhost-vdpa-0
echo
echo "== forwarding: dpdk-testpmd io forwarding over net_virtio_user on /dev/vhost-vdpa-0"
echo "   (device in $mode mode, loopback: every frame sent comes back), ${seconds} s"
# vdpa_sim's receive filter drops frames not addressed to the device MAC: give the device a
# MAC and point testpmd's peer at it. The first stats block marks the start of forwarding.
mac=02:00:00:00:00:01
prefix=vdpdemo$$
"$sim" --mode "$mode" --mac "$mac" --stats "$stats" -- \
	dpdk-testpmd -l 0-1 --no-pci --iova-mode=va --file-prefix="$prefix" -m 256 \
	--huge-unlink --no-telemetry --log-level=user1,notice \
	--vdev net_virtio_user0,path=/dev/vhost-vdpa-0,queue_size=256 -- \
	--forward-mode=io --tx-first --eth-peer=0,"$mac" --stats-period 1 --nb-cores=1 \
	--total-num-mbufs=16384 </dev/null >"$out" 2>&1 &
pid=$!
deadline=$((SECONDS + 60))
while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
	[ "$(grep -c 'Port statistics' "$out")" -gt "$seconds" ] && break
	sleep 0.2
done
kill -INT "$pid" 2>/dev/null
set +e
wait "$pid"
rc=$?
set -e
rm -rf "/var/run/dpdk/$prefix"
# testpmd's first stats block has no previous sample (its rates read 0): skip it.
awk '/Rx-pps:/ { n++; rx = $2 }
     /Tx-pps:/ && n > 1 { printf "  t=%2ds  rx %6.2f Mpps  tx %6.2f Mpps\n", n - 1, rx / 1e6, $2 / 1e6 }' "$out"
if ! grep -q 'Accumulated forward statistics' "$out"; then
	echo "demo: testpmd did not finish cleanly (exit $rc); its output:" >&2
	tail -30 "$out" >&2
	exit 1
fi
echo
sed -n '/Accumulated forward statistics/,/^ *+\++ *$/p' "$out" | head -8
python3 - "$stats" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["devices"][0]
q = d["queues"]
print("== vdpath-sim counters: %s, %d IOTLB updates, %d invalidates, %d batches, "
      "%d resets, %d kicks, %d DMA faults" % (d["path"], d["iotlb"]["updates"],
      d["iotlb"]["invalidates"], d["iotlb"]["batches"], d["resets"], d["kicks"], d["dma_faults"]))
for e in q:
    if e["packets"]:
        print("   vq%d: %d packets, %d bytes" % (e["index"], e["packets"], e["bytes"]))
PY
