# The CLI against a real hub: every subcommand, refusals with reasons and
# exit statuses, exports and offline verification.
. "$(dirname "$0")/lib.sh"
hub_start --lock-delay 1

out=$(concord open --title "Checkout p99 latency" --sev 1)
id=${out##* }
check "open prints the incident id last" test "$id" = INC-1
check "the only open incident is the default" concord note "first note"
check "roles" concord role assign bob ops
concord --as bob role assign carol comms 2>$T/err; rc=$?
check "role assign by a non-IC is refused with exit 3" test $rc = 3
check "the refusal names the right and the IC" grep -qF "needs the right 'role' (held by: ic (alice))" $T/err
check "declare a" concord declare failover-db --desc "promote replica"
check "declare b after a" concord declare purge-cache --after failover-db
check "declare c conflicting" concord declare restart-api --conflicts failover-db
concord declare bad --after nosuch 2>$T/err
check "declare naming an unknown action is refused" grep -q "no action named nosuch" $T/err

out=$(concord --as bob claim failover-db --ttl 30); rc=$?
fence=${out##* }
check "claim succeeds and prints the fence last" test $rc = 0 -a "$fence" -gt 0
concord --as carol claim failover-db 2>$T/err; rc=$?
check "second claim refused with exit 3" test $rc = 3
check "refusal says who holds it, fence and time left" \
    grep -qE "failover-db is held by bob \(fence $fence, [0-9]+ s left\)" $T/err
concord --as carol claim purge-cache 2>$T/err; rc=$?
check "claim of a blocked action is refused" test $rc = 3
check "blocked reason" grep -q "runs after failover-db" $T/err
concord --as carol claim restart-api 2>$T/err; rc=$?
check "claim of a conflicting action is refused" grep -q "conflicts with failover-db" $T/err
check "renew by the holder" concord --as bob renew failover-db
concord --as carol renew failover-db --fence $fence 2>$T/err; rc=$?
check "renew by another is refused" test $rc = 3
concord --as bob done failover-db --outcome success --fence $((fence - 1)) 2>$T/err; rc=$?
check "done with a stale fence is refused" test $rc = 3
check "done with the holder's grant" concord --as bob done failover-db --outcome success --note "replica promoted"
check "purge-cache is unblocked" concord --as carol claim purge-cache
check "release by the holder (own grant found)" concord --as carol release purge-cache
check "claim again at once after a release (no lock-delay)" concord --as dave claim purge-cache
check "break by the IC" concord break purge-cache --reason "dave is gone"
concord --as carol claim purge-cache 2>$T/err; rc=$?
check "claim during lock-delay after a break is refused" grep -q "lock-delay" $T/err
check "claim after the lock-delay" wait_for 10 concord --as carol claim purge-cache

head=$(concord log --json | tail -1 | sed 's/.*"seq":\([0-9]*\).*/\1/')
check "status" concord status mitigating
concord --based-on $head sev 2 2>/dev/null
check "sev based on a view older than the severity is accepted" test $? = 0
concord --based-on 1 status monitoring 2>$T/err; rc=$?
check "status based on a stale view is refused" test $rc = 3
check "stale reason names the change" grep -q "your view is stale: status changed at seq" $T/err
check "summary" concord --as carol summary "db failover done; p99 recovering"

concord --as dave command take 2>$T/err; rc=$?
check "take while held is refused" test $rc = 3
concord --as dave command take --force --reason "alice vanished" 2>$T/err; rc=$?
check "forced take is refused (exit 3) while the IC is connected? no: alice is not connected, so it works" test $rc = 0
check "offer command back" concord --as dave command offer alice
check "accept" concord command accept
check "resign" concord command resign
check "take vacant command" concord command take

concord --as bob note "tab	and ünïcödé ✓"
check "log shows the unicode note" sh -c "'$BIN/concord' log | grep -q 'ünïcödé ✓'"
check "log ends with the digest line" sh -c "'$BIN/concord' log | tail -1 | grep -qE '^-- INC-1 at seq [0-9]+ · [0-9a-f]{6}$'"
check "incidents lists it" sh -c "'$BIN/concord' incidents | grep -q 'INC-1'"
noteseq=$(concord log | grep 'first note' | sed 's/.*#\([0-9]*\) .*/\1/')
check "amend a note" concord amend $noteseq "first note, corrected"
concord --as carol amend $noteseq "not mine" 2>$T/err; rc=$?
check "amending someone else's note is refused" test $rc = 3
check "mark a key moment" concord --as carol mark $noteseq detection
concord mark $noteseq hunch 2>/dev/null; rc=$?
check "an unknown moment kind is a usage error (exit 1)" test $rc = 1
check "decide records a decision" concord --as bob decide "fail over to the replica"
check "log shows it" sh -c "'$BIN/concord' log | grep -q 'bob.*decided: fail over to the replica'"
concord decide "" 2>/dev/null; rc=$?
check "an empty decision is a usage error" test $rc = 1
check "export json" concord export --format json -o $T/inc.json
check "export md" concord export --format md -o $T/inc.md
check "md lists key moments first" sh -c "grep -A2 '## Key moments' $T/inc.md | grep -q 'detection.*first note, corrected (amended at'"
check "md lists the decision as a key moment" sh -c "grep -A4 '## Key moments' $T/inc.md | grep -q 'decision.*bob.*fail over to the replica (marked by bob)'"
check "md has a timeline and the action table" sh -c "grep -q '## Timeline' $T/inc.md && grep -q '| failover-db | done | bob |' $T/inc.md"
check "verify accepts the export" concord verify $T/inc.json
check "verify reads a pipe" sh -c "'$BIN/concord' export --format json | '$BIN/concord' verify - | grep -q '^verified INC-1'"
sed 's/first note/First note/' $T/inc.json > $T/bad.json
concord verify $T/bad.json 2>$T/err; rc=$?
check "verify rejects a tampered export" test $rc = 1
check "and says where" grep -q "chain broken at seq $noteseq" $T/err

concord open --title "second" >/dev/null
concord note "x" 2>$T/err; rc=$?
check "two open incidents: no default, exit 1" test $rc = 1
check "the error lists them" grep -q "INC-2" $T/err
check "-i chooses" concord -i INC-2 note "x"
check "CONCORD_INCIDENT chooses" env CONCORD_INCIDENT=INC-2 "$BIN/concord" note "y"

out1=$(concord open --op open-retry --title "third"); out2=$(concord open --op open-retry --title "third")
check "a retried open names the same incident" test "${out1##* }" = "${out2##* }"
check "and opens it once" test "$(concord incidents | grep -c third)" = 1
{ head -n -2 $T/inc.json | sed '$ s/,$//'; echo ']}'; } >$T/cut.json
concord verify $T/cut.json 2>$T/err; rc=$?
check "verify rejects an export cut short" test $rc = 1
check "saying so" grep -q "cut short or altered" $T/err
concord --as 'bad name' note x 2>/dev/null; rc=$?
check "a bad user name is a usage error (exit 1)" test $rc = 1
concord --as concordd note x 2>/dev/null; rc=$?
check "the hub's own name cannot be used" test $rc = 1

mkdir -p $T/cfg/concord
printf '# team defaults\nhub = %s\nuser = zed\n' "$CONCORD_HUB" >$T/cfg/concord/concord.conf
check "the config file gives the hub and the user" sh -c \
    "env -u CONCORD_HUB -u CONCORD_USER XDG_CONFIG_HOME=$T/cfg '$BIN/concord' -i INC-1 note 'from config' && '$BIN/concord' -i INC-1 log | grep -q 'zed (by $ME)  from config'"
check "the environment wins over the config file" sh -c \
    "env CONCORD_USER=yan XDG_CONFIG_HOME=$T/cfg '$BIN/concord' -i INC-1 note 'from env' && '$BIN/concord' -i INC-1 log | grep -q 'yan (by $ME)  from env'"
printf 'colour = blue\n' >$T/cfg/concord/concord.conf
XDG_CONFIG_HOME=$T/cfg concord incidents 2>$T/err; rc=$?
check "a bad config line is an error naming the line" sh -c "test $rc = 1 && grep -q 'concord.conf:1: unknown setting' $T/err"

CONCORD_HUB=unix:$T/nothing.sock concord note x 2>/dev/null; rc=$?
check "unreachable hub exits 2" test $rc = 2
concord frobnicate 2>/dev/null; rc=$?
check "unknown command exits 1" test $rc = 1
concord --help | grep -q "Exit status"
check "--help lists exit statuses" test $? = 0
"$BIN/concordd" --socket $T/other.sock --data $T/data >$T/second.out 2>&1; rc=$?
check "a second hub on the same data directory fails" test $rc = 1
check "with a clear message" grep -q "in use by another concordd" $T/second.out

out=$(concord demo --script 2>&1); rc=$?
check "the scripted demo runs" test $rc = 0
check "and ends with the timeline and its digest" sh -c \
    "printf '%s\n' \"\$1\" | grep -qE '^-- INC-[0-9]+ at seq 18 · [0-9a-f]{6}\$'" _ "$out"
check "its refused claims say why" sh -c \
    "printf '%s\n' \"\$1\" | grep -q 'rollback-deploy conflicts with restart-api, running'" _ "$out"

# TCP: websocket clients, /healthz and /metrics on the same port.
hub_kill9
"$BIN/concordd" --socket "$T/hub.sock" --listen 127.0.0.1:0 --data "$T/data" \
    ${HUB_STORE[@]+"${HUB_STORE[@]}"} >"$T/tcp.out" 2>&1 </dev/null &
HUB_PID=$!
wait_for 20 grep -q listening "$T/tcp.out"
url=$(grep -o 'ws://[0-9.]*:[0-9]*' "$T/tcp.out"); port=${url##*:}
check "the listening line names the TCP port" test -n "$port"
check "a client over TCP" concord --hub "$url" -i INC-1 note "over tcp"
check "GET /healthz" sh -c "curl -sf http://127.0.0.1:$port/healthz | grep -qx ok"
check "GET /metrics counts committed events" sh -c \
    "curl -sf http://127.0.0.1:$port/metrics | grep -qE '^concord_events_total [1-9]'"
check "other paths are 404" test "$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/nope)" = 404
finish
