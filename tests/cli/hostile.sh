#!/bin/sh
# hostile.sh — runs every tests/hostile/*.case through the real CLI (format:
# tests/hostile/README.md): each in a fresh directory under `timeout`, the
# exit status and the stderr/stdout substrings as the case says. Status 134,
# 139 or 124 (abort, segfault, timeout) fails a case whatever it expects.
# HOSTILE=glob runs only the matching cases.
set -u
T=$(mktemp -d); trap 'chmod -R u+w "$T"; rm -rf "$T"' EXIT
chmod 755 "$T"   # an asuser case runs as another user
dir="$POOLSIM_TESTS/hostile"
fail=0; n=0; failed=""
export POOLSIM
for c in "$dir"/${HOSTILE:-*}.case; do
	[ -f "$c" ] || continue
	name=$(basename "$c" .case)
	n=$((n + 1))
	w="$T/$name"; mkdir -p "$w/files"
	# split the case: headers into files under $w, data files into $w/files
	awk -v w="$w" '
		BEGIN { body = 0 }
		/^=== / { body = 1; f = w "/files/" substr($0, 5); printf "" > f; next }
		body { print >> f; next }
		/^#/ || /^[ \t]*$/ { next }
		{
			k = $0; sub(/:.*/, "", k); v = $0; sub(/^[^:]*:[ \t]*/, "", v)
			print v >> (w "/h." k)
		}' "$c"
	h() { [ -f "$w/h.$1" ] && cat "$w/h.$1"; }
	if [ ! -f "$w/h.cmd" ] || [ ! -f "$w/h.status" ]; then
		echo "FAIL $name: case has no cmd: or status: line"; fail=1; failed="$failed $name"; continue
	fi
	cmd=$(h cmd); want=$(h status); lim=$(h timeout); lim=${lim:-60}
	bad=""
	if [ -f "$w/h.setup" ]; then
		while IFS= read -r s; do
			(cd "$w/files" && sh -c "$s") >"$w/setup.out" 2>&1 ||
				bad="setup failed: $s: $(head -c 300 "$w/setup.out")"
		done < "$w/h.setup"
	fi
	# asuser: as root, run the command as uid 65534, for whom permissions
	# hold (root ignores a read-only directory); as anyone else, directly
	pre=""
	if [ -f "$w/h.asuser" ] && [ "$(id -u)" = 0 ]; then
		pre="setpriv --reuid=65534 --regid=65534 --clear-groups"
		chmod 755 "$w" "$w/files"
	fi
	rc=0
	if [ -z "$bad" ]; then
		(cd "$w/files" && eval "set -- $cmd" &&
			exec timeout -k 5 "$lim" $pre "$POOLSIM" "$@") \
			>"$w/out" 2>"$w/err" </dev/null
		rc=$?
		case $rc in
		134) bad="aborted (status 134)";;
		139) bad="segfault (status 139)";;
		124|137) bad="timed out after ${lim}s (status $rc)";;
		*) [ "$rc" = "$want" ] || bad="exit status $rc, want $want";;
		esac
		if grep -q 'AddressSanitizer\|runtime error:\|LeakSanitizer' "$w/err"; then
			bad="${bad:+$bad; }sanitizer report on stderr"
		fi
	fi
	if [ -z "$bad" ]; then
		for k in stderr stdout; do
			[ -f "$w/h.$k" ] || continue
			f="$w/err"; [ $k = stdout ] && f="$w/out"
			while IFS= read -r s; do
				grep -qF -- "$s" "$f" || bad="${bad:+$bad; }$k lacks \"$s\""
			done < "$w/h.$k"
		done
		if [ -f "$w/h.nostderr" ]; then
			while IFS= read -r s; do
				! grep -qF -- "$s" "$w/err" || bad="${bad:+$bad; }stderr has \"$s\""
			done < "$w/h.nostderr"
		fi
		if [ -f "$w/h.check" ]; then
			while IFS= read -r s; do
				(cd "$w/files" && sh -c "$s") >"$w/check.out" 2>&1 ||
					bad="${bad:+$bad; }check failed: $s $(head -c 300 "$w/check.out")"
			done < "$w/h.check"
		fi
	fi
	if [ -n "$bad" ]; then
		echo "FAIL $name: $bad"
		echo "  cmd: poolsim $cmd"; sed -n '1,8s/^/  stderr: /p' "$w/err"
		fail=1; failed="$failed $name"
	else
		echo "ok   $name: status $rc"
	fi
done
[ $n -ge 1 ] || { echo "FAIL no cases in $dir"; exit 1; }
echo "$n hostile cases${failed:+, failed:$failed}"
exit $fail
