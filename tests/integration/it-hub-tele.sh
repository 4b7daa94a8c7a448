# Telemetry and alert intake through a real hub, with real peers on
# loopback: a real Prometheus (Debian's prometheus) scraping a target this
# test rewrites (build/tools/httpstub), a real Alertmanager (Debian's
# prometheus-alertmanager) delivering its webhook to concordd, and the
# console in tmux.  A feed of the hub's configuration follows the value;
# each threshold crossing is one event each way, a value jittering at the
# threshold none; a feed added from the CLI reads a JSON endpoint; garbage
# is an error, never a number; a hanging endpoint does not delay a note;
# the console draws the value and its sparkline, then STALE; a decision
# taken in the console records the feeds; Alertmanager's alert is logged
# firing and then resolved, once each however often it is delivered;
# webhooks without the token get 401; promtool accepts /metrics.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tmux.sh"
trap 'tmux_cleanup; cleanup' EXIT
STUB=$TOOLS/httpstub
PROM=$(command -v prometheus)
AM=$(command -v prometheus-alertmanager)
PROMTOOL=$(command -v promtool)
if [ ! -x "$STUB" ] || [ -z "$PROM" ] || [ -z "$AM" ] || [ -z "$PROMTOOL" ]; then
	notok "httpstub, prometheus, promtool and alertmanager are there (make deps)"
	finish
	exit
fi
. "$(dirname "$0")/peers.sh"
quiet() { "$@" >/dev/null; }

serve metrics.prom 'concord_demo_latency 41'
serve doc.json '{"data":{"items":[{"value":12.5}]}}'
start_stub || { notok "httpstub starts"; finish; exit; }
start_prometheus
check "prometheus starts" test -n "${PP:-}"
[ -n "${PP:-}" ] || { finish; exit; }

# The hub: a configured feed for every incident, and the webhooks.
TOKEN=s3cret-$RANDOM
cat >"$T/hub.conf" <<EOF
feed.p99.kind = prom
feed.p99.url = http://127.0.0.1:$PP
feed.p99.query = max(concord_demo_latency)
feed.p99.unit = ms
feed.p99.warn = 50
feed.p99.crit = 80
feed.p99.every = 1s
hook-token = $TOKEN
EOF
hub_start --config "$T/hub.conf" --listen 127.0.0.1:0 || { finish; exit; }
HP=$(hub_port)
concord open --title "checkout slow" >/dev/null
feeds() { concord feeds >"$T/feeds.out" 2>&1; grep -qE "$1" "$T/feeds.out"; }
levels() { concord log | grep -c "concordd  p99 is"; }

check "concord feeds shows the configured feed's value (41 ms)" \
    wait_for 60 feeds '^p99 +ok +41 ms \([0-9]+ s old\)$'
check "it has no crossing yet" test "$(levels)" = 0
serve metrics.prom 'concord_demo_latency 90'
check "crossing crit is logged" \
    wait_for 60 sh -c "'$BIN/concord' log | grep -q 'p99 is 90 ms, over crit 80'"
check "concord feeds shows the level" wait_for 30 feeds '^p99 +crit +90 ms'
# Jitter around the threshold: the 5% band keeps it critical.
for v in 79 82 78 81; do
	serve metrics.prom "concord_demo_latency $v"
	wait_for 30 feeds "^p99 .* $v ms"
done
check "a value jittering at the threshold logs nothing more" test "$(levels)" = 1
serve metrics.prom 'concord_demo_latency 10'
check "back under warn is one event" \
    wait_for 60 sh -c "'$BIN/concord' log | grep -q 'p99 is back to 10 ms'"
sleep 3	# several more polls at 10: they must log nothing
check "exactly one event each way" test "$(levels)" = 2

# A feed added from the CLI, and garbage.
check "feed add (json) is accepted" quiet concord feed add doc json \
    "$STUBURL/doc.json" 'data.items[0].value' --unit req/s --every 1s
check "its value is shown" wait_for 30 feeds '^doc +- +12.5 req/s'
check "feed add of garbage is accepted" quiet concord feed add junk json \
    "$STUBURL/garbage" a --every 1s
check "garbage shows its error" wait_for 30 feeds '^junk .*bad JSON'
concord feeds --json >"$T/feeds.json"
check "and never a number (--json: value null, the error)" \
    python3 -c "
import json, sys
f = {x['name']: x for x in json.load(open('$T/feeds.json'))['feeds']}
sys.exit(0 if f['junk']['value'] is None and 'bad JSON' in f['junk']['error'] and f['doc']['value'] == 12.5 else 1)"
check "feed rm" quiet concord feed rm junk
check "the removed feed is gone" wait_for 30 sh -c "! '$BIN/concord' feeds | grep -q junk"
concord feed rm nope 2>/dev/null; rc=$?
check "feed rm of an unknown feed is refused (3)" test "$rc" = 3

# A hanging endpoint (30 s timeout) does not delay notes.
check "a feed on a hanging endpoint is accepted" quiet concord feed add hang json \
    "$STUBURL/hang-30" a --every 30s
