# The table of `make bench`: reads the figures recorded by the bench
# scripts, one "KEY VALUE" line per run, and prints Markdown: for each
# figure the median of the runs with the min–max beside it, concord/peer
# ratios of the medians, and the issue's target with whether it was met.
# The sizes come in as -v variables from bench/run.sh.

function sortv(k,    i, j, t, m) {
	m = cnt[k]
	for (i = 1; i <= m; i++)
		s[i] = val[k, i]
	for (i = 2; i <= m; i++) {
		t = s[i]
		for (j = i - 1; j >= 1 && s[j] > t; j--)
			s[j + 1] = s[j]
		s[j + 1] = t
	}
	return m
}
function med(k,    m) {
	if ((m = sortv(k)) == 0)
		return ""
	return m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2
}
function lo(k) { sortv(k); return s[1] }
function hi(k,    m) { m = sortv(k); return s[m] }
function has(k) { return cnt[k] > 0 }
# x with d decimals; with d < 0, a whole number with thousands separators.
function fmt(x, d,    r, neg, out) {
	if (d >= 0)
		return sprintf("%." d "f", x)
	r = sprintf("%.0f", x)
	neg = substr(r, 1, 1) == "-"
	if (neg)
		r = substr(r, 2)
	out = ""
	while (length(r) > 3) {
		out = "," substr(r, length(r) - 2) out
		r = substr(r, 1, length(r) - 3)
	}
	return (neg ? "-" : "") r out
}
# The median of k divided by scale, with the min–max when there are more.
function cell(k, scale, d) {
	if (!has(k))
		return "—"
	if (cnt[k] == 1)
		return fmt(med(k) / scale, d)
	return fmt(med(k) / scale, d) " (" fmt(lo(k) / scale, d) "–" \
	    fmt(hi(k) / scale, d) ")"
}
function ratio(a, b) {
	if (!has(a) || !has(b) || med(b) == 0)
		return "—"
	return sprintf("%.2f×", med(a) / med(b))
}
function yesno(c) { return c ? "yes" : "**no**" }
# A dagger when the generator's core was at least 90% busy in some run.
function busy(k) {
	if (!has(k) || hi(k) < 90)
		return ""
	daggers++
	return " †"
}

{
	k = $1
	if (k == "check.failed") {
		failed = failed (failed == "" ? "" : ", ") $2
		next
	}
	cnt[k]++
	val[k, cnt[k]] = $2 + 0
	if (k ~ /^check\./)
		sum[k] += $2
}

END {
	nf = split(followers, F, " ")
	nw = split(writers, W, " ")
	nc = split(catchup, C, " ")

	tput = lat = 0
	for (k in cnt) {
		if (k ~ /^tput\./)
			tput = 1
		if (k ~ /^lat\./)
			lat = 1
	}
	if (tput)
		fanout_table()
	if (lat)
		latency_table()
	rest_tables()
	for (k in cnt)
		if (k ~ /^pg\./)
			pg = 1
	if (pg)
		pg_table()
}

