# Two concordd on one PostgreSQL (pg.sh) elect one leader, which alone
# issues lease expiries and polls telemetry: /healthz and /metrics say
# which hub leads; a lease claimed through either hub runs out exactly
# once, issued by the leader; a feed is polled by the leader only, the
# other hub shows the values it is told and a crossing is logged once; an
# alert delivered to both hubs is one event; after kill -9 of the leader
# while a lease is renewed through the other hub, the other hub takes the
# lead, the lease is not lost early and, once not renewed, runs out exactly
# once, issued by the new leader; A back as a follower, PostgreSQL
# restarted: the leader loses the lead with its connection, exactly one hub
# leads again, and a lease held across the restart runs out once; a
# renewal through the hub that follows while the database is down is not
# acknowledged.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
. "$(dirname "$0")/peers.sh"
check "a private PostgreSQL starts" pg_start || { finish; exit; }
serve lat.json '{"v":41}'
start_stub || { notok "httpstub starts"; finish; exit; }
TOKEN=s3cret-$RANDOM
cat >"$T/hub.conf" <<EOF2
feed.lat.kind = json
feed.lat.url = $STUBURL/lat.json
feed.lat.query = v
feed.lat.unit = ms
feed.lat.warn = 50
feed.lat.crit = 80
feed.lat.every = 1s
hook-token = $TOKEN
hook-incident = new
EOF2
hub_start --store "$PG_STORE" --lock-delay 0 --config "$T/hub.conf" \
    --listen 127.0.0.1:0 || { finish; exit; }
AP=$(hub_port)
A=unix:$T/hub.sock
mkdir -p "$T/b" && hub_user "$T/b"
"$BIN/concordd" --socket "$T/b.sock" --data "$T/b" --store "$PG_STORE" \
    --lock-delay 0 --config "$T/hub.conf" --listen 127.0.0.1:0 \
    </dev/null >"$T/b.out" 2>&1 &
B_PID=$!
PIDS+=($B_PID)
check "a second hub starts on the same database" \
    wait_for 20 grep -q listening "$T/b.out"
BP=$(grep -oE 'ws://127\.0\.0\.1:[0-9]+' "$T/b.out" | sed 's/.*://')
B=unix:$T/b.sock
on() { local h=$1; shift; CONCORD_HUB=$h "$BIN/concord" "$@"; }
ALOG=$T/data/concordd.log
BLOG=$T/b/concordd.log
health() { curl -sf --max-time 3 "http://127.0.0.1:$1/healthz"; }
metric() { curl -sf --max-time 3 "http://127.0.0.1:$1/metrics" |
    sed -n "s/^$2 //p"; }

check "A, started first, leads (/healthz)" test "$(health "$AP")" = "ok
leader"
check "B follows (/healthz)" test "$(health "$BP")" = "ok
follower"
check "concord_leader is 1 on A, 0 on B" test \
    "$(metric "$AP" concord_leader)$(metric "$BP" concord_leader)" = 10
check "A says so in its log" grep -q 'leader: this hub now leads' "$ALOG"
check "B does not" sh -c "! grep -q 'leader: this hub now leads' '$BLOG'"

check "open on A" sh -c "CONCORD_HUB=$A '$BIN/concord' open --title one >/dev/null"
check "B knows the incident" wait_for 10 sh -c \
    "CONCORD_HUB=$B '$BIN/concord' incidents | grep -q INC-1"

# Telemetry: polled by the leader only; the follower shows what it is told.
feeds() { on "$1" --incident INC-1 feeds 2>/dev/null | grep -qE "$2"; }
check "A shows the feed's value" wait_for 30 feeds "$A" '^lat +ok +41 ms'
check "B shows it too, told by A" wait_for 30 feeds "$B" '^lat +ok +41 ms'
serve lat.json '{"v":90}'
check "the crossing is logged" wait_for 30 sh -c \
    "CONCORD_HUB=$B '$BIN/concord' --incident INC-1 log | grep -q 'lat is 90 ms, over crit 80'"
check "B shows the new value" wait_for 30 feeds "$B" '^lat +crit +90 ms'
polls_a=$(metric "$AP" concord_feed_polls_total)
polls_b=$(metric "$BP" concord_feed_polls_total)
check "A polled the feed ($polls_a polls)" test "${polls_a:-0}" -gt 0
check "B never did ($polls_b polls)" test "${polls_b:-1}" = 0
sleep 3	# more polls at 90: they must log nothing more
levels=$(on "$A" --incident INC-1 log | grep -c 'lat is 90 ms')
check "the crossing is logged once ($levels)" test "$levels" = 1
crossed=$(cat "$ALOG" "$BLOG" | grep -c 'lat is 90 ms, over crit')
check "and issued by one hub ($crossed log lines)" test "$crossed" = 1