check "its poll hangs" wait_for 30 grep -q 'GET /hang-30 hangs' "$T/stub.err"
worst=0
for i in $(seq 20); do
	s=$(date +%s%N)
	concord note "note $i while a poll hangs" >/dev/null || worst=99999
	e=$(( ($(date +%s%N) - s) / 1000000 ))
	[ "$e" -gt "$worst" ] && worst=$e
done
check "20 notes round-trip while the poll hangs (slowest $worst ms, bound 2000)" \
    test "$worst" -lt 2000
concord feed rm hang >/dev/null

# The console: the value, its sparkline, then STALE.
console_start alice "$CONCORD_HUB" alice
check "the console shows the feed's value" \
    wait_for 30 screen_has alice 'p99 .* 10 ms'
check "and a sparkline" wait_for 30 screen_has alice 'p99 +[▁▂▃▄▅▆▇█]+'
tm send-keys -t alice "/decide roll back the deploy" Enter
check "a decision in the console records the feeds" \
    wait_for 30 sh -c "'$BIN/concord' log | grep -q 'decided: roll back the deploy \[p99: 10 ms ([0-9]* s old)'"
check "show prints them" sh -c "'$BIN/concord' show | grep -A2 'roll back the deploy' | grep -q 'p99: 10 ms'"
kill -STOP "$PROM_PID"
check "when the endpoint stops answering, the console says STALE" \
    wait_for 30 screen_has alice 'p99 .*STALE'
kill -CONT "$PROM_PID"
check "and live again when it answers" \
    wait_for 30 sh -c "'$BIN/concord' feeds | grep -qE '^p99 +ok +10 ms \([0-9] s old\)$'"
[ "$FAILS" = 0 ] || console_dump alice

# Webhooks: the token, and a real Alertmanager.
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
check "a webhook without the token gets 401" test \
    "$(code -X POST "http://127.0.0.1:$HP/hooks/alertmanager" -d '{}')" = 401
check "with a wrong token 401" test "$(code -X POST -H 'Authorization: Bearer x' \
    "http://127.0.0.1:$HP/hooks/generic" -d '{"title":"t"}')" = 401
check "a bad payload gets 400" test "$(code -X POST -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$HP/hooks/alertmanager" -d '{"version":"4"}')" = 400
head -c 1100000 /dev/zero | tr '\0' a >"$T/big"
check "an oversized one 413" test "$(code -X POST -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$HP/hooks/generic" --data-binary @"$T/big")" = 413
cat >"$T/alertmanager.yml" <<EOF
route:
  receiver: concord
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 2s
receivers:
  - name: concord
    webhook_configs:
      - url: http://127.0.0.1:$HP/hooks/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: $TOKEN
EOF
start_peer alertmanager AP "$AM" --config.file="$T/alertmanager.yml" \
    --storage.path="$T/am-data" --web.listen-address=127.0.0.1:@PORT@ \
    --cluster.listen-address=
check "alertmanager starts" test -n "${AP:-}"
alert() {
	curl -sf --max-time 10 -X POST -H 'Content-Type: application/json' \
	    "http://127.0.0.1:$AP/api/v2/alerts" -d '[{"labels":{"alertname":"CheckoutLatency","severity":"critical","instance":"api:9100","concord_incident":"INC-1"},"annotations":{"summary":"Checkout is slow"}'"${1:+,\"endsAt\":\"$1\"}"'}]'
}
firing() { concord log | grep -c 'alertmanager  FIRING CheckoutLatency: Checkout is slow (api:9100)'; }
check "an alert is posted to Alertmanager" alert
check "Alertmanager's webhook puts it in the timeline" wait_for 60 sh -c "[ \$('$BIN/concord' log | grep -c 'alertmanager  FIRING CheckoutLatency') -ge 1 ]"
check "Alertmanager delivered it again (repeat interval 2 s)" \
    wait_for 60 sh -c "[ \$(grep -c 'hook: 0 alert(s) logged, 1 already' '$T/data/concordd.log') -ge 1 ]"
check "repeated deliveries add nothing" test "$(firing)" = 1
check "the alert is resolved through the API" alert "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
check "the resolution is logged" wait_for 60 sh -c "'$BIN/concord' log | grep -q 'alertmanager  RESOLVED CheckoutLatency'"
check "once" test "$(concord log | grep -c 'RESOLVED CheckoutLatency')" = 1
check "the export verifies with the alerts in it" sh -c \
    "'$BIN/concord' export --format json | '$BIN/concord' verify - >/dev/null"

curl -s --max-time 10 "http://127.0.0.1:$HP/metrics" >"$T/metrics"
check "promtool check metrics accepts /metrics" sh -c "'$PROMTOOL' check metrics <'$T/metrics'"
check "/metrics counts polls, hooks, alerts and commits" sh -c "
    grep -qE '^concord_feed_polls_total [1-9]' '$T/metrics' &&
    grep -qE '^concord_alerts_total 2$' '$T/metrics' &&
    grep -qE '^concord_hook_deliveries_total [1-9]' '$T/metrics' &&
    grep -q '^concord_commit_seconds_bucket{le=\"+Inf\"}' '$T/metrics'"
if [ "$FAILS" != 0 ]; then
	echo "--- feeds"; cat "$T/feeds.out"; echo "--- log"; concord log | tail -20
	echo "--- stub"; tail -10 "$T/stub.err"
fi
finish
