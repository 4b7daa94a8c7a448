# Presence says "behind" only for a follower that stays behind for more
# than a second.  Two followers (raw websocket clients, every message
# timestamped) watch a writer add notes steadily: replaying what each
# received the way the console does (its head minus the seq presence gave
# the other) must never show the other behind for a second.  Then one
# follower is stopped while notes keep coming: the other is told it is
# behind, and, once it is let go and catches up, that it is current again.
. "$(dirname "$0")/lib.sh"
RAW=$TOOLS/rawws
S=unix:$T/hub.sock
if [ ! -x "$RAW" ]; then
	notok "rawws is built (make build/tools/rawws)"
	finish
	exit
fi
hub_start
concord open --title "presence" >/dev/null

# stamp: prefix every line with the time it was read.
stamp() { while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done; }
# follow USER: a follower from seq 0, its messages stamped in $T/USER.out.
follow() {
	"$RAW" -t 120 "$S" \
	    "send:{\"type\":\"hello\",\"proto\":$PROTO_V,\"user\":\"$1\",\"incident\":\"INC-1\",\"from\":0}" \
	    recvall > >(stamp >"$T/$1.out") 2>&1 &
	PIDS+=($!)
}
# behind FILE WHO [UNTIL]: replay FILE (up to time UNTIL) as a console
# would and print "SECONDS MOST LAST": the longest time WHO was shown
# behind without a break, the most events it was shown behind, and how
# far behind it is shown at the end.
behind() {
	awk -v who="$2" -v until="${3:-0}" '
	function num(s, key,   v) { return substr(s, length(key) + 1) + 0 }
	until > 0 && $1 + 0 > until + 0 { exit }
	{ t = $1 + 0; last = t }
	/"type":"welcome"/ && match($0, /"head":[0-9]+/) {
		v = num(substr($0, RSTART, RLENGTH), "\"head\":"); if (v > head) head = v }
	/"type":"events"/ {
		s = $0
		while (match(s, /"seq":[0-9]+/)) {
			v = num(substr(s, RSTART, RLENGTH), "\"seq\":"); if (v > head) head = v
			s = substr(s, RSTART + RLENGTH)
		}
	}
	/"type":"presence"/ {
		# a whole list replaces; a delta changes, adds, removes (-1)
		if ($0 !~ /"delta":true/) split("", seq)
		s = $0
		while (match(s, /"user":"[^"]*","seq":-?[0-9]+/)) {
			p = substr(s, RSTART + 8, RLENGTH - 8)
			u = substr(p, 1, index(p, "\"") - 1)
			v = num(substr(p, index(p, "\"seq\":")), "\"seq\":")
			if (v < 0) delete seq[u]; else seq[u] = v
			s = substr(s, RSTART + RLENGTH)
		}
	}
	{
		b = (who in seq) ? head - seq[who] : 0
		if (b < 0) b = 0	# keeping up: a seq past any head
		if (b > most) most = b
		if (b > 0 && start == "") start = t
		if (b <= 0 && start != "") { if (t - start > long) long = t - start; start = "" }
		now = b
	}
	END {
		if (start != "" && last - start > long) long = last - start
		printf "%.2f %d %d\n", long, most, now
	}' "$1"
}
has() { grep -qF -- "$2" "$1"; }
# note OP TEXT: a send: action for a note on INC-1.
note() { printf 'send:{"type":"command","op":"%s","incident":"INC-1","cmd":"note","text":"%s"}' "$1" "$2"; }
WHELLO='send:{"type":"hello","proto":'$PROTO_V',"user":"dave"}'

follow bob
follow carol
check "both followers are welcomed" wait_for 10 sh -c \
    "grep -q '\"type\":\"welcome\"' $T/bob.out && grep -q '\"type\":\"welcome\"' $T/carol.out"
check "each is told the other is present" wait_for 10 sh -c \
    "grep -q '\"user\":\"carol\"' $T/bob.out && grep -q '\"user\":\"bob\"' $T/carol.out"

# 1. A writer adds a note every 100 ms for 6 s (about 60 notes).
args=("$WHELLO" recv)
for i in $(seq 60); do args+=("$(note "w$i" "steady note $i")" sleep:100); done
writer() { "$RAW" -t 30 "$S" "$@" >"$T/writer.out" 2>&1; }
check "the writer adds its notes" writer "${args[@]}"
head=$(concord log --json | grep -c '"seq"')
check "all 60 are in the log (head $head)" test "$head" = 61
check "bob has every note" wait_for 10 grep -q "\"seq\":$head[,}]" "$T/bob.out"
check "carol has every note" wait_for 10 grep -q "\"seq\":$head[,}]" "$T/carol.out"
until=$EPOCHREALTIME
read -r long most now <<<"$(behind "$T/bob.out" carol "$until")"
check "bob never shows carol behind for a second (longest ${long} s, at most $most)" \
    awk -v l="$long" 'BEGIN { exit !(l < 1) }'
read -r long most now <<<"$(behind "$T/carol.out" bob "$until")"
check "carol never shows bob behind for a second (longest ${long} s, at most $most)" \
    awk -v l="$long" 'BEGIN { exit !(l < 1) }'
check "and neither is shown behind at the end" test "$now" = 0

# 2. carol stops reading while 120 notes of 4 KB arrive, more than the
# socket buffers hold: bob is told she is behind, then, once she is let
# go (before the hub's 9 s liveness deadline), that she caught up.
carol=${PIDS[1]}
kill -STOP "$carol"
big=$(head -c 4000 /dev/zero | tr '\0' x)
args=("$WHELLO" recv)
for i in $(seq 120); do args+=("$(note "b$i" "$big")"); done
"$RAW" -t 30 "$S" "${args[@]}" recvall >"$T/burst.out" 2>&1 &
PIDS+=($!)
behind_now() { [ "$(behind "$T/bob.out" carol | awk '{ print $3 }')" -gt 0 ]; }
check "bob is told carol is behind" wait_for 7 behind_now
kill -CONT "$carol"
caught_up() { [ "$(behind "$T/bob.out" carol | awk '{ print $3 }')" = 0 ]; }
check "once carol reads again, bob is told she caught up" wait_for 10 caught_up
check "carol's connection survived the stall" kill -0 "$carol"

# 3. Presence is sent as changes: when erin joins and leaves, bob, who
# holds the list, is sent her alone each time, not everyone again.
n0=$(grep -c '"type":"presence"' "$T/bob.out")
"$RAW" -t 30 "$S" \
    "send:{\"type\":\"hello\",\"proto\":$PROTO_V,\"user\":\"erin\",\"incident\":\"INC-1\",\"from\":0}" \
    recv sleep:600 >"$T/erin.out" 2>&1 &
ERIN=$!
PIDS+=($ERIN)
joined() { grep '"type":"presence"' "$T/bob.out" | tail -n +$((n0 + 1)) | grep -q '"user":"erin","seq":[0-9]'; }
check "bob is told erin joined" wait_for 10 joined
m=$(grep '"type":"presence"' "$T/bob.out" | tail -n +$((n0 + 1)) | grep '"user":"erin"' | head -1)
echo "  $m" | cut -c1-200
check "as a change naming erin alone" sh -c 'echo "$1" | grep -q "\"delta\":true" &&
    ! echo "$1" | grep -q "\"user\":\"carol\""' - "$m"
left() { grep '"type":"presence"' "$T/bob.out" | tail -1 | grep -q '"delta":true.*"user":"erin","seq":-1'; }
check "when she leaves, a change says she is gone" wait_for 10 left
finish