# One alert delivered to both hubs at once: one event.
hook() {
	curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST \
	    -H "Authorization: Bearer $TOKEN" \
	    "http://127.0.0.1:$1/hooks/generic" -d "$2" >"$T/hook.$1"
}
FIRE='{"title":"Disk full","text":"db1","key":"disk-db1","incident":"INC-1"}'
hook "$AP" "$FIRE" & PIDS+=($!); ha=$!
hook "$BP" "$FIRE" & PIDS+=($!); hb=$!
wait "$ha" "$hb"
check "both hubs take the alert (200, 200)" test \
    "$(cat "$T/hook.$AP") $(cat "$T/hook.$BP")" = "200 200"
alerts() { on "$1" --incident INC-1 log | grep -c 'FIRING Disk full'; }
check "A's clients see it" wait_for 10 sh -c "[ \$(CONCORD_HUB=$A '$BIN/concord' --incident INC-1 log | grep -c 'FIRING Disk full') -ge 1 ]"
check "it is one event (A: $(alerts "$A"))" test "$(alerts "$A")" = 1
check "B's clients see one too" wait_for 10 sh -c "[ \$(CONCORD_HUB=$B '$BIN/concord' --incident INC-1 log | grep -c 'FIRING Disk full') = 1 ]"

# An alert that opens an incident (hook-incident = new), delivered to
# both hubs at once: one incident, one alert in it.
NEW='{"title":"CPU hot","text":"web1","key":"cpu-web1","severity":"page"}'
hook "$AP" "$NEW" & PIDS+=($!); ha=$!
hook "$BP" "$NEW" & PIDS+=($!); hb=$!
wait "$ha" "$hb"
check "both hubs take the opening alert (200, 200)" test \
    "$(cat "$T/hook.$AP") $(cat "$T/hook.$BP")" = "200 200"
