#!/usr/bin/env bash
# test/run.sh — run every wwva test on a throwaway PostgreSQL 15 cluster.
#
#   test/run.sh            install missing Debian packages, build and install
#                          wwva (-Wall -Wextra -Werror), start a private
#                          cluster on 127.0.0.1, run cppcheck, pg_regress,
#                          pgTAP (pg_prove) and the shell tests, print
#                          "N passed, N failed", stop and delete the cluster.
#   test/run.sh --keep     same, but leave the cluster running for debugging
#                          (prints how to connect and how to stop it).
#   test/run.sh --quick    the developer's loop (under a minute): build and
#                          install, then make installcheck and make prove on
#                          the private cluster; no cppcheck, no Xinchu load,
#                          no shell tests.  Not a substitute for the full run.
#
# Environment: WWVA_SKIP_DEPS=1 skips the apt-get step.
# Exit status: 0 only when every test passed.
set -euo pipefail

# shellcheck source=test/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

QUICK=0
args=()
for arg in "$@"; do
	if [ "$arg" = --quick ]; then QUICK=1; else args+=("$arg"); fi
done
wwva_parse_options wwva_tap ${args[@]+"${args[@]}"}

PASSED=0
FAILED=0

wwva_install_deps
wwva_build_install
wwva_start_cluster run

# --- a. pg_regress (test/sql/*.sql against expected/*.out) ------------------
run_pg_regress() {
	local out="$WWVA_TMPDIR/installcheck.out" rc=0 ok bad
	if ! compgen -G "$ROOT/test/sql/*.sql" >/dev/null; then
		wwva_log "pg_regress: no tests in test/sql"
		return 0
	fi
	wwva_log "pg_regress: make installcheck"
	LC_ALL=C make -C "$ROOT" installcheck PG_CONFIG="$PG_CONFIG" 2>&1 | tee "$out" || rc=$?
	# PostgreSQL 15 prints "test name ... ok" or "     name ... FAILED" (in
	# parallel groups); 16+ prints TAP ("ok 1 - name", "not ok 2 - name").
	# A failure pg_regress was told to ignore counts as passed, as it does.
	ok="$(grep -Ec '(\.\.\. (ok|failed \(ignored\))([[:space:]]|$))|^ok [0-9]+ ' "$out" || true)"
	bad="$(grep -Ec '(\.\.\. FAILED([[:space:]]|$))|^not ok [0-9]+ ' "$out" || true)"
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		# pg_regress failed before or around the tests (e.g. CREATE EXTENSION).
		bad=1
	fi
	if [ "$rc" -ne 0 ] && [ -s "$ROOT/test/regression.diffs" ]; then
		echo "==== test/regression.diffs ===="
		cat "$ROOT/test/regression.diffs"
		echo "==== end of test/regression.diffs ===="
	fi
	wwva_log "pg_regress: $ok passed, $bad failed"
	PASSED=$((PASSED + ok))
	FAILED=$((FAILED + bad))
}

# --- b. pgTAP (test/t/*.sql via pg_prove) and shell tests (test/t/*.sh) -----
TAP_DB=wwva_tap

run_pg_prove() {
	local files=("$@") out="$WWVA_TMPDIR/pg_prove.out" rc=0 bad total
	total="${#files[@]}"
	[ "$total" -gt 0 ] || return 0
	wwva_log "pgTAP: pg_prove -d $TAP_DB test/t/*.sql ($total files)"
	(cd "$ROOT" && pg_prove --nocolor --timer --psql-bin "$PG_BIN/psql" -d "$TAP_DB" "${files[@]}") \
		2>&1 | tee "$out" || rc=$?
	# Failing files are listed under "Test Summary Report" as
	# "test/t/NNN_name.sql (Wstat: ... Tests: ... Failed: ...)".
	bad="$(sed -n '/^Test Summary Report/,$p' "$out" | grep -Ec '^[^[:space:]]+\.sql[[:space:]]+\(Wstat:' || true)"
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad="$total"
	fi
	[ "$bad" -le "$total" ] || bad="$total"
	wwva_log "pgTAP: $((total - bad)) passed, $bad failed"
	PASSED=$((PASSED + total - bad))
	FAILED=$((FAILED + bad))
}

