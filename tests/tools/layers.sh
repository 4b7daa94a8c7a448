#!/bin/sh
# Check the layers of the tree at DIR (default .) against DIR/src/layers:
# the headers each src/<module>/*.c and include/<module>.h includes, and the
# other modules' functions it calls (by the module_ prefix of their names).
# Comments and string literals are skipped; "a->tui_x(" and "struct tui_x"
# are not calls.  Prints "file:line: module X may not include/call Y" for
# each violation and exits 1 if there is any; an exception in the rules that
# matches nothing is reported but does not fail.
dir=${1:-.}
rules=$dir/src/layers
if [ ! -r "$rules" ]; then
	echo "layers: cannot read $rules" >&2
	exit 1
fi
cd "$dir" || exit 1
files=$(ls src/*/*.c include/*.h 2>/dev/null)
exec awk -v rules=src/layers -v q="'" '
function fail(file, line, msg) {
	printf "%s:%d: %s\n", file, line, msg
	bad = 1
}
# Is WHAT (a module, library or function name) an allowed exception in FILE?
function excused(file, what, fn,    i, k) {
	for (i = 1; i <= nallow; i++) {
		if (allow_file[i] != file)
			continue
		k = allow_what[i]
		if (k == what || (fn != "" && index(fn, k "_") == 1) ||
		    (fn != "" && fn == k)) {
			allow_used[i] = 1
			return 1
		}
	}
	return 0
}
# The library a system header belongs to, or "".
function libof(h,    p, d) {
	if (h in libhdr)
		return libhdr[h]
	d = h
	while (sub(/\/[^\/]*$/, "", d)) {
		if ((d "/*") in libhdr)
			return libhdr[d "/*"]
	}
	return ""
}
# May module M use function FN of module T (FN "" for its header)?
function mayuse(m, t, fn,    spec, thing, n, i, w, neg) {
	if (m == t)
		return 1
	if (!((m SUBSEP t) in uses))
		return 0
	spec = uses[m, t]
	if (spec == "" || fn == "")
		return 1
	thing = substr(fn, length(t) + 2)
	n = split(spec, w, " ")
	neg = substr(w[1], 1, 1) == "-"
	for (i = 1; i <= n; i++) {
		sub(/^-/, "", w[i])
		if (thing == w[i] || index(thing, w[i] "_") == 1)
			return !neg
	}
	return neg
}
function checkinclude(file, line, m, h, sys,    t, l) {
	if (!sys) {
		t = h
		if (t !~ /^[a-z]+\.h$/ || !(substr(t, 1, length(t) - 2) in known)) {
			if (!excused(file, h, ""))
				fail(file, line, "header \"" h "\" belongs to no module")
			return
		}
		t = substr(t, 1, length(t) - 2)
		if (!mayuse(m, t, "") && !excused(file, t, ""))
			fail(file, line, "module " m " may not include " t \
			    " (\"" h "\")")
		return
	}
	l = libof(h)
	if (l == "") {
		if (!excused(file, h, ""))
			fail(file, line, "header <" h "> is in no library of " \
			    rules)
		return
	}
	if (!((m SUBSEP l) in libs) && !excused(file, l, ""))
		fail(file, line, "module " m " may not include " l " (<" h ">)")
}
function checkcalls(file, line, m, s,    rest, fn, t, pre) {
	rest = s
	while (match(rest, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/)) {
		fn = substr(rest, RSTART, RLENGTH)
		pre = substr(rest, 1, RSTART - 1)
		rest = substr(rest, RSTART + RLENGTH)
		sub(/[ \t]*\($/, "", fn)
		if (pre ~ /(->|\.)[ \t]*$/ || pre ~ /(struct|enum|union)[ \t]+$/)
			continue
		t = fn
		if (!sub(/_.*/, "", t) || !(t in known) || t == m)
			continue
		if (!mayuse(m, t, fn) && !excused(file, t, fn))
			fail(file, line, "module " m " may not call " t " (" fn ")")
	}
}
BEGIN {
	while ((getline r < rules) > 0) {
		rl++
		sub(/#.*/, "", r)
		n = split(r, w, /[ \t]+/)
		if (n == 0 || (n == 1 && w[1] == ""))
			continue
		if (w[1] == "") {
			for (i = 1; i < n; i++)
				w[i] = w[i + 1]
			n--
		}
		if (w[1] == "lib") {
			for (i = 3; i <= n; i++)
				libhdr[w[i]] = w[2]
		} else if (w[1] == "module") {
			known[w[2]] = 1
			side = "use"
			r = ""
			for (i = 3; i <= n; i++)
				r = r " " w[i]
			# util(buf hex) -> util(buf,hex) so it splits as a word
			while (match(r, /\([^)]* [^)]*\)/)) {
				t = substr(r, RSTART, RLENGTH)
				gsub(/ /, ",", t)
				r = substr(r, 1, RSTART - 1) t \
				    substr(r, RSTART + RLENGTH)
			}
			k = split(r, u, " ")
			for (i = 1; i <= k; i++) {
				if (u[i] == "|") {
					side = "lib"
					continue
				}
				if (side == "lib") {
					libs[w[2], u[i]] = 1
					continue
				}
				t = u[i]
				spec = ""
				if (match(t, /\(.*\)$/)) {
					spec = substr(t, RSTART + 1, RLENGTH - 2)
					gsub(/,/, " ", spec)
					t = substr(t, 1, RSTART - 1)
				}
				uses[w[2], t] = spec
			}
		} else if (w[1] == "allow" && n >= 3) {
			nallow++
			allow_file[nallow] = w[2]
			allow_what[nallow] = w[3]
			allow_line[nallow] = rl
		} else {
			printf "%s:%d: cannot parse \"%s\"\n", rules, rl, r
			bad = 1
		}
	}
	close(rules)
}
FNR == 1 {
	incomment = 0
	m = FILENAME
	sub(/^(src|include)\//, "", m)
	sub(/[\/.-].*/, "", m)
	if (!(m in known)) {
		fail(FILENAME, 1, "module " m " has no rule in " rules)
		nextfile
	}
}
{
	# Drop comments, keeping line numbers.
	s = ""
	line = $0
	while (line != "") {
		if (incomment) {
			if ((i = index(line, "*/")) == 0) {
				line = ""
				break
			}
			line = substr(line, i + 2)
			incomment = 0
			continue
		}
		i = index(line, "/*")
		j = index(line, "//")
		if (i == 0 && j == 0) {
			s = s line
			break
		}
		if (j != 0 && (i == 0 || j < i)) {
			s = s substr(line, 1, j - 1)
			break
		}
		s = s substr(line, 1, i - 1) " "
		line = substr(line, i + 2)
		incomment = 1
	}
	if (match(s, /^[ \t]*#[ \t]*include[ \t]*[<"][^>"]*[>"]/)) {
		h = substr(s, RSTART, RLENGTH)
		sys = h ~ /</
		sub(/^[^<"]*[<"]/, "", h)
		sub(/[>"]$/, "", h)
		checkinclude(FILENAME, FNR, m, h, sys)
		next
	}
	gsub(q "(\\\\.|[^\\\\" q "])" q, "0", s)
	gsub(/"(\\.|[^"\\])*"/, "\"\"", s)
	checkcalls(FILENAME, FNR, m, s)
}
END {
	for (i = 1; i <= nallow; i++) {
		if (!allow_used[i])
			printf "%s:%d: exception %s %s matches nothing " \
			    "(remove it)\n", rules, allow_line[i], allow_file[i],
			    allow_what[i]
	}
	exit bad
}' $files
