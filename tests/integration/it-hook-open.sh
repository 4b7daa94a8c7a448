# Webhook routing without a concord_incident label: with hook-incident =
# new a firing alert opens an incident (command left vacant), its repeats
# and its resolution go to that same incident and are logged once each,
# and a resolution whose firing opened nothing is refused; with "open" (the
# default) an alert goes to the only open incident, and with two open it
# is refused with the reason and nothing is logged.
. "$(dirname "$0")/lib.sh"
TOKEN=tok-$RANDOM
printf 'hook-token = %s\nhook-incident = new\n' "$TOKEN" >"$T/new.conf"
hub_start --config "$T/new.conf" --listen 127.0.0.1:0 || { finish; exit; }
HP=$(hub_port)
# hook JSON: POST it to the generic hook; the status and body in $T/hook.
hook() {
	curl -s -o "$T/hook" -w '%{http_code}' --max-time 10 -X POST \
	    -H "Authorization: Bearer $TOKEN" \
	    "http://127.0.0.1:$HP/hooks/generic" -d "$1"
}
FIRE='{"title":"Disk full","text":"db1 at 99%","severity":"page","key":"disk-db1"}'
check "a firing alert is taken (200)" test "$(hook "$FIRE")" = 200
check "and opens an incident" sh -c "'$BIN/concord' incidents | grep -q '^INC-1 .*SEV1 .*IC vacant .*Disk full: db1 at 99%'"
check "command is left vacant" sh -c "'$BIN/concord' -i INC-1 log | grep -q 'webhook (ic)  resigned command'"
check "the alert is in it" sh -c "'$BIN/concord' -i INC-1 log | grep -q 'webhook  FIRING Disk full: db1 at 99%'"
check "a repeat is taken" test "$(hook "$FIRE")" = 200
check "as a duplicate" grep -q '"recorded":0,"duplicates":1' "$T/hook"
check "and opens nothing more" test "$(concord incidents | wc -l)" = 1
check "its resolution is taken" test "$(hook '{"title":"Disk full","text":"db1 at 99%","key":"disk-db1","status":"resolved"}')" = 200
check "into the same incident" sh -c "'$BIN/concord' -i INC-1 log | grep -q 'webhook  RESOLVED Disk full'"
check "a resolution whose firing opened nothing is refused (400)" \
    test "$(hook '{"title":"Other","key":"o","status":"resolved"}')" = 400
check "saying why" grep -q 'opened no incident' "$T/hook"
check "and opens nothing" test "$(concord incidents | wc -l)" = 1
hub_kill9

printf 'hook-token = %s\n' "$TOKEN" >"$T/open.conf"
hub_store_reset
hub_start --config "$T/open.conf" --listen 127.0.0.1:0 || { finish; exit; }
HP=$(hub_port)
concord open --title one >/dev/null
check "with one open incident an alert goes there" test "$(hook "$FIRE")" = 200
check "it is logged in INC-1" sh -c "'$BIN/concord' -i INC-1 log | grep -q 'FIRING Disk full'"
concord open --title two >/dev/null
check "with two open, an alert without a label is refused (400)" \
    test "$(hook '{"title":"Other","key":"x"}')" = 400
check "saying why" grep -q 'several incidents are open' "$T/hook"
check "and nothing of it is logged" sh -c "! '$BIN/concord' -i INC-2 log | grep -q Other && ! '$BIN/concord' -i INC-1 log | grep -q Other"
check "a label routes it" test "$(hook '{"title":"Other","key":"x","incident":"INC-2"}')" = 200
check "to INC-2" sh -c "'$BIN/concord' -i INC-2 log | grep -q 'FIRING Other'"
check "an unknown incident is refused (400)" \
    test "$(hook '{"title":"Other","key":"y","incident":"INC-9"}')" = 400
finish
