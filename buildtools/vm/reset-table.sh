#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# reset-table.sh [BUILDDIR] - time port stop/start and reconfigure cycles on the real Linux 6.12
# vhost_vdpa + vdpa_sim_net (QEMU guest, use_va=1 and 0) for net_vhost_vdpa and DPDK's
# net_virtio_user, and print the table as Markdown (doc/reset-cycles.md holds a run of it).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
build=${1:-$top/build}
work=$(mktemp -d /tmp/vdpath-reset-table.XXXXXX)
trap 'rm -rf "$work"' EXIT

# name | vdev ($VDPA_DEV expands in the guest)
configs=(
	'vdpa-suspend|net_vhost_vdpa0,path=$VDPA_DEV'
	'vdpa-reset-persist|net_vhost_vdpa0,path=$VDPA_DEV,suspend=off,persist=auto'
	'vdpa-reset-legacy|net_vhost_vdpa0,path=$VDPA_DEV,suspend=off,persist=off'
	'virtio-user|net_virtio_user0,path=$VDPA_DEV,queue_size=256,mac=$VDPA_MAC'
)
template=$(grep '^@FOR_EACH@' "$here/steps/reset-table.cmds" | sed 's/^@FOR_EACH@ //')
{
	for c in "${configs[@]}"; do
		name=${c%%|*}
		vdev=${c#*|}
		for mem in 128 384; do
			for kind in restart mtu; do
				mtu=
				[ "$kind" = mtu ] && mtu='--restart-mtu 1400'
				line=${template//@VDEV@/$vdev}
				line=${line//@MEM@/$mem}
				line=${line//@MTU@/$mtu}
				echo "t.$name.$mem.$kind $line"
			done
		done
	done
} >"$work/steps.cmds"
start=$(date +%s)
bash "$here/run-vm.sh" --build "$build" --dpdk --bin app/vdpath-fwd/vdpath-fwd -- \
	"$work/steps.cmds" >"$work/vm.log" 2>&1 || {
	tail -40 "$work/vm.log" >&2
	echo "reset-table: the guest run failed (log above)" >&2
	exit 1
}
echo "<!-- reset-table.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
	"$(awk '/model name/ { $1 = $2 = $3 = ""; print; exit }' /proc/cpuinfo | sed 's/^ *//')," \
	"guest run $(( $(date +%s) - start )) s -->"
python3 - "$work/vm.log" <<'PY'
import re, sys
log = open(sys.argv[1], errors="replace").read()
# Each step's output sits between VM-BEGIN name@round and VM-STEP name@round.
res = {}
for m in re.finditer(r"VM-BEGIN (t\.[^@]+)@(va[01]):.*?\n(.*?)VM-STEP \1@\2 (PASS|FAIL)", log, re.S):
    name, rnd, out, verdict = m.groups()
    _, cfg, mem, kind = name.split(".")
    med = re.search(r"stop/start cycle: median ([0-9.]+) us, max ([0-9.]+) us", out)
    port = re.search(r"^port 0: rx (\d+) .*? lost (\d+) verify_errors (\d+) restarts (\d+)", out, re.M)
    upd = re.search(r"iotlb_update_msgs +(\d+)", out)
    inv = re.search(r"iotlb_invalidate_msgs +(\d+)", out)
    res[(cfg, rnd, mem, kind)] = dict(
        ok=verdict == "PASS", med=med and float(med.group(1)), max=med and float(med.group(2)),
        rx=port and int(port.group(1)), lost=port and int(port.group(2)),
        verr=port and int(port.group(3)), upd=upd and int(upd.group(1)),
        inv=inv and int(inv.group(1)))
cfgs = [("vdpa-suspend", "net_vhost_vdpa, stop = SUSPEND, start = RESUME"),
        ("vdpa-reset-persist", "net_vhost_vdpa suspend=off, reset with IOTLB_PERSIST"),
        ("vdpa-reset-legacy", "net_vhost_vdpa suspend=off persist=off, unmap/reset/remap"),
        ("virtio-user", "net_virtio_user (DPDK 22.11)")]
print("| PMD and stop method | use_va | mapped | stop/start median (max) | with MTU change median (max) | IOTLB UPDATE / INVALIDATE in 20 cycles | frames lost in 20 cycles | verified |")
print("|---|---|---|---|---|---|---|---|")
def cell(r):
    return "%.0f us (%.0f)" % (r["med"], r["max"]) if r and r["med"] is not None else "failed"
for cfg, desc in cfgs:
    for rnd in ("va1", "va0"):
        for mem in ("128", "384"):
            a, b = res.get((cfg, rnd, mem, "restart")), res.get((cfg, rnd, mem, "mtu"))
            iotlb = ("%d / %d" % (a["upd"], a["inv"])) if a and a["upd"] is not None else "n/a (no counters)"
            ok = "yes" if a and b and a["ok"] and b["ok"] and a["verr"] == 0 and b["verr"] == 0 else "NO"
            print("| %s | %s | %s MiB | %s | %s | %s | %s | %s |" % (
                desc, rnd[-1], mem, cell(a), cell(b), iotlb,
                a["lost"] if a and a["lost"] is not None else "?", ok))
PY
