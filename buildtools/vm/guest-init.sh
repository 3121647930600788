#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# guest-init.sh - PID 1 of the vdpath test VM (busybox sh), copied into the initramfs as /init.
#
# Reads /vm/env (written by run-vm.sh) and /vm/steps (one "NAME<TAB>COMMAND" a line). For each
# vdpa_sim mode in VM_ROUNDS (use_va=1: vhost-vdpa maps user VAs; use_va=0: it pins pages and
# maps physical addresses, as on real hardware) it creates the vDPA net device, runs every
# step, and prints one result line per step, which is all the host reads:
#   VM-STEP NAME@vaN PASS|FAIL rc=N time=S
# A step that fails does not stop the round; a round whose device cannot be created reports
# each of its steps as failed with rc=255.

export PATH=/vdpath/bin:/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/tmp
VM_DEV=/dev/vhost-vdpa-0

vm_mount()
{
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev
	# /tmp and /run stay on the writable initramfs root: a tmpfs there would hide programs
	# copied in from host paths under /tmp.
	mkdir -p /dev/hugepages /dev/shm
	mount -t hugetlbfs hugetlbfs /dev/hugepages
	mount -t tmpfs tmpfs /dev/shm
}

# Centiseconds since boot: busybox date has no sub-second format.
vm_now()
{
	read -r up _ </proc/uptime
	echo "${up%.*}${up#*.}"
}

vm_elapsed()
{
	d=$(($(vm_now) - $1))
	printf '%d.%02d' $((d / 100)) $((d % 100))
}

vm_result()
{
	if [ "$2" = 0 ]; then
		echo "VM-STEP $1 PASS rc=0 time=$3"
	else
		echo "VM-STEP $1 FAIL rc=$2 time=$3"
	fi
}

vm_insmod()
{
	insmod "/lib/modules/$1" $2 || { echo "VM-ERROR insmod $1 $2 failed"; return 1; }
}

# Everything but the simulator: those stay loaded across rounds.
vm_load_base()
{
	for m in $(cat /vm/modules.order); do
		case $m in
		vdpa_sim.ko|vdpa_sim_net.ko) ;;
		*) vm_insmod "$m" || return 1 ;;
		esac
	done
}

vm_dev_add()
{
	vm_insmod vdpa_sim.ko "use_va=$1" || return 1
	vm_insmod vdpa_sim_net.ko || return 1
	vdpa dev add mgmtdev vdpasim_net name vdpa0 mac "$VM_MAC" || {
		echo "VM-ERROR vdpa dev add failed"
		return 1
	}
	i=0
	while [ ! -c "$VM_DEV" ] && [ "$i" -lt $((VM_DEV_TIMEOUT * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -c "$VM_DEV" ] || { echo "VM-ERROR $VM_DEV did not appear"; return 1; }
	vdpa dev show vdpa0
	vdpa dev config show vdpa0
}

vm_dev_del()
{
	vdpa dev del vdpa0 || echo "VM-ERROR vdpa dev del failed"
	rmmod vdpa_sim_net || echo "VM-ERROR rmmod vdpa_sim_net failed"
	rmmod vdpa_sim || echo "VM-ERROR rmmod vdpa_sim failed"
}

vm_run_step()
{
	name=$1
	cmd=$2
	echo "VM-BEGIN $name: $cmd"
	t0=$(vm_now)
	timeout "$VM_STEP_TIMEOUT" sh -c "$cmd" </dev/null 2>&1
	rc=$?
	# busybox timeout kills with TERM and exits 143; say so in words too.
	[ "$rc" = 143 ] && echo "VM-ERROR $name: killed after ${VM_STEP_TIMEOUT}s"
	vm_result "$name" "$rc" "$(vm_elapsed "$t0")"
}

vm_run_round()
{
	va=$1
	round=va$va
	export VDPA_DEV="$VM_DEV" VDPA_MAC="$VM_MAC" VDPA_USE_VA="$va" VM_ROUND="$round"
	if [ "$va" = 1 ]; then
		export VDPA_IOMMU=va
	else
		export VDPA_IOMMU=pa
	fi
	echo "VM-ROUND $round: vdpa_sim use_va=$va"
	echo "VM-BEGIN setup@$round"
	t0=$(vm_now)
	vm_dev_add "$va" 2>&1
	setup=$?
	vm_result "setup@$round" "$setup" "$(vm_elapsed "$t0")"
	while IFS='	' read -r name cmd; do
		if [ "$setup" = 0 ]; then
			vm_run_step "$name@$round" "$cmd"
		else
			vm_result "$name@$round" 255 0
		fi
	done </vm/steps
	vm_dev_del 2>&1
}

# Out-of-tree modules taint the kernel on purpose; warnings, BUGs and oopses are failures.
vm_check_kernel_log()
{
	echo "VM-BEGIN kernel-log"
	dmesg | grep -iE 'vdpa|vhost|vringh' | tail -n 30
	if dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace|general protection' >/dev/null; then
		dmesg | grep -E -A 20 'WARNING:|BUG:|Oops|general protection' | head -n 60
		vm_result kernel-log 1 0
	else
		vm_result kernel-log 0 0
	fi
}

vm_mount
exec </dev/console >/dev/console 2>&1
. /vm/env
echo "VM-INFO kernel $(uname -r), $(grep HugePages_Total /proc/meminfo | tr -s ' '), $(nproc) cpus"
echo "VM-BEGIN modules"
t0=$(vm_now)
vm_load_base
vm_result modules $? "$(vm_elapsed "$t0")"
for va in $VM_ROUNDS; do
	vm_run_round "$va"
done
vm_check_kernel_log
echo "VM-DONE"
poweroff -f
