# The parsers under libFuzzer, briefly (the long runs are `make fuzz`):
# each target in build/fuzz/ (built by `make fuzz-build` with ASan and
# UBSan) first replays every input of past findings in
# tests/fuzz/regress-TARGET/, one by one, then runs its seed corpus
# tests/fuzz/corpus-TARGET/ and mutates it, with the dictionary
# tests/fuzz/fuzz-TARGET.dict, for FUZZ_SECONDS (default 8) seconds.  Each
# target asserts its parser's round trip (parse, write, parse: equal) and
# its bounds; a crash, a leak, undefined behaviour or a failed assertion
# is a finding.  Findings are kept in build/fuzz/findings/ to reproduce
# with `build/fuzz/fuzz-TARGET FILE`.  New inputs go to a scratch
# directory, never into the committed corpus.
. "$(dirname "$0")/lib.sh"
SECS=${FUZZ_SECONDS:-8}
FINDINGS=$TOP/build/fuzz/findings

for src in "$TOP"/tests/fuzz/fuzz-*.c; do
	name=$(basename "$src" .c)
	target=${name#fuzz-}
	bin=$TOP/build/fuzz/$name
	seeds=$TOP/tests/fuzz/corpus-$target
	if [ ! -x "$bin" ]; then
		notok "$name is built (make fuzz)"
		continue
	fi
	check "$name has a seed corpus" test -n "$(ls -A "$seeds" 2>/dev/null)"
	regress=$TOP/tests/fuzz/regress-$target
	if [ -d "$regress" ]; then
		n=$(ls -A "$regress" | wc -l)
		if "$bin" -runs=1 "$regress"/* >"$T/$target-regress.log" 2>&1
		then
			ok "$name replays its $n regression input(s)"
		else
			notok "$name replays its $n regression input(s)"
			tail -20 "$T/$target-regress.log"
		fi
	fi
	dict=$TOP/tests/fuzz/$name.dict
	[ -f "$dict" ] || dict=
	mkdir -p "$T/$target" "$T/art-$target"
	"$bin" -max_total_time="$SECS" -max_len=8192 -timeout=10 \
	    ${dict:+-dict="$dict"} \
	    -print_final_stats=1 -artifact_prefix="$T/art-$target/" \
	    "$T/$target" "$seeds" >"$T/$target.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/$target.log")
	found=$(ls -A "$T/art-$target")
	if [ $rc = 0 ] && [ -z "$found" ] && [ -n "$runs" ]; then
		ok "$name: $runs inputs in ${SECS} s, no finding"
	else
		notok "$name: exit $rc, a finding: $found"
		grep -E 'ERROR|SUMMARY|fuzz-|runtime error' "$T/$target.log" |
		    head -20
		mkdir -p "$FINDINGS"
		for f in "$T/art-$target"/*; do
			[ -e "$f" ] && cp "$f" "$FINDINGS/$target-$(basename "$f")"
		done
		echo "kept in $FINDINGS"
	fi
done
finish