function fanout_table(    i, j, x, k, p, g, met, gen, line, cellb, b, n) {
	print "### Fan-out: deliveries per second"
	print ""
	print "Writers flat out, a window of " window " notes each; " \
	    fmt(deliveries, -1) " deliveries a run.  Target: concordd at " \
	    "least 2× the relay and 0.5× Redis."
	print ""
	print "| followers × writers | Node `ws` relay | Redis pub/sub | " \
	    "concordd | concord / relay | concord / Redis | target met |"
	print "|---|---|---|---|---|---|---|"
	for (i = 1; i <= nf; i++) {
		for (j = 1; j <= nw; j++) {
			p = "tput." F[i] "." W[j] "."
			if (!has(p "concord") && !has(p "relay") &&
			    !has(p "redis"))
				continue
			met = has(p "concord") && has(p "relay") &&
			    has(p "redis") &&
			    med(p "concord") >= 2 * med(p "relay") &&
			    med(p "concord") >= 0.5 * med(p "redis")
			g = "gencpu." F[i] "." W[j] "."
			print "| " F[i] " × " W[j] " | " \
			    cell(p "relay", 1, -1) busy(g "relay") " | " \
			    cell(p "redis", 1, -1) \
			    busy(g "redis") " | " \
			    cell(p "concord", 1, -1) busy(g "concord") " | " \
			    ratio(p "concord", p "relay") " | " \
			    ratio(p "concord", p "redis") " | " yesno(met) " |"
		}
	}
	gen = ""
	split("concord relay redis", S, " ")
	for (i = 1; i <= nf; i++)
		for (j = 1; j <= nw; j++)
			for (x = 1; x <= 3; x++) {
				k = "gencpu." F[i] "." W[j] "." S[x]
				if (has(k) && (gen == "" || hi(k) > gen))
					gen = hi(k)
			}
	if (daggers > 0)
		print "\n† In some run the generator's core was 90% busy " \
		    "or more: that run may be bounded by the receiving side " \
		    "(the kernel's receive path and the generator's parsing " \
		    "and checking of every delivery), not by the server " \
		    "alone."
	if (gen != "")
		print "\nThe generator's busiest run used " fmt(gen, 0) \
		    "% of its core."
	line = ""
	for (i = 1; i <= nf; i++) {
		cellb = ""
		for (x = 1; x <= 3; x++) {
			b = 0
			n = 0
			for (j = 1; j <= nw; j++) {
				k = F[i] "." W[j] "." S[x]
				if (has("rxbytes." k) && med("deliv." k) > 0) {
					b += med("rxbytes." k) / med("deliv." k)
					n++
				}
			}
			cellb = cellb (x > 1 ? ", " : "") S[x] " " \
			    (n > 0 ? fmt(b / n, -1) : "—")
		}
		line = line (i > 1 ? "; " : "") F[i] " followers: " cellb
	}
	if (nf > 0 && has("rxbytes." F[1] "." W[1] ".concord"))
		print "\nBytes a follower received per note delivered " \
		    "(the payloads of all its messages; Redis's with their " \
		    "RESP framing): " line "."
	print ""

}

function latency_table() {
	print "### Latency: " lat_followers " followers × " \
	    fmt(lat_rate, -1) " events/s"
	print ""
	print "From each note's send time to its arrival at every follower. " \
	    "Target: p99 under 2 ms, hub CPU no higher than Redis's."
	print ""
	print "| figure | Node `ws` relay | Redis pub/sub | concordd | " \
	    "concord / relay | concord / Redis | target met |"
	print "|---|---|---|---|---|---|---|"
	print "| p50 latency, ms | " cell("lat.p50.relay", 1000, 2) " | " \
	    cell("lat.p50.redis", 1000, 2) " | " \
	    cell("lat.p50.concord", 1000, 2) " | " \
	    ratio("lat.p50.concord", "lat.p50.relay") " | " \
	    ratio("lat.p50.concord", "lat.p50.redis") " | |"
	print "| p99 latency, ms | " cell("lat.p99.relay", 1000, 2) " | " \
	    cell("lat.p99.redis", 1000, 2) " | " \
	    cell("lat.p99.concord", 1000, 2) " | " \
	    ratio("lat.p99.concord", "lat.p99.relay") " | " \
	    ratio("lat.p99.concord", "lat.p99.redis") " | " \
	    (has("lat.p99.concord") ? \
	    yesno(med("lat.p99.concord") < 2000) : "—") " |"
	print "| server CPU, % of a core | " cell("lat.cpu.relay", 1, 0) \
	    " | " cell("lat.cpu.redis", 1, 0) " | " \
	    cell("lat.cpu.concord", 1, 0) " | " \
	    ratio("lat.cpu.concord", "lat.cpu.relay") " | " \
	    ratio("lat.cpu.concord", "lat.cpu.redis") " | " \
	    (has("lat.cpu.concord") && has("lat.cpu.redis") ? \
	    yesno(med("lat.cpu.concord") <= med("lat.cpu.redis")) : "—") \
	    " |"
	print ""

}

