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
set +e
timeout -s INT -k 10 "$((seconds + 3))" "$sim" --mode "$mode" --stats "$stats" -- \
	dpdk-testpmd -l 0-1 --no-pci --iova-mode=va --in-memory --log-level=user1,notice \
	--vdev net_virtio_user0,path=/dev/vhost-vdpa-0,queue_size=256 -- \
	--forward-mode=io --tx-first --stats-period 1 --nb-cores=1 --rxd=256 --txd=256 \
	</dev/null >"$out" 2>&1
rc=$?
set -e
awk '/Rx-pps:/ { n++; rx = $2; tx = $4 }
     /Tx-pps:/ { tx = $2; printf "  t=%2ds  rx %6.2f Mpps  tx %6.2f Mpps\n", n, rx / 1e6, tx / 1e6 }' "$out"
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
