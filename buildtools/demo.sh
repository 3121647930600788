#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# demo.sh [BUILDDIR] - the forwarding demo (make demo).
#
# vdpath-sim makes /dev/vhost-vdpa-0 exist (a Linux 6.12 vdpa_sim_net with IOTLB_PERSIST);
# vdpath-fwd forwards on it through the net_vhost_vdpa PMD: the device generates frames into
# the Rx ring, vdpath-fwd sends each one back (io forwarding), and the port is stopped and
# started every few seconds. Per-second rates, then the IOTLB counters and the restarts.
# VDPATH_DEMO_SECONDS (default 10), VDPATH_DEMO_RESTART (seconds between restarts, default 2),
# VDPATH_DEMO_MODE (poll|notify, default poll).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-build}
cd "$top"
sim=$build/app/vdpath-sim/vdpath-sim
info=$build/app/vdpath-info/vdpath-info
fwd=$build/app/vdpath-fwd/vdpath-fwd
seconds=${VDPATH_DEMO_SECONDS:-10}
restart=${VDPATH_DEMO_RESTART:-2}
mode=${VDPATH_DEMO_MODE:-poll}
mac=02:00:00:00:00:01
stats=$(mktemp /tmp/vdpath-demo-sim.XXXXXX.json)
json=$(mktemp /tmp/vdpath-demo-fwd.XXXXXX.json)
trap 'rm -f "$stats" "$json"' EXIT

echo "== vdpath-sim: one simulated vhost-vdpa device (Linux 6.12 + vdpa_sim_net personality)"
"$sim" -- "$info" --bring-up /dev/vhost-vdpa-0
echo
echo "== vdpath-fwd: io forwarding on net_vhost_vdpa for ${seconds} s, port stop/start every" \
	"${restart} s (device in $mode mode, generating 64-byte frames)"
prefix=vdpdemo$$
set +e
"$sim" --mode "$mode" --traffic generator --mac "$mac" --stats "$stats" -- \
	"$fwd" -l 0-1 --no-pci --file-prefix="$prefix" -m 256 --huge-unlink --no-telemetry \
	--log-level=pmd.net.vhost_vdpa,notice \
	--vdev "net_vhost_vdpa0,path=/dev/vhost-vdpa-0" -- \
	--fwd=io --duration "$seconds" --stats-period 1 --restart-every "$restart" \
	--json "$json" </dev/null
rc=$?
set -e
rm -rf "/var/run/dpdk/$prefix"
if [ "$rc" -ne 0 ]; then
	echo "demo: vdpath-fwd exited with status $rc" >&2
	exit 1
fi
echo
python3 - "$json" "$stats" <<'PY'
import json, sys
fwd = json.load(open(sys.argv[1]))
sim = json.load(open(sys.argv[2]))["devices"][0]
for p in fwd["ports"]:
    x = p["xstats"]
    print("== port %d: %.2f Mpps forwarded (rx %d, tx %d), %d restarts survived, "
          "%.0f cycles/packet" % (p["port"], p["rx_mpps"], p["rx_packets"], p["tx_packets"],
                                  p["restarts"], fwd["cycles_per_packet"]))
    print("   IOTLB: persist %s, %d UPDATE and %d INVALIDATE messages in %d batches, "
          "%d entries holding %d MiB" % ("acked" if x["iotlb_persist"] else "not acked",
          x["iotlb_update_msgs"], x["iotlb_invalidate_msgs"], x["iotlb_batches"],
          x["iotlb_entries"], x["iotlb_mapped_bytes"] >> 20))
    print("   device: %d starts, %d suspends, %d resumes, %d resets; a stop/start cycle "
          "sent %s IOTLB messages" % (x["device_starts"], x["device_suspends"],
          x["device_resumes"], x["device_resets"],
          "no" if x["iotlb_update_msgs"] <= 1 and x["iotlb_invalidate_msgs"] == 0 else "some"))
print("== vdpath-sim saw: %d IOTLB updates, %d invalidates, %d resets (the last at close), "
      "%d DMA faults" % (sim["iotlb"]["updates"], sim["iotlb"]["invalidates"], sim["resets"],
                         sim["dma_faults"]))
PY
