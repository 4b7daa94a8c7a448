# The CLI's promises, one assertion each, against a real hub: severities
# as 1-4 or SEV1-SEV4 everywhere; usage errors exit 1 before anything is
# sent, refusals 3 (an unknown incident too, naming the hub's incidents),
# an unreachable hub 2; with --json every failure is one JSON object
# {"error":CODE,"message":...} on standard error (standard output empty)
# and the status is unchanged, and renew and verify answer in JSON too;
# verify --digest tells the log read out on the bridge from a re-chained
# forgery; the Markdown export states each action's last episode and no
# fence for one never claimed; text with control characters is sent
# written out, and log and show never print one raw; an over-long note is
# refused, not cut; and an empty or invalid hub in the configuration file
# is an error naming its line, never the private embedded hub.
. "$(dirname "$0")/lib.sh"
hub_start --lock-delay 1

# run NAME CMD...: run a command, keeping its status, standard output and
# standard error for the checks that follow.
run() {
	local n=$1; shift
	"$@" >"$T/$n.out" 2>"$T/$n.err"
	echo $? >"$T/$n.rc"
}
rc() { cat "$T/$1.rc"; }
# json_error NAME CODE: standard error is exactly one JSON failure with
# that code and a message, and standard output is empty.
json_error() {
	[ "$(wc -l <"$T/$1.err")" = 1 ] &&
	    grep -qE "^\{\"error\":\"$2\",\"message\":\".+\"\}\$" "$T/$1.err" &&
	    [ ! -s "$T/$1.out" ]
}
events() { concord log --json | wc -l; }
# no_raw FILE: no escape, C1 CSI or bidi override byte sequence in FILE.
no_raw() { ! grep -qE "$(printf '\033|\302\233|\342\200\256')" "$1"; }

run open concord open --title "Checkout p99 latency" --sev SEV1
check "open --sev SEV1 is accepted" test "$(rc open)" = 0
check "and opens at SEV1" sh -c "'$BIN/concord' show | head -1 | grep -q '  SEV1  '"
run sev2 concord sev SEV2
check "sev SEV2 is accepted" test "$(rc sev2)" = 0
run sev3 concord sev sev3
check "sev sev3 too" test "$(rc sev3)" = 0
run sev4 concord sev 4
check "and sev 4" test "$(rc sev4)" = 0
run sev5 concord sev SEV5
check "sev SEV5 is a usage error (exit 1)" test "$(rc sev5)" = 1
run opensev concord open --title x --sev 0
check "open --sev 0 is a usage error (exit 1)" test "$(rc opensev)" = 1

concord declare db >/dev/null
before=$(events)
run status concord status bogus
check "status bogus is a usage error (exit 1)" test "$(rc status)" = 1
check "saying which statuses there are" grep -q 'no status "bogus": investigating' "$T/status.err"
run status_j concord status bogus --json
check "with --json: exit 1 still" test "$(rc status_j)" = 1
check "and {\"error\":\"usage\",...} on stderr, nothing on stdout" \
    json_error status_j usage
run ttl concord claim db --ttl 0.1
check "--ttl 0.1 is a usage error (exit 1)" test "$(rc ttl)" = 1
run ttl_j concord --json claim db --ttl 0.1
check "with --json, a usage JSON error" json_error ttl_j usage
run title concord open --title ""
check "an empty title is a usage error (exit 1)" test "$(rc title)" = 1
run title_j concord open --title "" --json
check "with --json, a usage JSON error" json_error title_j usage
run unknown concord frobnicate --json
check "an unknown command with --json: exit 1" test "$(rc unknown)" = 1
check "and a usage JSON error" json_error unknown usage
run opt concord show --bogus --json
check "an unknown option with --json: exit 1" test "$(rc opt)" = 1
check "  and a usage JSON error naming the option and the usage" \
    grep -q '"message":"unknown option --bogus; usage: concord show' "$T/opt.err"
