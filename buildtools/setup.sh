#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# setup.sh - make a Debian bookworm machine ready to build and test vdpath.
#
#   1. Debian packages (DPDK 22.11, Meson, cmocka, ...), installed only when missing.
#   2. DPDK's driver SDK headers (ethdev_driver.h, ...), which Debian's libdpdk-dev does not
#      ship: extracted from the Debian source package of the exact installed libdpdk-dev version
#      into build/sdk/<version>/include. Never committed. Skipped when the system has them.
#   3. 2 MiB hugepages reserved and hugetlbfs mounted.
#
# Idempotent; a second run with everything in place does no network access.
# Defaults: config/setup.conf. Environment: VDPATH_HUGEPAGES (overrides it),
# VDPATH_SDK_DIR (default build/sdk),
# VDPATH_CACHE (download cache, default /var/cache/vdpath).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../config/setup.conf
. "$top/config/setup.conf"
hugepages=${VDPATH_HUGEPAGES:-$hugepages}
sdk_root=${VDPATH_SDK_DIR:-$top/build/sdk}
cache=${VDPATH_CACHE:-/var/cache/vdpath}

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it installs packages and reserves hugepages), e.g. sudo make test"

read -r -a packages <<<"$(echo $packages)"

apt_updated=0
apt_update() {
	[ "$apt_updated" = 1 ] && return 0
	log "apt-get update"
	apt-get update -q >/dev/null || die "apt-get update failed; check the Debian archive is reachable"
	apt_updated=1
}

install_packages() {
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing: ${missing[*]}"
	apt_update
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
}

ensure_deb_src() {
	if grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 0
	fi
	log "adding a deb-src entry for bookworm (needed for DPDK's driver SDK headers)"
	cat >/etc/apt/sources.list.d/vdpath-deb-src.sources <<-'EOF'
	Types: deb-src
	URIs: http://deb.debian.org/debian
	Suites: bookworm bookworm-updates
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

	Types: deb-src
	URIs: http://deb.debian.org/debian-security
	Suites: bookworm-security
	Components: main
	Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
	apt_updated=0
	apt_update
}

# The driver SDK headers: those of lib/ethdev, lib/eal/include and drivers/bus/vdev that the
# system include directory lacks.
install_sdk_headers() {
	local sysinc version upstream dest tarball
	sysinc=$(pkg-config --variable=includedir libdpdk)/dpdk
	[ -d "$sysinc" ] || sysinc=$(pkg-config --variable=includedir libdpdk)
	if [ -f "$sysinc/ethdev_driver.h" ] && [ -f "$sysinc/bus_vdev_driver.h" ]; then
		log "system DPDK ships the driver SDK headers"
		mkdir -p "$sdk_root"
		echo "$sysinc" >"$sdk_root/include-dir"
		return 0
	fi
	version=$(dpkg-query -W -f='${Version}' libdpdk-dev)
	dest=$sdk_root/$version
	if [ -f "$dest/.done" ]; then
		echo "$dest/include" >"$sdk_root/include-dir"
		return 0
	fi
	upstream=${version#*:}
	upstream=${upstream%-*}
	mkdir -p "$cache"
	tarball=$(ls "$cache"/dpdk_"$upstream".orig.tar.* 2>/dev/null | head -1 || true)
	if [ -z "$tarball" ]; then
		ensure_deb_src
		log "downloading the Debian source of dpdk=$version for its driver SDK headers"
		(cd "$cache" && apt-get source -q --download-only "dpdk=$version" 2>&1 |
			grep -v -e unsandboxed -e '^Reading' -e '^NOTICE' -e "^Please use" -e '^git clone' -e '^$' >&2) || true
		tarball=$(ls "$cache"/dpdk_"$upstream".orig.tar.* 2>/dev/null | head -1 || true)
		[ -n "$tarball" ] || die "could not download the source of dpdk=$version (apt-get source); is deb-src for bookworm reachable?"
	fi
	rm -rf "$dest"
	mkdir -p "$dest/src" "$dest/include"
	tar -xf "$tarball" -C "$dest/src" --strip-components=1 --wildcards \
		'*/lib/ethdev/*.h' '*/lib/eal/include/*.h' '*/drivers/bus/vdev/*.h' ||
		die "could not extract headers from $tarball"
	local h n=0
	for h in "$dest"/src/lib/ethdev/*.h "$dest"/src/lib/eal/include/*.h "$dest"/src/drivers/bus/vdev/*.h; do
		[ -f "$sysinc/$(basename "$h")" ] && continue
		cp "$h" "$dest/include/"
		n=$((n + 1))
	done
	rm -rf "$dest/src"
	[ -f "$dest/include/ethdev_driver.h" ] || die "ethdev_driver.h not found in $tarball"
	touch "$dest/.done"
	echo "$dest/include" >"$sdk_root/include-dir"
	log "driver SDK headers of DPDK $version: $n files in $dest/include"
}

setup_hugepages() {
	local total
	total=$(awk '/^HugePages_Total/ { print $2 }' /proc/meminfo)
	if [ "$total" -lt "$hugepages" ]; then
		echo "$hugepages" >/proc/sys/vm/nr_hugepages
		total=$(awk '/^HugePages_Total/ { print $2 }' /proc/meminfo)
		log "reserved $total 2 MiB hugepages (asked for $hugepages)"
		[ "$total" -gt 0 ] || die "no 2 MiB hugepages could be reserved"
	fi
	if ! awk '$3 == "hugetlbfs" { found = 1 } END { exit !found }' /proc/mounts; then
		mkdir -p /dev/hugepages
		mount -t hugetlbfs nodev /dev/hugepages || die "mount -t hugetlbfs failed"
		log "mounted hugetlbfs on /dev/hugepages"
	fi
}

install_packages
install_sdk_headers
setup_hugepages
