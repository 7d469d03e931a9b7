#!/usr/bin/env bash
# The Citus recipe of README "Scaling out", run as written: a coordinator
# and two workers, CREATE EXTENSION wwva on every node, the reference
# tables as Citus reference tables, wwva.ledger and wwva.user_event
# distributed by me_id and colocated.  Every public view must equal a
# single-node run line for line, and so must wwva.refresh() on the
# coordinator, after writes of every kind through it too; the row checks
# must refuse what a single node refuses, with the same error; closed
# periods must refuse writes on the workers; and EXPLAIN
# must show the per-ME aggregation inside the worker tasks (grouped by the
# distribution column, so pushed down whole).
#
# Citus is not packaged by Debian.  Without it this test says so and exits
# 77 (skipped).
set -euo pipefail
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
psql_q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

if [ ! -f "$("$PG_CONFIG" --sharedir)/extension/citus.control" ]; then
	echo "SKIP: Citus is not installed for PostgreSQL 15 on this machine ($("$PG_CONFIG" --sharedir)/extension/citus.control is missing)."
	echo "      Debian does not package it; install postgresql-15-citus from Citus Data's repository to run this test."
	exit 77
fi

single=wwva_citus_single
db=wwva_citus
work=$(mktemp -d)
wwva_start_shard citus_coordinator "-c shared_preload_libraries=citus -c citus.enable_unsafe_triggers=on"
coordinator=$WWVA_SHARD_PORT
PGPORT=$coordinator wwva_start_shard citus_worker_1 "-c shared_preload_libraries=citus -c citus.enable_unsafe_triggers=on"
worker_1=$WWVA_SHARD_PORT
PGPORT=$worker_1 wwva_start_shard citus_worker_2 "-c shared_preload_libraries=citus -c citus.enable_unsafe_triggers=on"
worker_2=$WWVA_SHARD_PORT
finish() {
	local rc=$?
	"$PG_BIN/dropdb" --if-exists "$single" || true
	for role in wwva_citus_analyst wwva_me_me01 wwva_me_me09 wwva_me_me12; do
		"$PG_BIN/psql" -X -q -d postgres -c "DROP ROLE IF EXISTS $role" || true
	done
	rm -rf "$work"
	# wwva_cleanup reads the exit status from $?; without set +e the
	# failing (exit) would end the trap here and leave the shards running
	set +e
	(exit "$rc")
	wwva_cleanup
}
trap finish EXIT

"$PG_BIN/dropdb" --if-exists "$single"
"$PG_BIN/createdb" "$single"
psql_q -d "$single" -c 'CREATE EXTENSION wwva'
psql_q -d "$single" -f test/shards/reference.sql
psql_q -d "$single" -f test/shards/ledgers.sql

for port in "$coordinator" "$worker_1" "$worker_2"; do
	"$PG_BIN/createdb" -p "$port" "$db"
	psql_q -p "$port" -d "$db" -c 'CREATE EXTENSION citus' -c 'CREATE EXTENSION wwva'
done
psql_q -p "$coordinator" -d "$db" -c "SELECT citus_add_node('127.0.0.1', $worker_1), citus_add_node('127.0.0.1', $worker_2)" >/dev/null
# the README's block, as printed
bash "$ROOT/test/readme_block.sh" citus_tables >"$work/citus_tables.sql"
psql_q -p "$coordinator" -d "$db" -f "$work/citus_tables.sql" >/dev/null
psql_q -p "$coordinator" -d "$db" -f test/shards/reference.sql
psql_q -d "$single" -c "COPY (SELECT entry_id, me_id, booked_on, stream, kind, behavior, amount, category, user_id, partner_id, memo FROM wwva.ledger) TO STDOUT" |
	psql_q -p "$coordinator" -d "$db" -c 'COPY wwva.ledger (entry_id, me_id, booked_on, stream, kind, behavior, amount, category, user_id, partner_id, memo) FROM STDIN'
psql_q -d "$single" -c "COPY (SELECT event_id, me_id, user_id, occurred_at, kind FROM wwva.user_event) TO STDOUT" |
	psql_q -p "$coordinator" -d "$db" -c 'COPY wwva.user_event (event_id, me_id, user_id, occurred_at, kind) FROM STDIN'

# a year beside the months, for the statements to date
for node in "-d $single" "-p $coordinator -d $db"; do
	# shellcheck disable=SC2086
	psql_q $node -c "INSERT INTO wwva.period (period_id, starts_on, ends_on, calendar) VALUES ('2024', '2024-01-01', '2025-01-01', 'year')"
