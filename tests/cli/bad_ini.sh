#!/bin/sh
# bad_ini.sh — every file in tests/ini/bad/ must be refused before anything
# runs: exit status 2 and exactly the error lines of NAME.expected on
# stderr (all errors of the file, in line order), nothing on stdout.
set -u
cd "$POOLSIM_TESTS/ini/bad" || exit 1
fail=0; n=0
for f in *.ini; do
	n=$((n + 1))
	exp="${f%.ini}.expected"
	out=$("$POOLSIM" check "$f" 2>/tmp/poolsim_bad_$$.err)
	rc=$?
	if [ "$rc" -ne 2 ]; then
		echo "FAIL $f: exit status $rc, want 2"; fail=1
	elif [ -n "$out" ]; then
		echo "FAIL $f: stdout not empty: $out"; fail=1
	elif ! diff -u "$exp" /tmp/poolsim_bad_$$.err; then
		echo "FAIL $f: stderr differs from $exp"; fail=1
	else
		echo "ok   $f: exit 2, $(wc -l < "$exp") expected error line(s)"
	fi
	# `run` must refuse the same way and never create a database.
	"$POOLSIM" run "$f" -o /tmp/poolsim_bad_$$.db 2>/dev/null
	rc=$?
	if [ "$rc" -ne 2 ] || [ -e /tmp/poolsim_bad_$$.db ]; then
		echo "FAIL $f: run exited $rc or wrote a database"; fail=1
	fi
done
rm -f /tmp/poolsim_bad_$$.err /tmp/poolsim_bad_$$.db
echo "checked $n bad files"
exit $fail
