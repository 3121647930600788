# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# vm-initramfs.sh - sourced by run-vm.sh: the guest's root file system.
#
# The guest runs the host's own binaries: busybox-static for the shell, iproute2's vdpa, the
# programs under test and every shared library they load, each copied to the same absolute
# path it has on the host. Keeping the paths keeps build-tree RUNPATHs ($ORIGIN/../lib/...)
# and DPDK's compiled-in PMD directory valid without any wrapper.

# Copies one host file to the same path under the guest root. Directories are taken by their
# canonical path and file symlinks stay symlinks, so that two names of one library (the
# soname link in the library directory and DPDK's PMD directory entry) stay one file in the
# guest: loaded through both names as two files, a DPDK driver would register twice.
declare -A VM_IRD_SEEN

vm_ird_copy()
{
	local f=$1 d t

	[ -z "${VM_IRD_SEEN[$f]:-}" ] || return 0
	VM_IRD_SEEN[$f]=1
	d=$(readlink -f "${f%/*}")
	f=$d/$(basename "$f")
	if [ -e "$VM_IRD$f" ] || [ -L "$VM_IRD$f" ]; then
		return 0
	fi
	mkdir -p "$VM_IRD$d"
	if [ -L "$f" ]; then
		cp -P "$f" "$VM_IRD$f"
		t=$(readlink "$f")
		case $t in
		/*) vm_ird_copy "$t" ;;
		*) vm_ird_copy "$d/$t" ;;
		esac
	else
		cp "$f" "$VM_IRD$f"
	fi
}

# The guest gets the host's merged-/usr links (/lib -> usr/lib ...), so every path ldd
# prints resolves in the guest exactly as on the host.
vm_ird_add_usr_links()
{
	local d

	for d in bin sbin lib lib32 lib64 libx32; do
		[ -L "/$d" ] || continue
		mkdir -p "$VM_IRD$(readlink -f "/$d")"
		ln -s "$(readlink "/$d")" "$VM_IRD/$d"
	done
}

# Copies an ELF file and, transitively, every library ldd resolves for it.
vm_ird_copy_elf()
{
	local f=$1 deps lib

	[ -z "${VM_IRD_SEEN[elf:$f]:-}" ] || return 0
	VM_IRD_SEEN[elf:$f]=1
	vm_ird_copy "$f"
	# A static binary makes ldd fail; it then has no libraries to copy.
	deps=$(ldd "$f" 2>/dev/null) || return 0
	if echo "$deps" | grep 'not found' >/dev/null; then
		echo "$deps" | grep 'not found' >&2
		vm_die "$f needs libraries ldd cannot find on the host; build or install them first"
	fi
	for lib in $(echo "$deps" | grep -o '/[^ ]*'); do
		vm_ird_copy "$lib"
	done
}

# A program the steps call: its real path is mirrored, and /vdpath/bin/NAME points to it.
vm_ird_add_bin()
{
	local f=$1

	f=$(readlink -f "$f")
	[ -x "$f" ] || vm_die "--bin $1: no such executable"
	vm_ird_copy_elf "$f"
	ln -sf "$f" "$VM_IRD/vdpath/bin/$(basename "$f")"
	vm_log "guest program: $(basename "$f") ($f)"
}

# DPDK loads its drivers from the PMD directory compiled into EAL; it is mirrored whole, with
# the libraries each driver needs, so any DPDK application started in the guest finds them.
vm_ird_add_dpdk()
{
	local pmd so

	pmd=$(ls -d /usr/lib/*/dpdk/pmds-* 2>/dev/null | head -1)
	[ -n "$pmd" ] && pmd=$(readlink -f "$pmd")
	[ -n "$pmd" ] || vm_die "--dpdk: no DPDK PMD directory under /usr/lib/*/dpdk; install dpdk"
	mkdir -p "$VM_IRD$pmd"
	# Debian keeps the drivers themselves in that directory, next to their soname links;
	# the links are kept as links and each real file brings its libraries.
	cp -a "$pmd/." "$VM_IRD$pmd/"
	for so in "$pmd"/*.so*; do
		vm_ird_copy_elf "$(readlink -f "$so")"
	done
	vm_log "guest DPDK drivers: $pmd ($(ls "$pmd" | wc -l) files)"
}

vm_ird_add_busybox()
{
	local a

	mkdir -p "$VM_IRD/bin"
	cp /bin/busybox "$VM_IRD/bin/busybox"
	for a in $("$VM_IRD/bin/busybox" --list); do
		[ -e "$VM_IRD/bin/$a" ] || ln -s busybox "$VM_IRD/bin/$a"
	done
}

vm_ird_add_modules()
{
	mkdir -p "$VM_IRD/lib/modules"
	cp "$VM_KDIR"/modules/*.ko "$VM_IRD/lib/modules/"
	cp "$VM_KDIR/modules/modules.order" "$VM_IRD/vm/modules.order"
}

# Values the guest init reads; quoted so any value survives the guest shell.
vm_ird_write_env()
{
	{
		printf 'VM_ROUNDS=%q\n' "$VM_ROUNDS"
		printf 'VM_MAC=%q\n' "$VM_MAC"
		printf 'VM_STEP_TIMEOUT=%q\n' "$VM_STEP_TIMEOUT"
		printf 'VM_DEV_TIMEOUT=%q\n' 10
	} >"$VM_IRD/vm/env"
}

vm_phase_initramfs()
{
	local b lib

	VM_IRD=$VM_RUN/root
	VM_IRD_SEEN=()
	rm -rf "$VM_IRD"
	mkdir -p "$VM_IRD"/{proc,sys,dev,tmp,run,var,etc,vm,vdpath/bin}
	ln -s ../run "$VM_IRD/var/run"
	vm_ird_add_usr_links
	# The kernel opens /dev/console for init's stdio before init can mount devtmpfs.
	mknod -m 600 "$VM_IRD/dev/console" c 5 1
	vm_ird_add_busybox
	vm_ird_copy_elf /usr/sbin/vdpa
	ln -s /usr/sbin/vdpa "$VM_IRD/vdpath/bin/vdpa"
	# glibc dlopens libgcc_s for pthread_cancel (DPDK's rte_eal_cleanup uses it): ldd never
	# lists it, and without it every DPDK program aborts at exit
	vm_ird_copy_elf "$(readlink -f "$(ldconfig -p | awk '/libgcc_s\.so\.1 .*x86-64/ { print $NF; exit }')")"
	for b in "${VM_BINS[@]}"; do
		vm_ird_add_bin "$b"
	done
	[ "$VM_DPDK" = 1 ] && vm_ird_add_dpdk
	vm_ird_add_modules
	cp "$VM_HERE/guest-init.sh" "$VM_IRD/init"
	chmod 755 "$VM_IRD/init"
	cp "$VM_RUN/steps" "$VM_IRD/vm/steps"
	vm_ird_write_env
	# The guest has no ld.so.cache otherwise; build one for the libraries copied in.
	for lib in $(cd "$VM_IRD" && find . -name '*.so*' -type f -printf '%h\n' | sort -u); do
		echo "${lib#.}"
	done >"$VM_IRD/etc/ld.so.conf"
	ldconfig -r "$VM_IRD" 2>/dev/null || vm_log "ldconfig -r failed; the guest relies on default library paths"
	(cd "$VM_IRD" && find . | LC_ALL=C sort |
		cpio -o -H newc --quiet --reproducible | gzip -1 >"$VM_RUN/initrd.img") ||
		vm_die "could not pack the initramfs"
	vm_log "initramfs: $(du -h "$VM_RUN/initrd.img" | cut -f1)"
}