done
# the same query on both, line for line, as the owner or as ROLE
compare() {
	local what="$1" query="$2" role="${3:-postgres}"
	psql_q -d "$single" -U "$role" -c "COPY ($query) TO STDOUT" >"$work/single.$what"
	psql_q -p "$coordinator" -d "$db" -U "$role" -c "COPY ($query) TO STDOUT" >"$work/citus.$what" 2>"$work/citus.$what.err" ||
		fail "$what fails under Citus as $role: $(grep -m1 ERROR "$work/citus.$what.err")"
	[ "$what" = unassigned ] || [ -s "$work/single.$what" ] || fail "$what: the single-node result is empty"
	cmp -s "$work/single.$what" "$work/citus.$what" || { diff "$work/single.$what" "$work/citus.$what" | head >&2; fail "$what differs under Citus as $role"; }
	echo "ok: $what equal on $(wc -l <"$work/single.$what") lines under Citus as $role"
}
statement="SELECT * FROM wwva.statement ORDER BY me_id, period_id, line_no"
materialized="SELECT me_id, period_id, line, item, unit, actual, target, variance, achievement, line_no, period_no, starts_on, ends_on, calendar FROM wwva.materialized_statement ORDER BY me_id, period_id, line_no"
refresh() {
	psql_q -d "$single" -c "SET client_min_messages = warning" -c "SELECT wwva.refresh()" >/dev/null
	psql_q -p "$coordinator" -d "$db" -c "SELECT wwva.refresh()" >/dev/null 2>"$work/refresh.notices"
	grep -q 'Citus tables, whose changes are written on the workers and not traced here; rewriting every pair' "$work/refresh.notices" ||
		{ cat "$work/refresh.notices" >&2; fail "the refresh on the coordinator does not say that it rewrites every pair"; }
}
nothing_waits_on_the_workers() {
	local port waiting
	for port in "$worker_1" "$worker_2"; do
		waiting=$(psql_q -p "$port" -d "$db" -At -c "SELECT (SELECT count(*) FROM wwva_internal.pending_change) + (SELECT count(*) FROM wwva_internal.pending_posting) + (SELECT count(*) FROM wwva_internal.pending_event)")
		[ "$waiting" -eq 0 ] || fail "$waiting captured changes wait on the worker on port $port, where nothing reads them"
	done
	echo "ok: nothing captured waits on the workers $1"
}

# change capture runs where wwva.refresh() reads it, not on the workers'
# shards: after the load, nothing waits on a worker
nothing_waits_on_the_workers "after the load"

# every public view (a month's and a to-date slice too)
for what in statement figures user_resources value_added_sharing revenues costs marginal_income \
	statement_to_date emc_pools emc_shares unassigned statement_of_a_month; do
	case "$what" in
	statement) query=$statement ;;
	statement_to_date) query="SELECT * FROM wwva.statement_to_date ORDER BY me_id, period_id, to_date_of, line_no" ;;
	statement_of_a_month) query="SELECT * FROM wwva.statement WHERE period_id = '2024-03' ORDER BY me_id, line_no" ;;
	*) query="SELECT * FROM wwva.$what ORDER BY 1, 2, 3" ;;
	esac
	compare "$what" "$query"
done

# the materialized statement: rewritten on the coordinator, equal to the
# view; a second refresh rewrites no unchanged line
refresh
compare materialized_statement "$materialized"
stamp="SELECT max(computed_at) FROM wwva.materialized_statement"
before=$(psql_q -p "$coordinator" -d "$db" -At -c "$stamp")
refresh
[ "$(psql_q -p "$coordinator" -d "$db" -At -c "$stamp")" = "$before" ] || fail "a refresh with nothing changed rewrote lines"
echo "ok: a refresh with nothing changed keeps every line"
# the status views say why every refresh rewrites everything
status=$(psql_q -p "$coordinator" -d "$db" -At -F ' ' -c "SELECT verified, rebuild_reason FROM wwva.refresh_status" \
	-c "SELECT count(*), count(*) FILTER (WHERE verified OR up_to_date) FROM wwva.materialized_staleness" \
	-c "SELECT pairs = rebuilt_pairs FROM wwva.refresh_run ORDER BY run_id DESC LIMIT 1")