opened=$(pg_sql "SELECT count(*) FROM concord_events WHERE seq = 1 AND
    body LIKE '%CPU hot%'")
check "it opens one incident ($opened)" test "$opened" = 1
cpu=$(pg_sql "SELECT count(*) FROM concord_events WHERE op LIKE 'hook-%'
    AND body LIKE '%CPU hot%'")
check "with the alert in it once ($cpu)" test "$cpu" = 1
check "B lists it once" wait_for 10 sh -c \
    "[ \$(CONCORD_HUB=$B '$BIN/concord' incidents | grep -c 'CPU hot') = 1 ]"

# Leases claimed through either hub run out once, issued by the leader.
expires() { pg_sql "SELECT count(*) FROM concord_events WHERE
    body LIKE '%action.expire%' AND body LIKE '%$1%'"; }
ran_out() { [ "$(expires "$1")" -ge 1 ]; }
for act in on-a on-b; do
	check "declare $act" sh -c "CONCORD_HUB=$A '$BIN/concord' --incident INC-1 declare $act >/dev/null"
done
check "bob claims on-a through A for 3 s" sh -c \
    "CONCORD_HUB=$A '$BIN/concord' --as bob --incident INC-1 claim on-a --ttl 3 >/dev/null"
check "carol claims on-b through B for 3 s" sh -c \
    "CONCORD_HUB=$B '$BIN/concord' --as carol --incident INC-1 claim on-b --ttl 3 >/dev/null"
for act in on-a on-b; do
	check "$act runs out" wait_for 20 ran_out "$act"
done
sleep 1	# a late second expiry would be logged by now
check "each exactly once ($(expires on-a), $(expires on-b))" \
    test "$(expires on-a)$(expires on-b)" = 11
check "both issued by A, the leader" test \
    "$(grep -c 'lease on on-[ab] ran out' "$ALOG")$(grep -c 'lease on on-[ab] ran out' "$BLOG")" = 20

# kill -9 the leader while a lease is held and renewed through B.
check "declare held" sh -c "CONCORD_HUB=$A '$BIN/concord' --incident INC-1 declare held >/dev/null"
check "bob claims held through A for 3 s" sh -c \
    "CONCORD_HUB=$A '$BIN/concord' --as bob --incident INC-1 claim held --ttl 3 >/dev/null"
check "B knows the claim" wait_for 10 sh -c \
    "CONCORD_HUB=$B '$BIN/concord' --incident INC-1 show 2>/dev/null | grep -q 'held.*bob'"
renew() { on "$B" --as bob --incident INC-1 renew held >/dev/null 2>&1; }
renewed=0
for i in 1 2; do
	renew && renewed=$((renewed + 1))
	sleep 1	# the renewal period under test, not a synchronisation
done
hub_kill9
check "A is gone (kill -9)" true
for i in 1 2 3 4 5 6; do
	renew && renewed=$((renewed + 1))
	t0=$EPOCHREALTIME
	sleep 1	# the renewal period under test
done
check "bob renews through B throughout ($renewed of 8)" test "$renewed" = 8
check "B took the lead" grep -q 'leader: this hub now leads' "$BLOG"
check "B's /healthz says so" test "$(health "$BP")" = "ok
leader"
check "the lease was not lost early" test "$(expires held)" = 0
check "it runs out once it is not renewed" wait_for 20 ran_out held
t1=$EPOCHREALTIME
took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
check "no sooner than its 3 s ttl after the last renewal (${took} s)" \
    awk -v t="$took" 'BEGIN { exit !(t >= 2.9) }'
sleep 1	# a late second expiry would be logged by now
check "exactly once ($(expires held))" test "$(expires held)" = 1
check "issued by B, the new leader" grep -q 'lease on held ran out' "$BLOG"

# A comes back and follows; PostgreSQL restarts under both.
hub_start --store "$PG_STORE" --lock-delay 0 --config "$T/hub.conf" \
    --listen 127.0.0.1:0 || { finish; exit; }
AP=$(hub_port)
check "A, back, follows" test "$(health "$AP")" = "ok
follower"
check "declare across" sh -c "CONCORD_HUB=$A '$BIN/concord' --incident INC-1 declare across >/dev/null"
check "bob claims across through A for 3 s" sh -c \
    "CONCORD_HUB=$A '$BIN/concord' --as bob --incident INC-1 claim across --ttl 3 >/dev/null"
check "PostgreSQL restarts" pg_restart
check "B says it lost the lead" wait_for 20 grep -q \
    'leader: this hub no longer leads' "$BLOG"
leaders() {
	local n=0 p
	for p in "$AP" "$BP"; do
		[ "$(health "$p" | sed -n 2p)" = leader ] && n=$((n + 1))
	done
	[ "$n" = 1 ]
}
check "exactly one hub leads again" wait_for 20 leaders
check "across runs out" wait_for 30 ran_out across
sleep 2	# a late second expiry would be logged by now
check "exactly once ($(expires across))" test "$(expires across)" = 1

# A renewal through the hub that does not lead, while the database is
# down, cannot be told to the leader: it is not acknowledged (error
# unavailable, to be sent again), and is once the database is back.
check "declare late" sh -c "CONCORD_HUB=$A '$BIN/concord' --incident INC-1 declare late >/dev/null"
check "bob claims late for 60 s" sh -c \
    "CONCORD_HUB=$A '$BIN/concord' --as bob --incident INC-1 claim late --ttl 60 >/dev/null"
if [ "$(health "$AP" | sed -n 2p)" = follower ]; then F=$A; else F=$B; fi
fence=$(pg_sql "SELECT seq FROM concord_incidents WHERE id = 'INC-1'")
V=$(sed -n 's/^#define PROTO_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
    "$TOP/include/proto.h")
renew() { # renew OP: bob renews late through F, raw; the answer in $T/OP
	"$TOOLS/rawws" -t 10 "$F" \
	    'send:{"type":"hello","proto":'$V',"user":"bob"}' recv \
	    'send:{"type":"command","op":"'$1'","incident":"INC-1","cmd":"action.renew","name":"late","fence":'$fence'}' \
	    recv recv >"$T/$1" 2>&1
}
pg_halt
renew renew-1
echo "# answer: $(grep -v welcome "$T/renew-1" | tail -1 | cut -c1-200)"
check "a renewal through the hub that follows, the database down, is not acknowledged (error unavailable)" \
    grep -q '"type":"error","op":"renew-1","code":"unavailable"' "$T/renew-1"
pg_run
renewed() { renew renew-2; grep -q '"type":"ack"' "$T/renew-2"; }
check "once the database is back it is" wait_for 30 renewed
finish
