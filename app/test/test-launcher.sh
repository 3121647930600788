#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# test-launcher.sh LAUNCHER - bad input to vdpath-sim gets exactly one line on stderr and exit
# status 2; --help exits 0; a good command line runs the command and returns its status.
set -u
launcher=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# expect_usage_error DESCRIPTION ARGS... : exit 2, one line on stderr, nothing run
expect_usage_error() {
	local what=$1 rc lines
	shift
	"$launcher" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	lines=$(wc -l <"$tmp/err")
	if [ "$rc" -ne 2 ]; then
		fail "$what: exit status $rc, want 2 (stderr: $(head -c 300 "$tmp/err"))"
	elif [ "$lines" -ne 1 ]; then
		fail "$what: $lines lines on stderr, want exactly 1:"
		sed 's/^/    /' "$tmp/err"
	elif [ -s "$tmp/ran" ]; then
		fail "$what: the command ran"
	else
		echo "ok: $what -> $(cat "$tmp/err")"
	fi
	rm -f "$tmp/ran"
}

marker=(-- sh -c "echo ran >$tmp/ran")

expect_usage_error "unknown option" --bogus "${marker[@]}"
expect_usage_error "unknown short option" -Z "${marker[@]}"
expect_usage_error "--mode fast" --mode fast "${marker[@]}"
expect_usage_error "--devices 0" --devices 0 "${marker[@]}"
expect_usage_error "--devices 99" --devices 99 "${marker[@]}"
expect_usage_error "--devices abc" --devices abc "${marker[@]}"
expect_usage_error "--queue-size 3" --queue-size 3 "${marker[@]}"
expect_usage_error "--queue-size 0" --queue-size 0 "${marker[@]}"
expect_usage_error "--mac zz" --mac zz "${marker[@]}"
expect_usage_error "--mac 1:2:3" --mac 1:2:3 "${marker[@]}"
expect_usage_error "--personality foo" --personality foo "${marker[@]}"
expect_usage_error "--traffic bogus" --traffic bogus "${marker[@]}"
expect_usage_error "--iommu xx" --iommu xx "${marker[@]}"
expect_usage_error "--doorbell maybe" --doorbell maybe "${marker[@]}"
expect_usage_error "--iova-range backwards" --iova-range 0x2000-0x1000 "${marker[@]}"
expect_usage_error "--iova-range garbage" --iova-range nonsense "${marker[@]}"
expect_usage_error "--mtu 12x" --mtu 12x "${marker[@]}"
expect_usage_error "--features +NO_SUCH_BIT" --features +NO_SUCH_BIT "${marker[@]}"
expect_usage_error "--max-entries -1" --max-entries -1 "${marker[@]}"
expect_usage_error "missing value at the end" --mode
expect_usage_error "missing command" --mode poll
expect_usage_error "missing command after --" --mode poll --
expect_usage_error "no arguments"

"$launcher" --help >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -ne 0 ]; then
	fail "--help: exit status $rc, want 0"
elif ! grep -q -- '--stats' "$tmp/out"; then
	fail "--help: the usage on stdout does not list --stats"
else
	echo "ok: --help exits 0"
fi

"$launcher" --mode poll --personality legacy61 -- sh -c 'exit 0'
rc=$?
[ "$rc" -eq 0 ] && echo "ok: a good command line runs the command" ||
	fail "good command line: exit status $rc, want 0"
"$launcher" -- sh -c 'exit 3'
rc=$?
[ "$rc" -eq 3 ] && echo "ok: the command's exit status is returned" ||
	fail "command exit status: got $rc, want 3"

if [ "$failures" -ne 0 ]; then
	echo "$failures launcher check(s) failed"
	exit 1
fi
echo "all launcher checks passed"
