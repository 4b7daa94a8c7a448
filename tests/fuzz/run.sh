#!/bin/sh
# `make fuzz`: run each libFuzzer target given (build/fuzz/fuzz-TARGET) for
# FUZZ_TIME seconds (default 60) on one core, from its seed corpus
# tests/fuzz/corpus-TARGET/ and its regression inputs tests/fuzz/regress-TARGET/,
# with its dictionary tests/fuzz/fuzz-TARGET.dict; and print, per target and in
# all, how many inputs it executed.  New inputs go to build/fuzz/corpus/TARGET/
# (kept between runs, never into the committed corpus); a finding (crash,
# leak, undefined behaviour, failed check or timeout) is kept in
# build/fuzz/findings/ and fails the run: add it to tests/fuzz/regress-TARGET/
# with the fix, so `make check` replays it (tests/integration/it-fuzz.sh).
# FUZZ_JOBS runs that many targets at a time (default 1).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${FUZZ_TIME:-60}
jobs=${FUZZ_JOBS:-1}
out=$top/build/fuzz
mkdir -p "$out/corpus" "$out/findings" "$out/logs"

run_one() {
	bin=$1
	name=$(basename "$bin")
	target=${name#fuzz-}
	dict=$top/tests/fuzz/$name.dict
	[ -f "$dict" ] || dict=
	regress=$top/tests/fuzz/regress-$target
	[ -d "$regress" ] || regress=
	art=$out/findings/$target-
	mkdir -p "$out/corpus/$target"
	"$bin" -max_total_time="$secs" -max_len=8192 -timeout=10 \
	    -rss_limit_mb=2048 ${dict:+-dict="$dict"} -print_final_stats=1 \
	    -artifact_prefix="$art" "$out/corpus/$target" \
	    "$top/tests/fuzz/corpus-$target" ${regress:+"$regress"} \
	    >"$out/logs/$target.log" 2>&1
	echo $? >"$out/logs/$target.rc"
}

# Run the targets, jobs at a time.
set -- "$@"
while [ $# -gt 0 ]; do
	n=0
	while [ $# -gt 0 ] && [ $n -lt "$jobs" ]; do
		echo "fuzzing $(basename "$1") for $secs s" >&2
		run_one "$1" &
		shift
		n=$((n + 1))
	done
	wait
done

total=0
bad=0
for log in "$out"/logs/*.log; do
	target=$(basename "$log" .log)
	[ -f "$out/logs/$target.rc" ] || continue
	rc=$(cat "$out/logs/$target.rc")
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	runs=${runs:-0}
	total=$((total + runs))
	if [ "$rc" = 0 ]; then
		printf 'fuzz-%-12s %10s executions, no finding\n' "$target" "$runs"
	else
		printf 'fuzz-%-12s %10s executions, FINDING (exit %s):\n' \
		    "$target" "$runs" "$rc"
		grep -E 'ERROR|SUMMARY|runtime error|fuzz-[a-z-]+:' "$log" |
		    head -10
		ls "$out"/findings/"$target"-* 2>/dev/null
		bad=$((bad + 1))
	fi
	rm -f "$out/logs/$target.rc"
done
echo "fuzz: $total executions in all, $bad target(s) with a finding"
[ "$bad" = 0 ]