[ "$status" = "f Citus tables: their changes are made on the workers, untraced here; every refresh rewrites every pair
16 0
t" ] || fail "the status views under Citus say: $status"
echo "ok: the status views say that every refresh rewrites every pair"

# writes of every kind through the coordinator, then a refresh
psql_q -d "$single" -f test/shards/writes.sql >/dev/null
psql_q -p "$coordinator" -d "$db" -f test/shards/writes.sql >/dev/null
nothing_waits_on_the_workers "after the writes"
refresh
compare statement_after_writes "$statement"
compare emc_shares_after_writes "SELECT * FROM wwva.emc_shares ORDER BY 1, 2, 3"
compare materialized_after_writes "$materialized"

# the row checks refuse the same rows with the same SQLSTATE, message and
# hint on a worker as on a single node; nothing refused is written.  ME
# me18 has a posting and nothing else: deleting it fails one check only.
for node in "-d $single" "-p $coordinator -d $db"; do
	# shellcheck disable=SC2086
	psql_q $node -c "INSERT INTO wwva.me (me_id, name, timezone) VALUES ('me18', 'An ME with one posting', 'UTC')" \
		-c "INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, amount) VALUES (900011, 'me18', '2024-02-01', 'hardware', 'revenue', 10)" >/dev/null
done
for refused in \
	"INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, amount) VALUES (900010, 'me99', '2024-03-01', 'hardware', 'revenue', 1)" \
	"INSERT INTO wwva.user_event (event_id, me_id, user_id, occurred_at, kind) VALUES (900010, 'me03', 1, '2024-03-01', 'purchase')" \
	"DELETE FROM wwva.me WHERE me_id = 'me18'" \
	"UPDATE wwva.me SET me_id = 'me18b' WHERE me_id = 'me18'"; do
	single_error=$(psql_q -d "$single" -v VERBOSITY=verbose -c "$refused" 2>&1 | grep -E '^(ERROR|HINT):' || true)
	citus_error=$(psql_q -p "$coordinator" -d "$db" -v VERBOSITY=verbose -c "$refused" 2>&1 | grep -E '^(ERROR|HINT):' || true)
	[ -n "$single_error" ] || fail "a single node accepts: $refused"
	[ "$single_error" = "$citus_error" ] || fail "Citus answers \"$refused\" with \"$citus_error\", a single node with \"$single_error\""
	echo "ok: refused as on a single node: ${single_error%%$'\n'*}"
done
# An ME with rows, targets and a place in an EMC fails three checks, on
# two workers at once: Citus reports whichever error comes back first, and
# the ME stays.
error=$(psql_q -p "$coordinator" -d "$db" -v VERBOSITY=verbose -c "DELETE FROM wwva.me WHERE me_id = 'me03'" 2>&1 | grep -E '^ERROR:' || true)
case "$error" in
"ERROR:  23503: "*) echo "ok: an ME with rows, targets and an EMC is refused: $error" ;;
*) fail "deleting ME me03 under Citus gives: ${error:-no error}" ;;
esac
[ "$(psql_q -p "$coordinator" -d "$db" -At -c "SELECT count(*) FROM wwva.me WHERE me_id = 'me03'")" = 1 ] || fail "ME me03 is gone"
compare statement_after_refusals "$statement"

# an analyst who sees three MEs through row-level security, the same on
# both; on the workers it may use the schema of the functions the views
# call there (README)
bash "$ROOT/test/readme_block.sh" citus_policies >"$work/citus_policies.sql"
for node in "-d $single" "-p $coordinator -d $db"; do
	# shellcheck disable=SC2086
	psql_q $node -f test/shards/analyst.sql -f "$work/citus_policies.sql" >/dev/null
done
for port in "$worker_1" "$worker_2"; do
	psql_q -p "$port" -d "$db" -c "GRANT USAGE ON SCHEMA wwva_internal TO wwva_citus_analyst"
done
for what in statement figures emc_pools emc_shares unassigned statement_to_date statement_of_a_month materialized_statement; do
	case "$what" in
	statement) query=$statement ;;
	statement_to_date) query="SELECT * FROM wwva.statement_to_date ORDER BY me_id, period_id, to_date_of, line_no" ;;
	statement_of_a_month) query="SELECT * FROM wwva.statement WHERE period_id = '2024-03' ORDER BY me_id, line_no" ;;
	materialized_statement) query=$materialized ;;
	*) query="SELECT * FROM wwva.$what ORDER BY 1, 2, 3" ;;
	esac
	compare "$what" "$query" wwva_citus_analyst
