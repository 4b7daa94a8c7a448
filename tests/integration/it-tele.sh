# Telemetry against real peers on loopback: a real Prometheus (Debian's
# prometheus) scraping a target this test rewrites (build/tools/httpstub
# serving a metrics file), and the telemetry engine (src/tele, driven by
# build/tools/teleprobe as the hub drives it) polling it and other
# endpoints: a PromQL feed follows the value as it changes (one series,
# and several reduced), a JSON endpoint's value at a path, an endpoint that
# hangs times out without delaying the other feeds, garbage and a bad
# query are errors and never numbers, a refused port is an error, and
# freeing the engine while a poll hangs is prompt.  Then a real
# Alertmanager (Debian's prometheus-alertmanager) is sent an alert through
# its API and delivers its webhook to the stub; the delivered bodies,
# firing and then resolved, decode (proto_am_decode).  Every process is
# killed by its saved pid.
. "$(dirname "$0")/lib.sh"
PROBE=$TOOLS/teleprobe
STUB=$TOOLS/httpstub
PROM=$(command -v prometheus)
AM=$(command -v prometheus-alertmanager)
if [ ! -x "$PROBE" ] || [ ! -x "$STUB" ]; then
	notok "teleprobe and httpstub are built (make build/tools/teleprobe build/tools/httpstub)"
	finish
	exit
fi
if [ -z "$PROM" ] || [ -z "$AM" ]; then
	notok "prometheus and prometheus-alertmanager are installed (make deps)"
	finish
	exit
fi
. "$(dirname "$0")/peers.sh"

serve metrics.prom '# TYPE concord_demo_value gauge
concord_demo_value 41
concord_demo_multi{shard="a"} 3
concord_demo_multi{shard="b"} 7'
serve doc.json '{"data":{"items":[{"value":12.5}]}}'
if ! start_stub; then
	notok "httpstub starts"; cat "$T/stub.err"; finish; exit
fi

# A real Prometheus, scraping the stub every second.
start_prometheus
check "prometheus starts and is ready" test -n "${PP:-}"
[ -n "${PP:-}" ] || { finish; exit; }
PROMURL=http://127.0.0.1:$PP
REFUSED=http://127.0.0.1:$(free_port)

# The engine polls everything at once, as the hub would.
"$PROBE" poll --seconds 300 \
    --feed demo --kind prom --url "$PROMURL" --query 'max(concord_demo_value)' --every 300 \
    --feed multi --kind prom --url "$PROMURL" --query 'concord_demo_multi' --every 300 \
    --feed multisum --kind prom --url "$PROMURL" --query 'concord_demo_multi' --every 300 --reduce sum \
    --feed doc --kind json --url "$STUBURL/doc.json" --query 'data.items[0].value' --every 300 \
    --feed hang --kind json --url "$STUBURL/hang" --query a --every 2500 --timeout 2000 \
    --feed garbage --kind json --url "$STUBURL/garbage" --query a --every 500 \
    --feed badquery --kind prom --url "$PROMURL" --query 'rate(x[' --every 1000 \
    --feed unavailable --kind json --url "$STUBURL/status/503" --query a --every 1000 \
    --feed refused --kind prom --url "$REFUSED" --query up --every 1000 \
    >"$T/probe.out" 2>"$T/probe.err" &
PROBE_PID=$!
PIDS+=($PROBE_PID)
P=$T/probe.out
has() { grep -qE "$1" "$P"; }

# (a) The PromQL feed follows the value (Prometheus scrapes once a second).
check "a PromQL feed reads the value Prometheus scraped (41)" \
    wait_for 90 has '^sample demo .* ok value=41 series=1$'
serve metrics.prom 'concord_demo_value 42
concord_demo_multi{shard="a"} 3
concord_demo_multi{shard="b"} 9'
check "it follows the value as it changes (42)" \
    wait_for 60 has '^sample demo .* ok value=42 series=1$'
serve metrics.prom 'concord_demo_value 43.5
concord_demo_multi{shard="a"} 11
concord_demo_multi{shard="b"} 9'
check "and again (43.5)" wait_for 60 has '^sample demo .* ok value=43.5 series=1$'
check "several series are reduced, and it says how (max)" \
    has '^sample multi .* ok value=(7|9|11) series=2 how="max of 2 series"$'
check "several series follow the values too (max 11)" \
    wait_for 60 has '^sample multi .* ok value=11 series=2'
check "a sum of the series (20)" \
    wait_for 60 has '^sample multisum .* ok value=20 series=2 how="sum of 2 series"$'

# (b) A JSON endpoint and a path.
check "a JSON feed reads the value at its path (12.5)" \
    wait_for 30 has '^sample doc .* ok value=12.5 series=1$'
serve doc.json '{"data":{"items":[{"value":"17"}]}}'
check "it follows the document as it changes (a numeric string, 17)" \
    wait_for 30 has '^sample doc .* ok value=17 series=1$'
serve doc.json '{"data":{"items":[]}}'
check "a missing path is an error that says so" \
    wait_for 30 has '^sample doc .* error="missing path: no element \[0\] in data.items'
serve doc.json '{"data":{"items":[{"value":12.5}]}}'

# (c) A hanging endpoint: a timeout, and the other feeds go on meanwhile.
check "an endpoint that hangs gives a timeout error" \
    wait_for 30 has '^sample hang .* error="timeout: no answer in 2000 ms"$'
wait_for 30 sh -c "[ \$(grep -c '^sample hang ' '$P') -ge 2 ]"
took=$(sed -n 's/^sample hang .* took=\([0-9]*\) .*/\1/p' "$P" | head -1)
check "the timeout came after about 2 s ($took ms)" \
    test "${took:-0}" -ge 1900 -a "${took:-0}" -le 4000
