#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# run-tests.sh BUILD ASAN_BUILD - build both trees and run the whole suite in each.
# The last line is "N passed, N failed[, N skipped]"; exit status 1 on any failure.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
build=$1
asan=$2
passed=0 failed=0 skipped=0
start=$(date +%s)

run_tree() {
	local dir=$1 label=$2 log
	shift 2
	if ! bash buildtools/build.sh "$dir" "$@"; then
		echo "tests[$label]: build failed"
		failed=$((failed + 1))
		return
	fi
	meson test -C "$dir" --print-errorlogs --num-processes 2 --timeout-multiplier 3 \
		${VDPATH_TEST_ARGS:-}
	log=$dir/meson-logs/testlog.json
	[ -f "$log" ] || { echo "tests[$label]: no test log"; failed=$((failed + 1)); return; }
	read -r p f s < <(python3 - "$log" <<'PY'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        p += 1
    elif r == "SKIP":
        s += 1
    else:
        f += 1
print(p, f, s)
PY
)
	echo "tests[$label]: $p passed, $f failed, $s skipped"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

run_tree "$build" plain
run_tree "$asan" asan -Dsanitize=true
echo "tests: $(($(date +%s) - start)) s"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
