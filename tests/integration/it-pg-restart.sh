# PostgreSQL restarted under write load (pg.sh's pg_restart): the hub on it
# keeps running, holds what it could not commit (acknowledging none of it)
# and commits it once the database is back; writers go on, and every
# acknowledged note is in the log exactly once; the export verifies.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
check "a private PostgreSQL starts" pg_start || { finish; exit; }
hub_start --store "$PG_STORE"
concord open --title restart >/dev/null

writer() { # writer K: notes wK-1, wK-2, ... until $T/stop exists
	local k=$1 i=0
	while [ ! -e "$T/stop" ]; do
		i=$((i + 1))
		if "$BIN/concord" --as "w$k" note --op "op-w$k-$i" "w$k-$i" \
		    >/dev/null 2>&1; then
			echo "w$k-$i" >>"$T/acked.$k"
		else
			sleep 0.05
		fi
	done
}
for k in 1 2 3 4 5; do
	writer "$k" &
	PIDS+=($!)
done
acked() { cat "$T"/acked.* 2>/dev/null | wc -l; }
at_least() { [ "$(acked)" -ge "$1" ]; }
check "writers make progress" wait_for 60 at_least 100
check "PostgreSQL restarts" pg_restart
before=$(acked)
check "the hub is still running" kill -0 "$HUB_PID"
check "writers go on" wait_for 60 at_least $((before + 100))
check "the hub said it was waiting for the database" \
    grep -q 'retrying every' "$T/data/concordd.log"
check "and that it commits again" grep -q 'committing again' \
    "$T/data/concordd.log"
touch "$T/stop"
wait "${PIDS[@]}" 2>/dev/null
PIDS=()

check "export" concord export --format json -o "$T/log.json"
check "the export verifies" sh -c "'$BIN/concord' verify '$T/log.json' >/dev/null"
grep -o '"text":"w[0-9]*-[0-9]*"' "$T/log.json" |
    sed 's/"text":"\(.*\)"/\1/' | sort >"$T/logged"
sort "$T"/acked.* >"$T/acked"
check "no note is logged twice ($(wc -l <"$T/logged") logged)" \
    test "$(uniq -d "$T/logged" | wc -l)" = 0
missing=$(comm -23 "$T/acked" "$T/logged" | wc -l)
check "every acknowledged note ($(wc -l <"$T/acked")) is in the log" \
    test "$missing" = 0
finish
