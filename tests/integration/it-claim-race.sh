# 20 concurrent `concord claim` processes on one action: exactly one is
# granted (exit 0), every other is refused (exit 3) naming the holder.
. "$(dirname "$0")/lib.sh"
hub_start
concord open --title race >/dev/null
concord declare failover-db >/dev/null
for i in $(seq 1 20); do
	( concord --as "user$i" claim failover-db >"$T/out.$i" 2>"$T/err.$i"
	  echo $? >"$T/rc.$i" ) &
	PIDS+=($!)
done
wait "${PIDS[@]}"
zero=$(cat "$T"/rc.* | grep -c '^0$')
three=$(cat "$T"/rc.* | grep -c '^3$')
check "exactly one claim granted" test "$zero" = 1
check "the other 19 refused with exit 3" test "$three" = 19
winner=$(grep -l '^0$' "$T"/rc.* | sed 's/.*rc\.//')
holder=user$winner
refusals=$(grep -l "held by $holder " "$T"/err.* | wc -l)
check "every refusal names the holder $holder" test "$refusals" = 19
fence=$(awk '{print $NF}' "$T/out.$winner")
check "the winner's fence is the claim's seq" sh -c "'$BIN/concord' log | grep -q \"#$fence .*$holder.*claimed failover-db (fence $fence\""
check "one claim event in the log" test "$(concord log | grep -c 'claimed failover-db')" = 1
finish
