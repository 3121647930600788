#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test-vm.sh SRCDIR BUILDDIR - on the real kernel (Linux 6.12 vhost_vdpa + vdpa_sim_net in a
# QEMU guest): vdpath-info, lib/vdpa conformance, and net_vhost_vdpa through vdpath-fwd
# (verified traffic, 20 stop/start cycles per persist/suspend setting) when the tree has it.
# One boot for all of them, both vdpa_sim modes (use_va=1 and 0).
set -uo pipefail
src=$1
build=$2
if [ "${VDPATH_SKIP_VM:-0}" = 1 ]; then
	echo "SKIP: VDPATH_SKIP_VM=1"
	exit 77
fi
args=(--build "$build" --bin app/test/test_vdp_dev)
cmds=("$src/buildtools/vm/steps/bring-up.cmds" "$src/buildtools/vm/steps/conformance.cmds")
if [ -x "$build/app/vdpath-fwd/vdpath-fwd" ]; then
	args+=(--dpdk --bin app/vdpath-fwd/vdpath-fwd)
	cmds+=("$src/buildtools/vm/steps/pmd.cmds")
else
	echo "note: $build has no vdpath-fwd (DPDK parts not built): the PMD steps are left out"
fi
exec bash "$src/buildtools/vm/run-vm.sh" "${args[@]}" -- "${cmds[@]}"