done
[ "$(psql_q -p "$coordinator" -d "$db" -U wwva_citus_analyst -At -c "SELECT string_agg(DISTINCT me_id, ',' ORDER BY me_id) FROM wwva.statement")" = me01,me09,me12 ] ||
	fail "the analyst under Citus does not see exactly its three MEs"
echo "ok: the analyst under Citus sees its three MEs only"

# closing periods through the coordinator: the workers refuse writes into
# them, the statement equals what the close published, EMC periods publish
# with their last member
cq() { psql_q -p "$coordinator" -d "$db" -v VERBOSITY=verbose "$@"; }
cq -At -c "SELECT wwva.close_period('2024-02', 'me02', 'February')" >/dev/null
for refused in \
	"INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, amount) VALUES (990001, 'me02', '2024-02-10', 'hardware', 'revenue', 1)" \
	"DELETE FROM wwva.user_event WHERE me_id = 'me02' AND occurred_at >= '2024-02-10' AND occurred_at < '2024-02-11'" \
	"UPDATE wwva.target SET value = value + 1 WHERE me_id = 'me02' AND period_id = '2024-02'"; do
	out=$(cq -c "$refused" 2>&1 || true)
	echo "$out" | grep -q '^ERROR:  55000: .*period "2024-02" of ME "me02" is closed' || fail "under Citus a closed period takes: $refused ($out)"
done
left=$(cq -At -c "SELECT count(*) FROM (SELECT line_no, actual, target FROM wwva.statement WHERE me_id = 'me02' AND period_id = '2024-02'
                                      EXCEPT SELECT line_no, actual, target FROM wwva.published_statement WHERE me_id = 'me02' AND period_id = '2024-02') d")
[ "$left" = 0 ] || fail "under Citus the statement of closed (me02, 2024-02) differs from its publication on $left lines"
cq -At -c "SELECT wwva.close_period('2024-03')" >/dev/null
published=$(cq -At -c "SELECT count(*) FROM wwva.published_emc_shares WHERE period_id = '2024-03'")
live=$(cq -At -c "SELECT count(*) FROM wwva.emc_shares WHERE period_id = '2024-03'")
[ "$published" = "$live" ] && [ "$live" -gt 0 ] || fail "under Citus closing March for every ME published $published EMC share rows, not $live"
out=$(cq -c "UPDATE wwva.emc_member SET weight = weight + 1 WHERE emc_id = 'emc_kitchen' AND member_id = 'me09'" 2>&1 || true)
echo "$out" | grep -q '^ERROR:  55000: member "me09" of EMC "emc_kitchen" cannot be changed: its period "2024-03" is closed' ||
	fail "under Citus a member of an EMC with a closed period changes: $out"
cq -At -c "SELECT wwva.reopen_period('2024-02', 'me02', reason => 'late invoice')" >/dev/null
cq -c "INSERT INTO wwva.ledger (entry_id, me_id, booked_on, stream, kind, amount) VALUES (990001, 'me02', '2024-02-10', 'hardware', 'revenue', 1)" >/dev/null ||
	fail "under Citus a reopened period refuses a posting"
echo "ok: closing periods under Citus: the workers refuse writes into them and changes to the members of a closed EMC period, the statement equals its publication, EMC shares publish, a reopen lets writes in"

psql_q -p "$coordinator" -d "$db" -At -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM wwva.statement" >"$work/plan"
grep -q 'Custom Scan (Citus Adaptive)' "$work/plan" || { cat "$work/plan" >&2; fail "the statement does not run as a Citus plan"; }
# each task aggregates one shard grouped by its me_id (Citus names the column worker_column_1)
grep -Eq 'Query: SELECT worker_column_1 AS me_id, wwva\.ledger_totals_by_period\(.* GROUP BY worker_column_1$' "$work/plan" || { cat "$work/plan" >&2; fail "the workers' tasks do not aggregate the ledger grouped by me_id"; }
grep -Eq 'Query: SELECT worker_column_1 AS me_id, wwva\.user_resource_counts_by_period\(.* GROUP BY worker_column_1$' "$work/plan" || { cat "$work/plan" >&2; fail "the workers' tasks do not aggregate the events grouped by me_id"; }
echo "ok: the statement's per-ME aggregations run in the workers' tasks"
