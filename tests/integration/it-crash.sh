# The hub is killed with SIGKILL while 10 clients write notes as fast as
# they can.  After a restart every note whose command was acknowledged is
# in the log exactly once, the export verifies, and a retried operation id
# is not logged twice.
. "$(dirname "$0")/lib.sh"
hub_start
concord open --title crash >/dev/null

writer() { # writer K: notes wK-1, wK-2, ... until $T/stop exists
	local k=$1 i=0 rc
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		"$BIN/concord" --as "w$k" note --op "op-w$k-$i" "w$k-$i" \
		    >/dev/null 2>&1
		rc=$?
		[ $rc = 0 ] && echo "w$k-$i" >>"$T/acked.$k"
		[ $rc = 2 ] && sleep 0.05
	done
}
for k in $(seq 1 10); do
	writer "$k" &
	PIDS+=($!)
done
acked() { cat "$T"/acked.* 2>/dev/null | wc -l; }
check "writers make progress" wait_for 60 sh -c "[ \$(cat $T/acked.* 2>/dev/null | wc -l) -ge 300 ]"
hub_kill9
before=$(acked)
hub_start
check "the hub recovers and writers go on" wait_for 60 sh -c "[ \$(cat $T/acked.* 2>/dev/null | wc -l) -ge $((before + 300)) ]"
touch "$T/stop"
wait "${PIDS[@]}" 2>/dev/null
PIDS=()

first=$(head -1 "$T/acked.1")
out=$(concord --as w1 note --op "op-$first" "$first")
check "a retried operation id is acknowledged as already logged" sh -c "echo '$out' | grep -q 'already logged'"

check "export" concord export --format json -o "$T/log.json"
check "the export verifies" concord verify "$T/log.json"
grep -o '"text":"w[0-9]*-[0-9]*"' "$T/log.json" | sed 's/"text":"\(.*\)"/\1/' | sort >"$T/logged"
sort "$T"/acked.* >"$T/acked"
dups=$(uniq -d "$T/logged" | wc -l)
check "no note is logged twice ($(wc -l <"$T/logged") logged)" test "$dups" = 0
missing=$(comm -23 "$T/acked" "$T/logged" | wc -l)
check "every acknowledged note ($(wc -l <"$T/acked")) is in the log" test "$missing" = 0
ops=$(grep -o '"op":"[^"]*"' "$T/log.json" | sort | uniq -d | wc -l)
check "operation ids in the log are unique" test "$ops" = 0
finish