function rest_tables(    i, k, g, t, grow, c, any) {
	for (k in cnt)
		if (k ~ /^(durable|idle|catchup|overload)\./)
			any = 1
	if (any) {
		print "### Durability, memory and catch-up (concordd)"
		print ""
		print "| figure | measured | against | ratio | target | met |"
		print "|---|---|---|---|---|---|"
	}
	if (has("durable.concord"))
		print "| durable (acknowledged) events/s, " durable_followers \
		    " followers, " durable_writers " writers flat out | " \
		    cell("durable.concord", 1, -1) " | the disk: " \
		    cell("durable.fsync", 1, -1) " appends/s, each " \
		    "followed by fdatasync | " \
		    ratio("durable.concord", "durable.fsync") " | ≥ 20× | " \
		    (has("durable.fsync") ? yesno(med("durable.concord") >= \
		    20 * med("durable.fsync")) : "—") " |"
	if (has("idle.follow"))
		print "| hub memory per idle follower, " fmt(idle_n, -1) \
		    " followers, KiB | " cell("idle.follow", 1024, 1) \
		    " | connected, not following: " \
		    cell("idle.nofollow", 1024, 1) " KiB | | < 16 KiB | " \
		    yesno(med("idle.follow") < 16384) " |"
	for (i = 1; i <= nc; i++) {
		k = "catchup." C[i]
		if (!has(k))
			continue
		t = C[i] * 2500 / 1000000	# ms: 0.25 s each 100,000
		g = "catchup.gencpu." C[i]
		print "| catch-up to the same seq and chain from " \
		    fmt(C[i], -1) " events behind, s | " cell(k, 1000, 2) \
		    " | the generator's core " cell(g, 1, 0) "% busy" \
		    " | | < " sprintf("%g", t / 1000) " s | " \
		    yesno(med(k) < t) " |"
	}
	if (has("overload.rss_start")) {
		grow = med("overload.rss_end") - med("overload.rss_start")
		print "| overload: " ov_followers " followers (" ov_stalled \
		    " stop reading), 4 writers flat out for " ov_secs \
		    " s: hub memory at the start → peak → end → after " \
		    "they left, MiB | " \
		    fmt(med("overload.rss_start") / 1024, 1) " → " \
		    fmt(med("overload.rss_max") / 1024, 1) " → " \
		    fmt(med("overload.rss_end") / 1024, 1) " → " \
		    fmt(med("overload.rss_after") / 1024, 1) \
		    " | its start | " \
		    sprintf("%+.1f MiB", grow / 1024) " at the end | flat " \
		    "(within 8 MiB) | " yesno(grow < 8192) " |"
	}
	print ""

	print "### Correctness"
	print ""
	printf "%s deliveries checked in %d generator runs (events " \
	    "whose chain a follower recomputed: %s): %s missing, " \
	    "duplicated, out of order or ending on another seq or " \
	    "chain value.", fmt(sum["check.deliveries"], -1), \
	    cnt["check.deliveries"], fmt(sum["check.verified"], -1), \
	    fmt(sum["check.anomalies"], -1)
	if (failed != "")
		printf "  Runs that failed: %s.", failed
	print "\n"

	if (has("commit.1") || has("console.big.median")) {
		print "### Group commit and the console"
		print ""
		print "| figure | measured |"
		print "|---|---|"
	}
	for (c = 1; c <= 4; c *= 4)
		if (has("commit." c))
			print "| group commit, " c " CLI writer(s) " \
			    "(`concord note --stdin`), events/s | " \
			    cell("commit." c, 1, -1) ", " \
			    cell("commit.per" c, 1, 0) " events per commit |"
	if (has("commit.sqlite"))
		print "| one SQLite commit per event (WAL, " \
		    "synchronous=FULL), commits/s | " \
		    cell("commit.sqlite", 1, -1) \
		    "; group commit with 4 writers: " \
		    ratio("commit.4", "commit.sqlite") " |"
	if (has("console.big.median")) {
		print "| console, " fmt(big, -1) " events: key to frame " \
		    "median / p99 µs, RSS MiB | " \
		    fmt(med("console.big.median"), -1) " / " \
		    fmt(med("console.big.p99"), -1) ", " \
		    fmt(med("console.big.rss") / 1024, 1) " |"
		print "| console, " fmt(small, -1) " events: key to frame " \
		    "median / p99 µs, RSS MiB | " \
		    fmt(med("console.small.median"), -1) " / " \
		    fmt(med("console.small.p99"), -1) ", " \
		    fmt(med("console.small.rss") / 1024, 1) " |"
	}
}

