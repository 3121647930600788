#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# build.sh BUILDDIR [meson options...] - configure (once) and build with warnings as errors.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
dir=$1
shift
sdk=$(cat build/sdk/include-dir 2>/dev/null || true)
opts=(-Dwerror=true "-Dsdk_include_dir=$sdk" "$@")
if [ -f "$dir/build.ninja" ]; then
	meson configure "$dir" "${opts[@]}" >/dev/null
else
	meson setup "$dir" "${opts[@]}" >/dev/null
fi
ninja -C "$dir" >/dev/null || ninja -C "$dir"
echo "build: $dir ready" >&2
