#!/usr/bin/env bash
# Run every test: the unit test binaries given as arguments (cmocka, TAP
# output, one count per test case) and every tests/integration/*.sh script
# (one count per script; a script may report sub-counts with lines
# "ok - ..." / "not ok - ..." instead).  Ends with "N passed, N failed".
# With CONCORD_TEST_STORE=pg (make check-pg) every hub the scripts start
# keeps its events in a private PostgreSQL, and scripts with a line
# "# check-pg: skip REASON" are skipped; logs go to $CONCORD_TEST_LOGS.
set -u
export TZ=UTC LC_ALL=C.UTF-8
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
logs=${CONCORD_TEST_LOGS:-build/test-logs}
rm -rf "$logs" && mkdir -p "$logs"
passed=0 failed=0

count_tap() { # file name -> adds to passed/failed, returns 1 if any failed
	local f=$1 name=$2 p n
	p=$(grep -cE '^ok ' "$f")
	n=$(grep -cE '^not ok ' "$f")
	passed=$((passed + p)); failed=$((failed + n))
	grep -E '^not ok ' "$f" | sed "s|^|FAIL $name: |"
	[ "$n" = 0 ]
}

for t in "$@"; do
	name=$(basename "$t")
	log=$logs/$name.log
	CMOCKA_MESSAGE_OUTPUT=TAP timeout 600 "$t" >"$log" 2>&1
	rc=$?
	count_tap "$log" "$name"
	if [ $rc != 0 ] && ! grep -qE '^not ok ' "$log"; then
		failed=$((failed + 1)); echo "FAIL $name: exit $rc"; tail -20 "$log"
	fi
done

for t in tests/integration/it-*.sh; do
	[ -e "$t" ] || continue
	# CONCORD_TEST_STORE=pg (make check-pg): every hub on PostgreSQL.
	if [ "${CONCORD_TEST_STORE:-}" = pg ] &&
	    grep -q '^# check-pg: skip' "$t"; then
		echo "skipped $(basename "$t" .sh): $(sed -n 's/^# check-pg: skip//p' "$t")"
		continue
	fi
	name=$(basename "$t" .sh)
	log=$logs/$name.log
	start=$(date +%s)
	timeout 900 bash "$t" >"$log" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	if grep -qE '^(not )?ok ' "$log"; then
		count_tap "$log" "$name" || { echo "--- $name log tail:"; tail -30 "$log"; }
		if [ $rc != 0 ] && ! grep -qE '^not ok ' "$log"; then
			failed=$((failed + 1)); echo "FAIL $name: exit $rc"; tail -30 "$log"
		fi
	elif [ $rc = 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1)); echo "FAIL $name (exit $rc)"; tail -30 "$log"
	fi
	echo "ran $name in ${secs}s"
done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
