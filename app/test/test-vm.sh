#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test-vm.sh SRCDIR BUILDDIR - lib/vdpa conformance and vdpath-info on the real kernel.
set -uo pipefail
src=$1
build=$2
if [ "${VDPATH_SKIP_VM:-0}" = 1 ]; then
	echo "SKIP: VDPATH_SKIP_VM=1"
	exit 77
fi
exec bash "$src/buildtools/vm/run-vm.sh" --build "$build" --bin app/test/test_vdp_dev -- \
	"$src/buildtools/vm/steps/bring-up.cmds" "$src/buildtools/vm/steps/conformance.cmds"
