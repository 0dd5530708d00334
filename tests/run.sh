#!/bin/sh
# run.sh — runs every test program and CLI script for one or more builds.
# Usage: tests/run.sh [--long] BUILD_DIR POOLSIM_BIN [BUILD_DIR POOLSIM_BIN ...]
# Prints each test's outcome and ends with "N passed, N failed".
pattern="test_*"
[ "${1:-}" = "--long" ] && { pattern="long_*"; shift; }
pass=0; fail=0; failed=""
top=$(pwd)
while [ $# -ge 2 ]; do
	build=$1; bin=$2; shift 2
	export POOLSIM="$top/$bin" POOLSIM_TESTS="$top/tests"
	for t in "$build"/tests/$pattern; do
		[ -x "$t" ] || continue
		case "$t" in *.o|*.d) continue;; esac
		start=$(date +%s)
		if "$t" >"$t.log" 2>&1; then
			pass=$((pass + 1)); echo "PASS $t ($(( $(date +%s) - start ))s)"
		else
			fail=$((fail + 1)); failed="$failed $t"; echo "FAIL $t"; tail -n 40 "$t.log"
		fi
	done
	[ "$pattern" = "test_*" ] || continue
	for s in tests/cli/*.sh; do
		[ -f "$s" ] || continue
		log="$build/tests/$(basename "$s" .sh).log"
		mkdir -p "$build/tests"
		if sh "$s" >"$log" 2>&1; then
			pass=$((pass + 1)); echo "PASS $s ($bin)"
		else
			fail=$((fail + 1)); failed="$failed $s($bin)"; echo "FAIL $s ($bin)"; tail -n 40 "$log"
		fi
	done
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
