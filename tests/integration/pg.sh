# A private PostgreSQL for the integration tests, sourced after lib.sh.
# pg_start initialises a cluster in a fresh directory (initdb), starts
# postgres on a Unix socket in that directory only (no TCP: the port, a
# free one, only names the socket), waits for it to accept connections
# (pg_isready, polled) and creates a database; $PG_STORE is then the spec
# for concordd --store.  pg_restart stops and starts it again.  postgres refuses to run as root, so as root it
# runs as nobody, in a directory nobody owns.  pg_stop (called by lib.sh's
# cleanup) stops it by its saved pid with SIGINT, a fast shutdown, and
# waits for it to go; SIGKILL only if it does not.
# A test stopped by a signal still runs lib.sh's cleanup, and so pg_stop.
trap 'exit 143' TERM INT HUP
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
# The server's settings besides its socket: the tests trade durability for
# speed; `make bench` (bench/pg.sh) keeps PostgreSQL's durable defaults.
PG_SETTINGS=${PG_SETTINGS-"-c fsync=off -c max_connections=50
    -c shared_buffers=16MB"}
PG_DIR=
PG_PID=
PG_PORT=
PG_STORE=

# pg_as CMD...: run CMD as the cluster's owner.  setpriv execs CMD, so a
# command started in the background keeps its pid.
PG_AS=()
[ "$(id -u)" = 0 ] && PG_AS=(setpriv --reuid=nobody --regid=nogroup \
    --clear-groups --reset-env --)
pg_as() { ${PG_AS[@]+"${PG_AS[@]}"} "$@"; }

# A port nothing listens on (it only names the socket).
pg_free_port() {
	local p
	while :; do
		p=$(( 20000 + RANDOM % 30000 ))
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || break
	done
	echo "$p"
}

pg_ready() { "$PG_BIN/pg_isready" -q -h "$PG_DIR" -p "$PG_PORT"; }

# pg_run: start postgres on the cluster in $PG_DIR and wait until it
# accepts connections.
pg_run() {
	${PG_AS[@]+"${PG_AS[@]}"} "$PG_BIN/postgres" -D "$PG_DIR/data" \
	    -p "$PG_PORT" -c listen_addresses= \
	    -c unix_socket_directories="$PG_DIR" \
	    $PG_SETTINGS \
	    </dev/null >>"$T/pg.out" 2>&1 &
	PG_PID=$!
	if ! wait_for 30 pg_ready; then
		echo "pg: postgres did not start:"; cat "$T/pg.out"; return 1
	fi
}

pg_start() {
	[ -n "$PG_PID" ] && return 0
	if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/postgres" ]; then
		echo "pg: no PostgreSQL server in /usr/lib/postgresql"; return 1
	fi
	PG_DIR=$(mktemp -d /tmp/concord-pg.XXXXXX)
	chmod 755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown nobody:nogroup "$PG_DIR"
	PG_PORT=$(pg_free_port)
	if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres \
	    -E UTF8 --locale=C --no-sync >"$T/pg.initdb" 2>&1; then
		echo "pg: initdb failed:"; cat "$T/pg.initdb"; return 1
	fi
	pg_run || return 1
	if ! "$PG_BIN/createdb" -h "$PG_DIR" -p "$PG_PORT" -U postgres \
	    concord >"$T/pg.createdb" 2>&1; then
		echo "pg: createdb failed:"; cat "$T/pg.createdb"; return 1
	fi
	PG_STORE="postgres:host=$PG_DIR port=$PG_PORT user=postgres"
	PG_STORE="$PG_STORE dbname=concord"
}

# pg_sql SQL: run SQL in the test's database, rows unaligned, no headers.
pg_sql() {
	"$PG_BIN/psql" -X -q -A -t -h "$PG_DIR" -p "$PG_PORT" -U postgres \
	    -d concord -v ON_ERROR_STOP=1 -c "$1"
}

# Has postgres exited (gone, or a zombie not yet waited for)?
pg_gone() {
	case $(ps -o stat= -p "$PG_PID" 2>/dev/null) in
	''|Z*) return 0 ;;
	esac
	return 1
}

# pg_halt: stop postgres (SIGINT, a fast shutdown) by its saved pid and
# wait for it to go; SIGKILL only if it does not.
pg_halt() {
	[ -z "$PG_PID" ] && return 0
	kill -INT "$PG_PID" 2>/dev/null
	if ! wait_for 20 pg_gone; then
		echo "pg: postgres did not stop; killing it"
		kill -9 "$PG_PID" 2>/dev/null
	fi
	wait "$PG_PID" 2>/dev/null
	PG_PID=
}

# pg_restart: stop postgres and start it again on the same cluster.
pg_restart() { pg_halt; pg_run; }

pg_stop() {
	pg_halt
	[ -n "$PG_DIR" ] && rm -rf "$PG_DIR"
	PG_DIR=
}