# bench/pg.sh: the SQLite hub against hubs on PostgreSQL.
function pg_table() {
	print "### PostgreSQL: several hubs on one database"
	print ""
	print "The same notes through the SQLite hub and through concordd on " \
	    "a private PostgreSQL cluster on the same disk, in the same run, " \
	    "interleaved run by run.  Durability: the SQLite hub commits " \
	    "in WAL mode with synchronous=FULL (an fsync per group commit); " \
	    (pg_settings != "" ? pg_settings : "PostgreSQL") \
	    " (a WAL flush per commit).  " \
	    "PostgreSQL runs on the hubs' core (" pinned "; postgres " \
	    "shares core 0).  Hub to hub: the writer on hub A, the " \
	    "followers on hub B, which hears of A's commits through " \
	    "LISTEN/NOTIFY and reads them from the database; while the " \
	    "latency runs, hub B reads every commit of A."
	print ""
	print "| figure | SQLite hub | PostgreSQL, one hub | PostgreSQL, " \
	    "hub A → hub B | one hub / SQLite | A → B / SQLite |"
	print "|---|---|---|---|---|---|"
	if (has("pg.durable.sqlite") || has("pg.durable.pg"))
		print "| durable (acknowledged) events/s, " pg_followers \
		    " followers, " pg_writers " writers flat out, " \
		    fmt(pg_n, -1) " a run | " \
		    cell("pg.durable.sqlite", 1, -1) " | " \
		    cell("pg.durable.pg", 1, -1) " | — | " \
		    ratio("pg.durable.pg", "pg.durable.sqlite") " | |"
	if (has("pg.p50.sqlite") || has("pg.p50.pg") || has("pg.p50.pgx")) {
		print "| delivery latency p50, ms, " pg_lat_followers \
		    " followers × " fmt(pg_lat_rate, -1) " events/s | " \
		    cell("pg.p50.sqlite", 1000, 2) " | " \
		    cell("pg.p50.pg", 1000, 2) " | " \
		    cell("pg.p50.pgx", 1000, 2) " | " \
		    ratio("pg.p50.pg", "pg.p50.sqlite") " | " \
		    ratio("pg.p50.pgx", "pg.p50.sqlite") " |"
		print "| delivery latency p99, ms | " \
		    cell("pg.p99.sqlite", 1000, 2) " | " \
		    cell("pg.p99.pg", 1000, 2) " | " \
		    cell("pg.p99.pgx", 1000, 2) " | " \
		    ratio("pg.p99.pg", "pg.p99.sqlite") " | " \
		    ratio("pg.p99.pgx", "pg.p99.sqlite") " |"
		print "| CPU of the followers' hub, % of a core " \
		    "(PostgreSQL's not counted) | " \
		    cell("pg.cpu.sqlite", 1, 0) " | " \
		    cell("pg.cpu.pg", 1, 0) " | " \
		    cell("pg.cpu.pgx", 1, 0) " | " \
		    ratio("pg.cpu.pg", "pg.cpu.sqlite") " | " \
		    ratio("pg.cpu.pgx", "pg.cpu.sqlite") " |"
	}
	print ""
}
