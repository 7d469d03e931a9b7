#!/usr/bin/env bash
# The README is executable: every ```sql block of README.md runs as printed,
# and every output it shows is the true output.
#
# Conventions (README "Maintaining wwva", "Examples in this README"):
#   - an unmarked ```sql block runs here, in README order, in one fresh
#     database with CREATE EXTENSION wwva, each block in its own
#     `psql -X -q -v ON_ERROR_STOP=1` session reading it on stdin (no
#     command tags; errors, hints and notices included): the Analyst's guide
#     first, then the Reference examples;
#   - a plain ``` block right after a ```sql block (only blank lines
#     between) is that block's output, compared exactly: psql's aligned
#     format with its footer, as psql prints it with those settings;
#   - `SELECT ...;  -- VALUE` on one line, VALUE starting with a digit, a
#     minus sign or "{": VALUE (up to a ":") is what `psql -At` prints for
#     that statement, run after its block;
#   - a marker, an HTML comment on a line of its own before a block (only
#     blank lines between), says otherwise:
#       <!-- readme-test: xinchu -->  run on the Xinchu example database
#       <!-- readme-test: output of FILE -->  with every block so marked, in
#           order, the output of `psql -X -q -f FILE` on the Xinchu example
#           (test/demo.sh prints it so)
#       <!-- readme-test: run by test/t/T as NAME -->  T runs or checks it:
#           T must exist and read it with `test/readme_block.sh NAME`
#       <!-- readme-test: not run: REASON ... test/t/T ... -->  cannot run
#           as printed (placeholders for your servers); T, which must exist,
#           runs the same recipe with its own values
#   - a plain ``` block that is no block's output, and an unknown marker,
#     fail the test.  Blocks tagged sh, ini, text, ... are not run.
#
# The Xinchu example is the database test/run.sh loads ($WWVA_TAP_DB);
# without it, this test loads test/data/xinchu.sql itself (about a minute).
# Fails with the block's README line and a diff; prints how many blocks
# ran, how many outputs were checked and how many are covered elsewhere.
#
# Environment: PGHOST, PGPORT, PGUSER (a superuser), ROOT, PG_BIN,
#   WWVA_TAP_DB; README (another file to check, default README.md).
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
README=${README:-$ROOT/README.md}
export README
db=wwva_readme
xdb=${WWVA_TAP_DB:-}
own_xdb=
work=$(mktemp -d /tmp/wwva-readme.XXXXXX)
psql_q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
cleanup() {
	local rc=$?
	trap - EXIT
	"$PG_BIN/dropdb" --if-exists "$db" >/dev/null 2>&1 || true
	[ -z "$own_xdb" ] || "$PG_BIN/dropdb" --if-exists "$own_xdb" >/dev/null 2>&1 || true
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT

failed=0
fail() { echo "FAIL - $*"; failed=$((failed + 1)); }
ok() { echo "ok - $*"; }

mkdir "$work/b"
bash "$ROOT/test/readme_block.sh" --split "$work/b" >"$work/manifest" || {
	echo "FAIL - README.md cannot be split into blocks (above)"
	exit 1
}
declare -a line info marker adj
nblocks=0
while IFS=$'\x1f' read -r n l i m a; do
	line[n]=$l info[n]=$i marker[n]=$m adj[n]=$a
	nblocks=$n
done <"$work/manifest"

# --- classify every block -----------------------------------------------------
declare -a where expect # where: guide, xinchu; expect[sql block] = its output block
declare -A groups       # output FILE -> its blocks, in order
elsewhere=0 not_run=0
for ((n = 1; n <= nblocks; n++)); do
	m=${marker[n]} at="README.md:${line[n]}"
	if [[ $m =~ ^run\ by\ ([^ ]+)\ as\ ([A-Za-z0-9_]+)$ ]]; then
		t=${BASH_REMATCH[1]} name=${BASH_REMATCH[2]}
		if [ ! -f "$ROOT/$t" ]; then
			fail "$at: marked as run by $t, which does not exist"
		elif ! grep -Eq "readme_block\.sh\"? +$name([^A-Za-z0-9_]|$)" "$ROOT/$t"; then
			fail "$at: marked as run by $t, which does not read it (no 'test/readme_block.sh $name' there)"
		else
			ok "$at: run by $t (test/readme_block.sh $name)"
			elsewhere=$((elsewhere + 1))
		fi
		continue
	fi
	if [[ $m =~ ^not\ run:\ .*(test/t/[^ ,;:\)]+) ]]; then
		t=${BASH_REMATCH[1]}
		if [ "${info[n]}" != sql ]; then
			fail "$at: 'not run' marks a block that is not sql"
		elif [ -f "$ROOT/$t" ]; then
			ok "$at: not run as printed ($m)"
			not_run=$((not_run + 1))
		else
			fail "$at: marked as not run, naming $t, which does not exist"
		fi
		continue
	fi
	case "${info[n]}" in
	sql)
		case "$m" in
		'') where[n]=guide ;;
		xinchu) where[n]=xinchu ;;
		*) fail "$at: unknown readme-test marker on a sql block: $m" ;;
		esac
		;;
	'')
		p=$((n - 1))
		if [[ $m =~ ^output\ of\ ([^ ]+)$ ]]; then
			groups[${BASH_REMATCH[1]}]+="$n "
		elif [ -n "$m" ]; then
			fail "$at: unknown readme-test marker on an output block: $m"
		elif [ "${adj[n]}" = 1 ] && [ "$p" -ge 1 ] && [ "${info[p]}" = sql ] && [ -n "${where[p]:-}" ]; then
			expect[p]=$n
		elif [ "${adj[n]}" = 1 ] && [ "$p" -ge 1 ] && [ "${info[p]}" = sql ]; then
			fail "$at: an output shown for the block at README.md:${line[p]}, which is not run here, so nothing checks it"
		else
			fail "$at: a plain \`\`\` block that is no sql block's output: put it right after its sql block, mark it, or tag it (\`\`\`text)"
		fi
		;;
	*)
		[ -z "$m" ] || fail "$at: unknown readme-test marker on a ${info[n]} block: $m"
		;;
	esac