# A shell test exits 77 when what it needs is not on this machine (as
# automake's harness has it): reported as skipped, with its reason, and
# counted neither passed nor failed.
run_shell_tests() {
	local f rc ok=0 bad=0 skipped=0
	[ "$#" -gt 0 ] || return 0
	for f in "$@"; do
		wwva_log "shell test: $f"
		rc=0
		(cd "$ROOT" && bash "$f") || rc=$?
		if [ "$rc" -eq 0 ]; then
			echo "ok     - $f"
			ok=$((ok + 1))
		elif [ "$rc" -eq 77 ]; then
			echo "skip   - $f"
			skipped=$((skipped + 1))
		else
			echo "FAILED - $f (exit $rc)"
			bad=$((bad + 1))
		fi
	done
	wwva_log "shell tests: $ok passed, $bad failed, $skipped skipped"
	PASSED=$((PASSED + ok))
	FAILED=$((FAILED + bad))
}

run_tap_and_shell() {
	local tap_files=() sh_files=() f
	for f in "$ROOT"/test/t/*.sql; do [ -e "$f" ] && tap_files+=("test/t/${f##*/}"); done
	for f in "$ROOT"/test/t/*.sh; do [ -e "$f" ] && sh_files+=("test/t/${f##*/}"); done
	if [ "${#tap_files[@]}" -eq 0 ] && [ "${#sh_files[@]}" -eq 0 ]; then
		wwva_log "pgTAP: no tests in test/t"
		return 0
	fi
	# One database with the Xinchu example loaded once; every pgTAP file runs
	# inside BEGIN ... ROLLBACK, so the files share it without changing it.
	wwva_log "pgTAP: creating database $TAP_DB"
	if ! { wwva_psql -d postgres -c "CREATE DATABASE $TAP_DB" &&
		wwva_psql -d "$TAP_DB" -c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION wwva' &&
		wwva_load_xinchu "$TAP_DB"; }; then
		wwva_log "ERROR: could not prepare $TAP_DB; counting every pgTAP and shell test as failed"
		FAILED=$((FAILED + ${#tap_files[@]} + ${#sh_files[@]}))
		return 0
	fi
	run_pg_prove "${tap_files[@]}"
	# Shell tests get PGHOST, PGPORT, PGUSER, ROOT; also PG_BIN and the
	# name of the loaded database.
	export PG_BIN WWVA_TAP_DB="$TAP_DB"
	run_shell_tests "${sh_files[@]}"
}

# --- static analysis: cppcheck over src/ must report nothing -----------------
run_cppcheck() {
	local out
	out="$(mktemp /tmp/wwva-cppcheck.XXXXXX)"
	if ! command -v cppcheck >/dev/null; then
		wwva_log "cppcheck: not installed; counted as failed"
		FAILED=$((FAILED + 1))
		return 0
	fi
	# Without the server headers (4 minutes with them, and false alarms on
	# ereport(ERROR) not returning), checking our own code.
	if cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 --std=c99 \
		-I "$ROOT/src" --suppress=missingIncludeSystem --suppress=missingInclude \
		"$ROOT"/src/*.c >"$out" 2>&1; then
		wwva_log "cppcheck: clean"
		PASSED=$((PASSED + 1))
	else
		cat "$out" >&2
		wwva_log "cppcheck: findings above"
		FAILED=$((FAILED + 1))
	fi
	rm -f "$out"
}

# --- the developer's loop: pg_regress and the pgTAP files with their own data
run_make_prove() {
	local out="$WWVA_TMPDIR/prove.out" rc=0 files bad
	wwva_log "pgTAP: make prove"
	(cd "$ROOT" && LC_ALL=C make -s prove PG_CONFIG="$PG_CONFIG") 2>&1 | tee "$out" || rc=$?
	files="$(sed -n 's/^Files=\([0-9]*\),.*/\1/p' "$out")"
	bad="$(sed -n '/^Test Summary Report/,$p' "$out" | grep -Ec '^[^[:space:]]+\.sql[[:space:]]+\(Wstat:' || true)"
	if [ -z "$files" ]; then
		# make prove failed before pg_prove ran (e.g. CREATE EXTENSION)
		files=1 bad=1
	elif [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		bad="$files"
	fi
	wwva_log "pgTAP: $((files - bad)) passed, $bad failed"
	PASSED=$((PASSED + files - bad))
	FAILED=$((FAILED + bad))
}

if [ "$QUICK" = 1 ]; then
	run_pg_regress
	run_make_prove
else
	run_cppcheck
	run_pg_regress
	run_tap_and_shell
fi

# --- c. summary ---------------------------------------------------------------
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