# The longest gap between two samples of the 300 ms feed "doc", while
# "hang" had a poll hanging most of the time.
gap=$(awk '/^sample doc / { sub(/^t=/, "", $3); t = $3 + 0;
    if (n++ > 0 && t - last > max) max = t - last; last = t }
    END { print max + 0 }' "$P")
ndoc=$(grep -c '^sample doc ' "$P")
check "the hang delays no other feed: $ndoc samples of doc, longest gap $gap ms" \
    test "$ndoc" -ge 10 -a "$gap" -le 1200

# (d) Garbage, a bad query, a 503 and a refused port: errors, never numbers.
check "garbage gives an error" has '^sample garbage .* error="bad JSON'
check "garbage never gives a number" eval '! has "^sample garbage .* ok "'
check "a bad PromQL query gives Prometheus's reason" \
    has '^sample badquery .* error="HTTP 400: bad_data: .*parse error'
check "HTTP 503 is an error" has '^sample unavailable .* error="HTTP 503"$'
check "a refused port is an error" has '^sample refused .* error="refused: '
check "none of them ever gives a number" \
    eval '! grep -E "^sample (badquery|unavailable|refused|hang) .* ok " "$P"'
kill "$PROBE_PID" 2>/dev/null
wait "$PROBE_PID" 2>/dev/null

# (e) Freeing the engine while a poll hangs (its timeout 10 s) is prompt.
start=$EPOCHREALTIME
"$PROBE" poll --free-after 1500 --feed hang --kind json \
    --url "$STUBURL/hang-free" --query a --every 20000 --timeout 10000 \
    >"$T/free.out" 2>&1
took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%d", (b - a) * 1000 }')
freed=$(sed -n 's/^freed in \([0-9]*\) ms$/\1/p' "$T/free.out")
check "the poll was hanging when the engine was freed" \
    grep -q 'GET /hang-free hangs' "$T/stub.err"
check "tele_free returns promptly while a poll hangs (${freed:-?} ms)" \
    test -n "$freed" -a "${freed:-9999}" -le 500
check "the whole run took about its 1.5 s ($took ms)" test "$took" -le 4000

# A real Alertmanager delivers its webhook to the stub.
cat >"$T/alertmanager.yml" <<EOF
route:
  receiver: concord
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: concord
    webhook_configs:
      - url: $STUBURL/alertmanager
        send_resolved: true
EOF
start_peer alertmanager AP "$AM" --config.file="$T/alertmanager.yml" \
    --storage.path="$T/am-data" --web.listen-address=127.0.0.1:@PORT@ \
    --cluster.listen-address=
check "alertmanager starts and is ready" test -n "${AP:-}"
[ -n "${AP:-}" ] || { finish; exit; }
# alert [ENDS]: post the test's alert to Alertmanager's API (v2).
alert() {
	curl -sf --max-time 10 -X POST -H 'Content-Type: application/json' \
	    "http://127.0.0.1:$AP/api/v2/alerts" -d '[{"labels":{"alertname":"ConcordTestLatency","severity":"critical","instance":"api:9100","concord_incident":"INC-7"},"annotations":{"summary":"Checkout is slow","description":"p99 > 800 ms\nfor 5 minutes"},"generatorURL":"http://127.0.0.1:9090/graph"'"${1:+,\"endsAt\":\"$1\"}"'}]'
}
check "an alert is accepted by Alertmanager's API" alert
# delivered STATUS: the newest body Alertmanager posted has this status.
delivered() {
	local n f
	n=$(ls "$W" | sed -n 's/^post-\([0-9]*\)-alertmanager$/\1/p' |
	    sort -n | tail -1)
	f=$W/post-$n-alertmanager
	[ -n "$n" ] && grep -q "^{\"receiver\":\"concord\",\"status\":\"$1\"" "$f" &&
	    cp "$f" "$T/am-$1.json"
}
check "Alertmanager delivers the firing alert's webhook" wait_for 90 delivered firing
"$PROBE" am "$T/am-firing.json" >"$T/am-firing.out" 2>&1
check "the delivered body decodes" grep -qx 'status=firing' "$T/am-firing.out"
check "with the alert's labels, routing label and annotations" eval '
    grep -qx "alert 0 alertname=ConcordTestLatency" "$T/am-firing.out" &&
    grep -qx "alert 0 severity=critical" "$T/am-firing.out" &&
    grep -qx "alert 0 incident=INC-7" "$T/am-firing.out" &&
    grep -qx "alert 0 summary=Checkout is slow" "$T/am-firing.out" &&
    grep -qx "alert 0 ends_ms=0" "$T/am-firing.out"'
fp=$(sed -n 's/^alert 0 fingerprint=//p' "$T/am-firing.out")
check "and its fingerprint ($fp)" eval 'echo "$fp" | grep -qxE "[0-9a-f]{16}"'
check "the alert is resolved through the API" \
    alert "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
check "Alertmanager delivers the resolution" wait_for 90 delivered resolved
"$PROBE" am "$T/am-resolved.json" >"$T/am-resolved.out" 2>&1
check "the resolution decodes, the same alert resolved" eval '
    grep -qx "status=resolved" "$T/am-resolved.out" &&
    grep -qx "alert 0 status=resolved" "$T/am-resolved.out" &&
    grep -qx "alert 0 fingerprint=$fp" "$T/am-resolved.out" &&
    ! grep -qx "alert 0 ends_ms=0" "$T/am-resolved.out"'
if [ "$FAILS" != 0 ]; then
	echo "--- probe"; tail -30 "$P"; echo "--- stub"; tail -20 "$T/stub.err"
	for f in prometheus alertmanager; do
		echo "--- $f"; tail -10 "$T/$f.log" 2>/dev/null
	done
fi
finish