done

# --- the databases --------------------------------------------------------------
PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/dropdb" --if-exists "$db"
"$PG_BIN/createdb" "$db"
psql_q -d "$db" -c 'CREATE EXTENSION wwva'
if [ -z "$xdb" ]; then
	own_xdb=wwva_readme_xinchu xdb=$own_xdb
	echo "# WWVA_TAP_DB is not set: loading the Xinchu example into $xdb"
	PGOPTIONS="-c client_min_messages=warning" "$PG_BIN/dropdb" --if-exists "$xdb"
	"$PG_BIN/createdb" "$xdb"
	psql_q -d "$xdb" -c 'CREATE EXTENSION wwva'
	(cd "$ROOT" && psql_q -d "$xdb" -f test/data/xinchu.sql >/dev/null)
	psql_q -d "$xdb" -c ANALYZE
fi

# --- run the blocks -------------------------------------------------------------
ran=0 guide=0 on_xinchu=0 checked=0 inline=0 shown=0
# show_diff EXPECTED ACTUAL: the diff, indented
show_diff() { diff -u --label 'README.md shows' --label 'psql prints' "$1" "$2" | sed 's/^/    /' || true; }

# inline_results N DB: the one-line SELECTs of block N that state their value
inline_results() {
	local n="$1" d="$2" l re stmt want got k=0
	re='^(SELECT .*;)[[:space:]]+--[[:space:]]+(-?[0-9{][^:]*)(:.*)?$'
	while IFS= read -r l; do
		k=$((k + 1))
		[[ $l =~ $re ]] || continue
		stmt=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
		want=${want%"${want##*[![:space:]]}"}
		got=$(psql_q -At -d "$d" -c "$stmt" 2>&1) || true
		inline=$((inline + 1))
		if [ "$got" = "$want" ]; then
			ok "README.md:$((line[n] + k)): $stmt gives $want"
		else
			fail "README.md:$((line[n] + k)): $stmt gives '$got', the README says '$want'"
		fi
	done <"$work/b/$n"
}

for ((n = 1; n <= nblocks; n++)); do
	[ -n "${where[n]:-}" ] || continue
	at="README.md:${line[n]}" rc=0
	if [ "${where[n]}" = guide ]; then d=$db guide=$((guide + 1)); else d=$xdb on_xinchu=$((on_xinchu + 1)); fi
	ran=$((ran + 1))
	psql_q -d "$d" <"$work/b/$n" >"$work/out.$n" 2>&1 || rc=$?
	if [ -n "${expect[n]:-}" ]; then
		checked=$((checked + 1))
		e=${expect[n]}
		if cmp -s "$work/b/$e" "$work/out.$n"; then
			ok "$at: runs (${where[n]}); its output at README.md:${line[e]} is what psql prints"
		else
			fail "$at: the output shown at README.md:${line[e]} is not what psql prints (exit $rc):"
			show_diff "$work/b/$e" "$work/out.$n"
		fi
	elif [ "$rc" -eq 0 ]; then
		ok "$at: runs (${where[n]})"
	else
		fail "$at: fails when run as printed (psql exit $rc):"
		sed 's/^/    /' "$work/out.$n"
	fi
	inline_results "$n" "$d"
done

# --- outputs of files: the demo's statement -------------------------------------
for f in "${!groups[@]}"; do
	: >"$work/want.group"
	first=
	for n in ${groups[$f]}; do
		first=${first:-$n}
		cat "$work/b/$n" >>"$work/want.group"
		echo >>"$work/want.group" # psql's blank line after each table
		shown=$((shown + 1))
	done
	at="README.md:${line[first]}"
	if [ ! -f "$ROOT/$f" ]; then
		fail "$at: shown as the output of $f, which does not exist"
		continue
	fi
	rc=0
	(cd "$ROOT" && psql_q -d "$xdb" -f "$f") >"$work/got.group" 2>&1 || rc=$?
	if cmp -s "$work/want.group" "$work/got.group"; then
		ok "$at: the $(wc -w <<<"${groups[$f]}") blocks shown as the output of $f are what it prints on the Xinchu example"
	else
		fail "$at: the blocks shown as the output of $f (README lines$(for n in ${groups[$f]}; do printf ' %s' "${line[n]}"; done)) are not what it prints on the Xinchu example (exit $rc):"
		show_diff "$work/want.group" "$work/got.group"
	fi
done

echo "# README.md: $ran sql blocks ran ($guide in order on a fresh database, $on_xinchu on the Xinchu example);" \
	"$((checked + inline + shown)) outputs checked ($checked shown below their block, $inline inline results, $shown blocks of the demo's output);" \
	"$elsewhere blocks covered by other tests; $not_run blocks not run as printed"
if [ "$failed" -gt 0 ]; then
	echo "$failed failed"
	exit 1
fi
echo "0 failed"
