# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
# vm-kernel.sh - sourced by run-vm.sh: host packages, the guest kernel and its vDPA modules.
#
# Debian's 6.12 kernels ship vhost_vdpa, vhost, vhost_iotlb and vdpa but are built without
# CONFIG_VDPA_SIM and CONFIG_VHOST_RING, so vringh, vdpa_sim and vdpa_sim_net are compiled
# here, out of tree, from the linux-source package of the exact same version, against that
# version's linux-headers and linux-kbuild. Nothing is installed into the host's /boot or
# /lib/modules: every package is only extracted under the cache.
#
# Cache layout (VM_CACHE, default /var/cache/vdpath/vm):
#   dl/                     the downloaded .deb files
#   kernel/KREL/root/       extracted image, headers and kbuild
#   kernel/KREL/src/        the few source files the modules need
#   kernel/KREL/modules/    the guest's modules, uncompressed, and modules.order
# Each directory is complete when its .done stamp exists; a half-built one is redone.

vm_apt_need()
{
	local missing=()

	command -v busybox >/dev/null && [ -x /bin/busybox ] || missing+=(busybox-static)
	command -v vdpa >/dev/null || missing+=(iproute2)
	command -v cpio >/dev/null || missing+=(cpio)
	command -v depmod >/dev/null || missing+=(kmod)
	command -v xz >/dev/null || missing+=(xz-utils)
	command -v make >/dev/null || missing+=(make)
	command -v gcc-12 >/dev/null || missing+=(gcc-12)
	[ -e /usr/include/stdio.h ] || missing+=(libc6-dev)
	[ -e /usr/include/linux/types.h ] || missing+=(linux-libc-dev)
	# Run-time libraries of the prebuilt kbuild tools (objtool, modpost, sign-file).
	ldconfig -p | grep 'libelf\.so\.1 ' >/dev/null || missing+=(libelf1)
	ldconfig -p | grep 'libssl\.so\.3 ' >/dev/null || missing+=(libssl3)
	echo "${missing[*]}"
}

vm_qemu_major()
{
	command -v qemu-system-x86_64 >/dev/null || { echo 0; return; }
	qemu-system-x86_64 --version |
		sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p'
}

vm_apt_add_backports()
{
	grep -rqs "$VM_SUITE" /etc/apt/sources.list /etc/apt/sources.list.d/ && return 0
	vm_log "adding the $VM_SUITE apt source (QEMU and the kernel come from there)"
	cat >"/etc/apt/sources.list.d/$VM_SUITE.sources" <<-EOF
	Types: deb
	URIs: http://deb.debian.org/debian
	Suites: $VM_SUITE
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	VM_APT_UPDATED=0
}

# Installs what is missing; on a machine that has everything it makes no apt call at all.
vm_phase_apt()
{
	local missing

	export DEBIAN_FRONTEND=noninteractive
	VM_APT_UPDATED=1
	vm_apt_add_backports
	if [ "$VM_APT_UPDATED" = 0 ] ||
	   ! apt-cache madison "linux-image-$VM_FLAVOUR" 2>/dev/null | grep "$VM_SUITE" >/dev/null; then
		vm_log "apt-get update"
		apt-get update -q >/dev/null || vm_die "apt-get update failed; check the network and /etc/apt/sources.list.d"
	fi
	missing=$(vm_apt_need)
	if [ -n "$missing" ]; then
		vm_log "installing: $missing"
		# shellcheck disable=SC2086 # a word list on purpose
		apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 \
			$missing >/dev/null || vm_die "apt-get install $missing failed"
	fi
	# bookworm's QEMU 7.2 corrupted guest memory under TCG (random slab and maple-tree oopses
	# in a fifth to a half of the boots, whatever the CPU model or thread setting); the 10.x
	# of bookworm-backports boots cleanly, so the harness insists on 8 or newer.
	if [ "$(vm_qemu_major)" -lt 8 ]; then
		vm_log "installing qemu-system-x86 from $VM_SUITE"
		apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 \
			-t "$VM_SUITE" qemu-system-x86 >/dev/null ||
			vm_die "apt-get install -t $VM_SUITE qemu-system-x86 failed"
	fi
	[ "$(vm_qemu_major)" -ge 8 ] ||
		vm_die "QEMU $(vm_qemu_major) is older than 8: under TCG it corrupts guest memory; install qemu-system-x86 from $VM_SUITE"
	vm_log "QEMU $(qemu-system-x86_64 --version | head -1 | awk '{print $4}')"
}