check "no usage error sent anything to the hub" test "$(events)" = "$before"

# Refusals: exit 3, and their code in JSON.
run claim concord --as bob claim db --ttl 600
check "a claim is granted" test "$(rc claim)" = 0
run held concord --as carol claim db
check "a claim of a held action is refused (exit 3)" test "$(rc held)" = 3
check "saying by whom" grep -q 'refused (held): db is held by bob' "$T/held.err"
run held_j concord --as carol claim db --json
check "with --json: exit 3 still" test "$(rc held_j)" = 3
check "and {\"error\":\"held\",...} on stderr" json_error held_j held
run noinc concord -i INC-9 note hello
check "an unknown incident is a refusal (exit 3)" test "$(rc noinc)" = 3
check "listing the hub's incidents" sh -c \
    "grep -q 'no incident INC-9 on this hub; its incidents:' '$T/noinc.err' && grep -q '^  INC-1  SEV4' '$T/noinc.err'"
run noinc_j concord -i INC-9 show --json
check "with --json: exit 3" test "$(rc noinc_j)" = 3
check "and {\"error\":\"no-incident\",...}" json_error noinc_j no-incident
run noinc_log concord -i INC-9 log
check "log of an unknown incident: exit 3 too" test "$(rc noinc_log)" = 3
run unreach env CONCORD_HUB=unix:$T/nothing.sock "$BIN/concord" -i INC-1 show --json
check "an unreachable hub with --json: exit 2" test "$(rc unreach)" = 2
check "and {\"error\":\"unreachable\",...}" json_error unreach unreachable

# Every command answers in JSON with --json: renew and verify too.
run renew concord --as bob renew db --json
check "renew --json prints the action and fence as JSON" \
    grep -qE '^\{"incident":"INC-1","action":"db","fence":[0-9]+\}$' "$T/renew.out"
run renew_j concord --as carol renew db --json
check "a refused renew --json: exit 3" test "$(rc renew_j)" = 3
check "and {\"error\":\"not-holder\",...}" json_error renew_j not-holder

# Text: control characters are written out, never raw on a terminal.
evil=$(printf 'evil \033[2J x \033]0;pwned\007 y \342\200\256 z')
run evil concord note "$evil"
check "a note with escape sequences is accepted (written out)" test "$(rc evil)" = 0
concord log >"$T/log.txt"
check "log shows it escaped" \
    grep -qF 'evil \e[2J x \e]0;pwned\a y \u202e z' "$T/log.txt"
check "and nothing raw" no_raw "$T/log.txt"
concord summary "$evil" >/dev/null
concord show >"$T/show.txt"
check "show prints the summary escaped" \
    grep -qF 'summary: evil \e[2J x \e]0;pwned\a y \u202e z' "$T/show.txt"
check "and nothing raw" no_raw "$T/show.txt"
long=$(head -c 4097 /dev/zero | tr '\0' x)
before=$(events)
run long concord note "$long"
check "a note of 4097 bytes is refused (exit 1), not cut" test "$(rc long)" = 1
check "saying so" grep -q 'a note is at most 4096 bytes, this one is 4097: nothing was sent' "$T/long.err"
check "and nothing was logged" test "$(events)" = "$before"

# verify --digest: the log read out, not just any log that chains.
concord export --format json -o "$T/inc.json" >/dev/null
digest=$(concord log | tail -1 | grep -oE '[0-9a-f]{6}$')
run ver concord verify "$T/inc.json" --digest "$digest"
check "verify --digest with the digest read out: exit 0" test "$(rc ver)" = 0
check "saying it matches" grep -q "the digest read out matches at seq" "$T/ver.out"
run ver_j concord verify "$T/inc.json" --digest "$digest" --json
check "verify --json prints the seq, digest and chain" \
    grep -qE "^\{\"incident\":\"INC-1\",\"verified\":true,\"events\":[0-9]+,\"seq\":[0-9]+,\"digest\":\"$digest\",\"chain\":\"$digest[0-9a-f]{58}\"\}\$" "$T/ver_j.out"
