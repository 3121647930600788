#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run-vm.sh - run commands against the real Linux vhost_vdpa + vdpa_sim_net in a QEMU guest.
#
# usage: run-vm.sh [options] -- GUEST_COMMANDS_FILE...
# See --help and doc/real-kernel.md. Exit status 0 only when every guest step passed.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail

VM_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_TOP=$(cd "$VM_HERE/../.." && pwd)
VM_CACHE=${VDPATH_VM_CACHE:-/var/cache/vdpath/vm}
VM_SUITE=${VDPATH_VM_SUITE:-bookworm-backports}
VM_FLAVOUR=${VDPATH_VM_FLAVOUR:-cloud-amd64}
VM_KPKG_VERSION=${VDPATH_VM_KVER:-}
VM_MAC=02:00:00:00:00:01
VM_BUILD=$VM_TOP/build
VM_EXTRA_BINS=()
VM_DPDK=0
VM_KEEP=0
VM_ROUNDS="1 0"
VM_HUGEPAGES=256
VM_MEM=2G
VM_SMP=2
VM_TIMEOUT=900
VM_STEP_TIMEOUT=300
VM_ACCEL=tcg
VM_CMDFILES=()

# shellcheck source=vm-kernel.sh
. "$VM_HERE/vm-kernel.sh"
# shellcheck source=vm-initramfs.sh
. "$VM_HERE/vm-initramfs.sh"

vm_log()
{
	printf '[vm %s] %s\n' "$(date +%T)" "$*" >&2
}

vm_die()
{
	vm_log "ERROR: $*"
	exit 1
}

vm_usage()
{
	cat <<-EOF
	usage: $(basename "$0") [options] -- GUEST_COMMANDS_FILE...
	Boots Debian's $VM_SUITE Linux 6.12 under QEMU with vhost_vdpa and vdpa_sim_net, creates
	vdpa0 (mac $VM_MAC, /dev/vhost-vdpa-0) and runs every command of the given files in the
	guest, once per vdpa_sim mode (use_va=1, then use_va=0).

	A commands file has one step a line, "NAME COMMAND...": NAME is [A-Za-z0-9_.-]+, COMMAND
	runs under the guest's busybox sh with PATH starting at /vdpath/bin (the programs copied
	in) and VDPA_DEV, VDPA_MAC, VDPA_USE_VA (1|0), VDPA_IOMMU (va|pa), VM_ROUND (va1|va0) set.
	'#' starts a comment line.

	options:
	  --build DIR        build tree to take the programs from (default: $VM_TOP/build);
	                     app/vdpath-info/vdpath-info from it is always copied in
	  --bin PATH         also copy this program (relative to --build, or absolute), with the
	                     shared libraries it needs; repeatable
	  --dpdk             also copy DPDK's PMD directory and the libraries its drivers need
	  --use-va 1|0|both  which vdpa_sim modes to run (default both)
	  --hugepages N      2 MiB hugepages reserved in the guest (default $VM_HUGEPAGES)
	  --mem SIZE         guest memory (default $VM_MEM)
	  --timeout S        kill the VM after S seconds (default $VM_TIMEOUT)
	  --step-timeout S   kill one guest step after S seconds (default $VM_STEP_TIMEOUT)
	  --accel A          tcg|kvm (default tcg: the tested path, no KVM needed; kvm runs
	                     -cpu host and needs a usable /dev/kvm)
	  --keep             keep the run directory (initramfs tree, image, console log)
	environment: VDPATH_VM_CACHE (default /var/cache/vdpath/vm), VDPATH_VM_KVER (pin the
	Debian kernel package version), VDPATH_VM_SUITE, VDPATH_VM_FLAVOUR (default cloud-amd64)
	EOF
}