# Picks the kernel: VM_KPKG_VERSION if set, else the suite's current linux-image-FLAVOUR, else
# (apt lists gone or offline) the newest kernel already built in the cache.
vm_kernel_pick()
{
	local imgpkg cached

	if [ -z "$VM_KPKG_VERSION" ]; then
		VM_KPKG_VERSION=$(apt-cache madison "linux-image-$VM_FLAVOUR" 2>/dev/null |
			awk -F'|' -v s="$VM_SUITE/main" '$3 ~ s { gsub(/ /, "", $2); print $2; exit }')
	fi
	if [ -z "$VM_KPKG_VERSION" ]; then
		cached=$(ls -d "$VM_CACHE"/kernel/*-"$VM_FLAVOUR"/modules/.done 2>/dev/null |
			sort -V | tail -1)
		[ -n "$cached" ] || vm_die "no linux-image-$VM_FLAVOUR in $VM_SUITE and none cached; run apt-get update"
		VM_KREL=$(basename "$(dirname "$(dirname "$cached")")")
		vm_log "apt knows no $VM_SUITE kernel; using the cached $VM_KREL"
	else
		# linux-image-cloud-amd64 depends on linux-image-6.12.N+debM-cloud-amd64
		imgpkg=$(apt-cache show "linux-image-$VM_FLAVOUR=$VM_KPKG_VERSION" 2>/dev/null |
			sed -n 's/^Depends: \(linux-image-[^ ,]*\).*/\1/p' | head -1)
		[ -n "$imgpkg" ] || vm_die "apt has no linux-image-$VM_FLAVOUR=$VM_KPKG_VERSION; the archive keeps only the newest version, unset VDPATH_VM_KVER"
		VM_KREL=${imgpkg#linux-image-}
	fi
	VM_KABI=${VM_KREL%-"$VM_FLAVOUR"}
	VM_KMAJMIN=$(echo "$VM_KABI" | cut -d. -f1,2)
	VM_KDIR=$VM_CACHE/kernel/$VM_KREL
	VM_KPKGS=("linux-image-$VM_KREL" "linux-headers-$VM_KREL" "linux-headers-$VM_KABI-common"
		"linux-kbuild-$VM_KABI" "linux-source-$VM_KMAJMIN")
}

vm_deb_path()
{
	ls "$VM_CACHE/dl/$1_"*.deb 2>/dev/null | sort -V | tail -1
}

vm_deb_fetch()
{
	local pkg=$1

	[ -n "$(vm_deb_path "$pkg")" ] && return 0
	[ -n "$VM_KPKG_VERSION" ] || vm_die "$pkg is not cached and apt knows no kernel version to fetch"
	vm_log "downloading $pkg=$VM_KPKG_VERSION"
	# apt's sandbox user cannot write to the cache; apt then downloads as root and says so.
	(cd "$VM_CACHE/dl" && apt-get download -q "$pkg=$VM_KPKG_VERSION" 2>&1 |
		grep -v -e unsandboxed -e '^Get:' -e '^Fetched') || true
	[ -n "$(vm_deb_path "$pkg")" ] ||
		vm_die "download of $pkg=$VM_KPKG_VERSION failed; run apt-get update and retry"
}

# Fetches only what the cached trees still lack: a warm cache downloads nothing.
vm_phase_download()
{
	local i

	vm_kernel_pick
	mkdir -p "$VM_CACHE/dl"
	vm_log "guest kernel $VM_KREL${VM_KPKG_VERSION:+ (package $VM_KPKG_VERSION)}"
	if [ -e "$VM_KDIR/modules/.done" ]; then
		vm_log "modules for $VM_KREL are cached; nothing to download"
		return 0
	fi
	if [ ! -e "$VM_KDIR/root/.done" ]; then
		for i in 0 1 2 3; do
			vm_deb_fetch "${VM_KPKGS[$i]}"
		done
	fi
	[ -e "$VM_KDIR/src/.done" ] || vm_deb_fetch "${VM_KPKGS[4]}"
}

vm_kernel_extract()
{
	local root=$VM_KDIR/root src=$VM_KDIR/src i

	if [ ! -e "$root/.done" ]; then
		vm_log "extracting the image, headers and kbuild packages"
		rm -rf "$root"
		mkdir -p "$root"
		for i in 0 1 2 3; do
			dpkg-deb -x "$(vm_deb_path "${VM_KPKGS[$i]}")" "$root"
		done
		# The flavour's headers Makefile includes the -common tree by its absolute path.
		sed -i "s|^include /usr/src/|include $root/usr/src/|" \
			"$root/usr/src/linux-headers-$VM_KREL/Makefile"
		touch "$root/.done"
	fi
	if [ ! -e "$src/.done" ]; then
		vm_log "extracting vringh and vdpa_sim from linux-source-$VM_KMAJMIN"
		rm -rf "$src"
		mkdir -p "$src"
		dpkg-deb --fsys-tarfile "$(vm_deb_path "${VM_KPKGS[4]}")" |
			tar -xO "./usr/src/linux-source-$VM_KMAJMIN.tar.xz" | xz -dc -T0 |
			tar -x -C "$src" --strip-components=1 \
				"linux-source-$VM_KMAJMIN/drivers/vhost/vringh.c" \
				"linux-source-$VM_KMAJMIN/drivers/vdpa/vdpa_sim/" ||
			vm_die "could not extract the vdpa_sim sources from linux-source-$VM_KMAJMIN"
		touch "$src/.done"
	fi
}

vm_kernel_build()
{
	local bld=$VM_KDIR/build src=$VM_KDIR/src

	rm -rf "$bld"
	mkdir -p "$bld"
	cp "$src/drivers/vhost/vringh.c" "$src"/drivers/vdpa/vdpa_sim/vdpa_sim{.c,.h,_net.c} "$bld/"
	echo 'obj-m += vringh.o vdpa_sim.o vdpa_sim_net.o' >"$bld/Kbuild"
	vm_log "building vringh, vdpa_sim, vdpa_sim_net against $VM_KREL"
	# Without pahole the BTF step of module builds fails; the guest needs no module BTF.
	make -s -C "$VM_KDIR/root/usr/src/linux-headers-$VM_KREL" M="$bld" \
		CONFIG_DEBUG_INFO_BTF_MODULES= -j"$(nproc)" modules ||
		vm_die "out-of-tree module build failed (see above); remove $VM_KDIR to start over"
	mkdir -p "$VM_KDIR/root/lib/modules/$VM_KREL/updates"
	cp "$bld"/*.ko "$VM_KDIR/root/lib/modules/$VM_KREL/updates/"
	strip --strip-debug "$VM_KDIR/root/lib/modules/$VM_KREL/updates/"*.ko
	depmod -b "$VM_KDIR/root" "$VM_KREL"
}

# Collects the guest's modules, uncompressed (busybox insmod reads no .xz), in load order.
vm_kernel_collect()
{
	local out=$VM_KDIR/modules.tmp m b

	rm -rf "$out"
	mkdir -p "$out"
	: >"$out/modules.order"
	for m in $(for top in vhost_vdpa vdpa_sim_net; do
			modprobe -d "$VM_KDIR/root" -S "$VM_KREL" --show-depends "$top" |
				awk '$1 == "insmod" { print $2 }'
		done); do
		b=$(basename "$m")
		b=${b%.xz}
		grep -qx "$b" "$out/modules.order" && continue
		case $m in
		*.xz) xz -dc "$m" >"$out/$b" ;;
		*) cp "$m" "$out/$b" ;;
		esac
		echo "$b" >>"$out/modules.order"
	done
	for m in vdpa.ko vhost_iotlb.ko vringh.ko vdpa_sim.ko vdpa_sim_net.ko vhost_vdpa.ko; do
		grep -qx "$m" "$out/modules.order" ||
			vm_die "$m is missing from $VM_KREL's module set; remove $VM_KDIR to start over"
	done
	touch "$out/.done"
	rm -rf "$VM_KDIR/modules"
	mv "$out" "$VM_KDIR/modules"
	vm_log "guest modules: $(tr '\n' ' ' <"$VM_KDIR/modules/modules.order")"
}

vm_phase_modules()
{
	if [ -e "$VM_KDIR/modules/.done" ]; then
		vm_log "using cached modules in $VM_KDIR/modules"
		return 0
	fi
	vm_kernel_extract
	vm_kernel_build
	vm_kernel_collect
	# The big source package is only needed to build; the image stays for booting.
	rm -rf "$VM_KDIR/build" "$VM_KDIR/src"
}
