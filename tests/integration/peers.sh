# Shared by the telemetry tests (after lib.sh): real peers on loopback,
# started on free ports and killed by saved pid, and files the stub serves
# from $W.  No proxy stands between them.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
W=$T/www
mkdir -p "$W"

# free_port: a loopback TCP port that nothing listens on now.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		if [ -z "$(ss -ltnH "sport = :$p" 2>/dev/null)" ]; then
			echo "$p"
			return
		fi
	done
}
# serve NAME TEXT: make the stub's file NAME hold TEXT (whole at once).
serve() { printf '%s\n' "$2" >"$W/.$1.tmp" && mv "$W/.$1.tmp" "$W/$1"; }
# ready PORT: the peer at PORT answers /-/ready.
ready() { curl -sf --max-time 2 "http://127.0.0.1:$1/-/ready" >/dev/null; }
alive() { kill -0 "$1" 2>/dev/null; }
# start_peer NAME PORTVAR CMD...: start a peer listening on a free port,
# written @PORT@ in CMD (chosen again if another process took it first),
# and wait until it is ready; the port is left in the variable PORTVAR and
# its pid in PEER_PID.
start_peer() {
	local name=$1 var=$2 try pid a args
	shift 2
	for try in 1 2 3; do
		PORT=$(free_port)
		args=()
		for a in "$@"; do
			args+=("${a//@PORT@/$PORT}")
		done
		"${args[@]}" >"$T/$name.log" 2>&1 &
		pid=$!
		PIDS+=($pid)
		if wait_for 60 sh -c "curl -sf --max-time 2 http://127.0.0.1:$PORT/-/ready >/dev/null || ! kill -0 $pid 2>/dev/null" &&
		    alive "$pid" && ready "$PORT"; then
			eval "$var=\$PORT"
			PEER_PID=$pid
			return 0
		fi
		kill -9 "$pid" 2>/dev/null
		echo "--- $name did not start (try $try):"; tail -5 "$T/$name.log"
	done
	return 1
}
# start_stub: build/tools/httpstub serving $W; its URL in STUBURL.
start_stub() {
	"$TOOLS/httpstub" --listen 127.0.0.1:0 --dir "$W" >"$T/stub.out" \
	    2>"$T/stub.err" &
	PIDS+=($!)
	wait_for 10 grep -q '^httpstub listening on ' "$T/stub.out" ||
		return 1
	SP=$(sed -n 's/^httpstub listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' \
	    "$T/stub.out")
	STUBURL=http://127.0.0.1:$SP
}
# start_prometheus: a real Prometheus scraping the stub's /metrics.prom
# every second; its port in PP and its pid in PROM_PID.
start_prometheus() {
	cat >"$T/prometheus.yml" <<EOT
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: concord-test
    metrics_path: /metrics.prom
    static_configs:
      - targets: ['127.0.0.1:$SP']
EOT
	start_peer prometheus PP "$(command -v prometheus)" \
	    --config.file="$T/prometheus.yml" \
	    --storage.tsdb.path="$T/prom-data" \
	    --web.listen-address=127.0.0.1:@PORT@ || return 1
	PROM_PID=$PEER_PID
}