vm_parse_args()
{
	while [ $# -gt 0 ]; do
		case $1 in
		--build) VM_BUILD=${2:?--build needs a directory}; shift ;;
		--bin) VM_EXTRA_BINS+=("${2:?--bin needs a path}"); shift ;;
		--dpdk) VM_DPDK=1 ;;
		--use-va)
			case ${2:-} in
			1|0) VM_ROUNDS=$2 ;;
			both) VM_ROUNDS="1 0" ;;
			*) vm_die "--use-va takes 1, 0 or both" ;;
			esac
			shift ;;
		--hugepages) VM_HUGEPAGES=${2:?}; shift ;;
		--mem) VM_MEM=${2:?}; shift ;;
		--timeout) VM_TIMEOUT=${2:?}; shift ;;
		--step-timeout) VM_STEP_TIMEOUT=${2:?}; shift ;;
		--accel) VM_ACCEL=${2:?}; shift ;;
		--keep) VM_KEEP=1 ;;
		-h|--help) vm_usage; exit 0 ;;
		--) shift; VM_CMDFILES=("$@"); break ;;
		*) vm_usage >&2; vm_die "unknown argument '$1'" ;;
		esac
		shift
	done
	[ ${#VM_CMDFILES[@]} -gt 0 ] || { vm_usage >&2; vm_die "no GUEST_COMMANDS_FILE after --"; }
}

# Normalises the commands files into "NAME<TAB>COMMAND" lines before anything slow runs, so
# a typo fails in a second rather than after the boot.
vm_steps_load()
{
	local f line name cmd n=0

	: >"$VM_RUN/steps"
	VM_STEP_NAMES=()
	for f in "${VM_CMDFILES[@]}"; do
		[ -r "$f" ] || vm_die "cannot read commands file $f"
		while IFS= read -r line || [ -n "$line" ]; do
			n=$((n + 1))
			line=${line#"${line%%[![:space:]]*}"}
			case $line in '' | '#'*) continue ;; esac
			name=${line%%[[:space:]]*}
			cmd=${line#"$name"}
			cmd=${cmd#"${cmd%%[![:space:]]*}"}
			[[ $name =~ ^[A-Za-z0-9_.-]+$ ]] || vm_die "$f:$n: step name '$name' is not [A-Za-z0-9_.-]+"
			[ -n "$cmd" ] || vm_die "$f:$n: step $name has no command"
			case " ${VM_STEP_NAMES[*]} " in
			*" $name "*) vm_die "$f:$n: step name $name is used twice" ;;
			esac
			VM_STEP_NAMES+=("$name")
			printf '%s\t%s\n' "$name" "$cmd" >>"$VM_RUN/steps"
		done <"$f"
	done
	[ ${#VM_STEP_NAMES[@]} -gt 0 ] || vm_die "the commands files hold no step"
}

vm_bins_resolve()
{
	local b

	VM_BINS=("$VM_BUILD/app/vdpath-info/vdpath-info")
	for b in "${VM_EXTRA_BINS[@]}"; do
		case $b in
		/*) VM_BINS+=("$b") ;;
		*) VM_BINS+=("$VM_BUILD/$b") ;;
		esac
	done
	for b in "${VM_BINS[@]}"; do
		[ -x "$b" ] || vm_die "$b is not built; run: ninja -C $VM_BUILD ${b#"$VM_BUILD"/}"
	done
}

declare -A VM_PHASE_TIME
VM_PHASES=()

vm_phase()
{
	local name=$1 t0

	shift
	vm_log "=== phase $name"
	t0=$(date +%s.%N)
	"$@"
	VM_PHASE_TIME[$name]=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	VM_PHASES+=("$name")
	vm_log "=== phase $name: ${VM_PHASE_TIME[$name]} s"
}

vm_phase_times()
{
	local p out=

	for p in "${VM_PHASES[@]}"; do
		out+="$p=${VM_PHASE_TIME[$p]}s "
	done
	echo "$out"
}

# TCG is the default because it needs nothing from the host: with -cpu max under a nested
# KVM, QEMU 10 aborted on an MSR the host would not take.
vm_accel_pick()
{
	case $VM_ACCEL in
	tcg) VM_CPU=max ;;
	kvm)
		[ -r /dev/kvm ] && [ -w /dev/kvm ] || vm_die "--accel kvm: /dev/kvm is not usable"
		VM_CPU=host ;;
	*) vm_die "--accel takes tcg or kvm" ;;
	esac
}

vm_phase_boot()
{
	local qrc

	vm_accel_pick
	VM_CONSOLE=$VM_RUN/console.log
	vm_log "booting ($VM_ACCEL, $VM_SMP cpus, $VM_MEM, $VM_HUGEPAGES hugepages, timeout ${VM_TIMEOUT}s)"
	set +e
	# The console is the only channel back: kernel messages below error level stay in the
	# guest's dmesg so they do not split the result lines.
	timeout "$VM_TIMEOUT" qemu-system-x86_64 -accel "$VM_ACCEL" -cpu "$VM_CPU" -m "$VM_MEM" \
		-smp "$VM_SMP" -nographic -no-reboot -net none \
		-kernel "$VM_KDIR/root/boot/vmlinuz-$VM_KREL" -initrd "$VM_RUN/initrd.img" \
		-append "console=ttyS0 quiet panic=-1 hugepagesz=2M hugepages=$VM_HUGEPAGES" \
		</dev/null 2>&1 | sed -u 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g; s/\r//g' |
		tee "$VM_CONSOLE"
	qrc=${PIPESTATUS[0]}
	set -e
	cp "$VM_CONSOLE" "$VM_CACHE/last-console.log"
	[ "$qrc" = 124 ] && vm_log "QEMU killed after ${VM_TIMEOUT}s (--timeout)"
	[ "$qrc" = 0 ] || [ "$qrc" = 124 ] || vm_log "QEMU exited with status $qrc"
	return 0
}

# The output of one step, from its VM-BEGIN line to its result line; when long, the lines
# that say what failed (cmocka's ERROR/FAILED/LINE, VM-ERROR, error messages), then its end.
vm_step_output()
{
	local all

	all=$(awk -v n="$1" '
		index($0, "VM-BEGIN " n ":") == 1 || $0 == "VM-BEGIN " n { on = 1 }
		on { print }
		on && index($0, "VM-STEP " n " ") { exit }' "$VM_CONSOLE")
	[ -n "$all" ] || return 0
	if [ "$(echo "$all" | wc -l)" -le 25 ]; then
		echo "$all" | sed 's/^/    /'
		return 0
	fi
	echo "  what failed:"
	echo "$all" | grep -E '\[  (ERROR|FAILED) |\[   LINE |VM-ERROR|FAIL|[Ee]rror|failed' |
		head -n 30 | sed 's/^/    /' || true
	echo "  last lines:"
	echo "$all" | tail -n 15 | sed 's/^/    /'
}

# Every expected step must report: a guest that crashed or hung leaves the rest missing, and
# those count as failures.
vm_report()
{
	local expected=(modules) r s line out passed=0 failed=0 failnames=()

	for r in $VM_ROUNDS; do
		expected+=("setup@va$r")
		for s in "${VM_STEP_NAMES[@]}"; do
			expected+=("$s@va$r")
		done
	done
	expected+=(kernel-log)
	echo "---- guest steps ----"
	for s in "${expected[@]}"; do
		line=$(grep -o "VM-STEP $s \(PASS\|FAIL\) rc=[0-9]* time=[0-9.]*" "$VM_CONSOLE" |
			head -1 || true)
		if [ -z "$line" ]; then
			printf '  %-36s MISSING (the guest never reported it)\n' "$s"
			failed=$((failed + 1))
			failnames+=("$s")
		elif [[ $line == *" PASS "* ]]; then
			printf '  %-36s %s\n' "$s" "${line#VM-STEP "$s" }"
			passed=$((passed + 1))
		else
			printf '  %-36s %s\n' "$s" "${line#VM-STEP "$s" }"
			failed=$((failed + 1))
			failnames+=("$s")
		fi
	done
	vm_log "phase times: $(vm_phase_times)"
	if [ "$failed" -gt 0 ]; then
		for s in "${failnames[@]}"; do
			out=$(vm_step_output "$s")
			[ -n "$out" ] || continue
			echo "---- output of failed step $s ----"
			echo "$out"
		done
		grep -E 'Kernel panic|BUG:|Oops' "$VM_CONSOLE" >/dev/null &&
			vm_log "the guest kernel crashed; see the console log"
		echo "---- tail of the guest console ($VM_CACHE/last-console.log) ----"
		tail -n 40 "$VM_CONSOLE"
		echo "vm: FAILED: ${failnames[*]}"
	fi
	echo "vm: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

vm_cleanup()
{
	[ -n "${VM_RUN:-}" ] || return 0
	if [ "$VM_KEEP" = 1 ]; then
		vm_log "kept the run directory $VM_RUN"
	else
		rm -rf "$VM_RUN"
	fi
}

# One VM at a time on a machine, and one writer of the cache: a second run waits here.
vm_lock()
{
	exec 9>"$VM_CACHE/lock"
	if ! flock -n 9; then
		vm_log "another run-vm.sh holds $VM_CACHE/lock; waiting for it"
		flock 9
	fi
}

vm_main()
{
	local t0

	vm_parse_args "$@"
	[ "$(id -u)" = 0 ] || vm_die "run as root: it installs packages and writes $VM_CACHE"
	[ "$(dpkg --print-architecture)" = amd64 ] || vm_die "only amd64 hosts are supported"
	t0=$(date +%s)
	mkdir -p "$VM_CACHE"
	vm_lock
	# Under the lock no other run exists, so the pid names the run directory uniquely.
	VM_RUN=$VM_CACHE/run.$$
	rm -rf "$VM_RUN"
	mkdir -p "$VM_RUN"
	trap vm_cleanup EXIT
	vm_steps_load
	vm_bins_resolve
	vm_phase apt vm_phase_apt
	vm_phase download vm_phase_download
	vm_phase modules vm_phase_modules
	vm_phase initramfs vm_phase_initramfs
	vm_phase boot vm_phase_boot
	vm_log "total $(($(date +%s) - t0)) s"
	vm_report
}

vm_main "$@"
