#!/usr/bin/env bash
# test/readme_block.sh — the fenced blocks of README.md, for the tests that
# run them as printed.
#
#   test/readme_block.sh NAME       print the block marked, on the line(s)
#                                   before its fence,
#                                   <!-- readme-test: run by test/t/FILE as NAME -->
#                                   (exit 1 unless exactly one is)
#   test/readme_block.sh --split DIR
#                                   write every block's text to DIR/N and
#                                   print one line per block, fields separated by \x1f:
#                                   N, the line of its opening fence, its
#                                   info string (sql, ini, ... or empty),
#                                   its marker (the text after "readme-test:"),
#                                   1 when only blank lines separate it from
#                                   the block before (else 0)
#
# A marker belongs to the next fence, with only blank lines between; a
# marker followed by anything else is refused (exit 1), so that none is
# silently lost.  Environment: README (default: README.md of this checkout).
set -euo pipefail
README=${README:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/README.md}

parse() {
	awk -v mode="$1" -v arg="$2" '
	function fail(line, msg) { printf "README.md:%d: %s\n", line, msg > "/dev/stderr"; bad = 1; exit 1 }
	BEGIN { n = 0; inb = 0; gap = 0; marker = ""; mline = 0 }
	inb && /^```/ { inb = 0; gap = 1; mine = 0; if (mode == "split") close(file); next }
	inb {
		if (mode == "split") print > file
		else if (mine) text = text $0 "\n"
		next
	}
	/^```/ {
		n++; inb = 1
		info = substr($0, 4); sub(/[[:space:]]+$/, "", info)
		if (mode == "split") {
			file = arg "/" n
			printf "" > file
			printf "%d\037%d\037%s\037%s\037%d\n", n, NR, info, marker, gap == 1
		} else {
			mine = (marker ~ ("^run by [^ ]+ as " arg "$"))
			if (mine) found++
		}
		marker = ""; gap = 0
		next
	}
	/^<!-- readme-test: .* -->[[:space:]]*$/ {
		if (marker != "") fail(NR, "two readme-test markers before one block")
		marker = $0
		sub(/^<!-- readme-test: /, "", marker); sub(/ -->[[:space:]]*$/, "", marker)
		mline = NR; gap = 0
		next
	}
	/^[[:space:]]*<!--.*readme-test/ { fail(NR, "a readme-test marker must be a line of its own: <!-- readme-test: ... -->") }
	/^[[:space:]]*$/ { next }
	{
		if (marker != "") { fail(mline, "readme-test marker not followed by a fenced block") }
		gap = 0
	}
	END {
		if (bad) exit 1
		if (inb) { print "README.md: unterminated fenced block" > "/dev/stderr"; exit 1 }
		if (marker != "") { printf "README.md:%d: readme-test marker at the end\n", mline > "/dev/stderr"; exit 1 }
		if (mode == "name") {
			if (found != 1) {
				printf "README.md: %d blocks marked \"run by ... as %s\" (want exactly 1)\n", found, arg > "/dev/stderr"
				exit 1
			}
			printf "%s", text
		}
	}' "$README"
}

case "${1:-}" in
--split)
	[ -n "${2:-}" ] || { echo "usage: $0 --split DIR" >&2; exit 2; }
	parse split "$2"
	;;
'' | -*)
	echo "usage: $0 NAME | --split DIR" >&2
	exit 2
	;;
*) parse name "$1" ;;
esac