# A forgery: the same incident on another hub, one note changed.  It
# chains from start to end, so plain verify accepts it; the digest read
# out on the bridge does not match.
hub_user "$T/forge"
"$BIN/concordd" --socket "$T/forge.sock" --data "$T/forge" >"$T/forge.out" 2>&1 </dev/null &
PIDS+=($!)
wait_for 20 grep -q listening "$T/forge.out"
F="--hub unix:$T/forge.sock"
concord $F open --title "Checkout p99 latency" --sev 1 >/dev/null
concord $F note "nothing happened here" >/dev/null
concord $F export --format json -o "$T/forged.json" >/dev/null
run forged concord verify "$T/forged.json"
check "a re-chained forgery verifies on its own" test "$(rc forged)" = 0
run forged_d concord verify "$T/forged.json" --digest "$digest"
check "but not against the digest read out (exit 1)" test "$(rc forged_d)" = 1
check "saying it is not the log read out" grep -q "not the log whose digest was read out" "$T/forged_d.err"
run forged_j concord verify "$T/forged.json" --digest "$digest" --json
check "with --json: {\"error\":\"digest-mismatch\",...}" json_error forged_j digest-mismatch
run badd concord verify "$T/inc.json" --digest xyz
check "a digest that is not hex is a usage error" test "$(rc badd)" = 1

# The Markdown export: each action's last episode, no fence if never claimed.
concord declare never >/dev/null
concord declare lapsed >/dev/null
concord declare broken >/dev/null
concord declare given >/dev/null
concord --as dave claim lapsed --ttl 1 >/dev/null
concord --as erin claim broken --ttl 60 >/dev/null
concord break broken --reason "erin is off the bridge" >/dev/null
concord --as bob claim given --ttl 60 >/dev/null
concord --as bob release given >/dev/null
wait_for 20 sh -c "'$BIN/concord' log | grep -q 'lease on lapsed expired'"
concord export --format md -o "$T/inc.md" >/dev/null
check "a never-claimed action has no fence" grep -qE '^\| never \| free \| - \| - \| never claimed \|' "$T/inc.md"
check "an expired claim says so, and whose it was" \
    grep -qE '^\| lapsed \| free \| - \| [0-9]+ \| expired \(held by dave\) \|' "$T/inc.md"
check "a broken one says by whom and why" \
    grep -qE '^\| broken \| free \| - \| [0-9]+ \| broken by alice: erin is off the bridge \(held by erin\) \|' "$T/inc.md"
check "a released one says so" grep -qE '^\| given \| free \| - \| [0-9]+ \| released by bob \|' "$T/inc.md"
check "a held one names its holder" grep -qE '^\| db \| held \| bob \| [0-9]+ \| claimed by bob ' "$T/inc.md"

# The configuration file: an empty or invalid hub is an error, with its line.
mkdir -p "$T/cfg/concord"
printf '# team defaults\nhub =\n' >"$T/cfg/concord/concord.conf"
run cfg env -u CONCORD_HUB XDG_CONFIG_HOME="$T/cfg" "$BIN/concord" incidents
check "an empty hub = is an error (exit 1)" test "$(rc cfg)" = 1
check "naming its line" grep -q 'concord.conf:2: hub is empty' "$T/cfg.err"
check "and no private hub was started" test ! -e "$XDG_RUNTIME_DIR/concord/hub.sock"
printf 'hub = http://hub.example\n' >"$T/cfg/concord/concord.conf"
run cfg2 env -u CONCORD_HUB XDG_CONFIG_HOME="$T/cfg" "$BIN/concord" incidents
check "an invalid hub = is an error naming its line" sh -c \
    "test $(rc cfg2) = 1 && grep -q 'concord.conf:1: bad hub address http://hub.example' '$T/cfg2.err'"
finish
