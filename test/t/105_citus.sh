#!/usr/bin/env bash
# The Citus recipe of README "Scaling out", run as written: a coordinator
# and two workers, CREATE EXTENSION wwva on every node, the reference
# tables as Citus reference tables, wwva.ledger and wwva.user_event
# distributed by me_id and colocated.  The statement and the EMC shares
# must equal a single-node run line for line, and EXPLAIN must show the
# per-ME aggregation inside the worker tasks (grouped by the distribution
# column, so pushed down whole).
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
psql_q -p "$coordinator" -d "$db" <<SQL
SELECT citus_add_node('127.0.0.1', $worker_1);
SELECT citus_add_node('127.0.0.1', $worker_2);
-- the small tables everywhere, the ledgers by ME, colocated
SELECT create_reference_table(t)
  FROM unnest(ARRAY['wwva.me', 'wwva.period', 'wwva.target', 'wwva.sharing_rule',
                    'wwva.emc', 'wwva.emc_member', 'wwva.emc_contract', 'wwva.emc_tier']::regclass[]) AS t;
SELECT create_distributed_table('wwva.ledger', 'me_id');
SELECT create_distributed_table('wwva.user_event', 'me_id', colocate_with => 'wwva.ledger');
SQL
psql_q -p "$coordinator" -d "$db" -f test/shards/reference.sql
psql_q -d "$single" -c "COPY (SELECT entry_id, me_id, booked_on, stream, kind, behavior, amount, category, user_id, partner_id, memo FROM wwva.ledger) TO STDOUT" |
	psql_q -p "$coordinator" -d "$db" -c 'COPY wwva.ledger (entry_id, me_id, booked_on, stream, kind, behavior, amount, category, user_id, partner_id, memo) FROM STDIN'
psql_q -d "$single" -c "COPY (SELECT event_id, me_id, user_id, occurred_at, kind FROM wwva.user_event) TO STDOUT" |
	psql_q -p "$coordinator" -d "$db" -c 'COPY wwva.user_event (event_id, me_id, user_id, occurred_at, kind) FROM STDIN'

# change capture runs where wwva.refresh() reads it, not on the workers'
# shards: after the load, nothing waits on a worker
for port in "$worker_1" "$worker_2"; do
	waiting=$(psql_q -p "$port" -d "$db" -At -c "SELECT (SELECT count(*) FROM wwva_internal.pending_change) + (SELECT count(*) FROM wwva_internal.pending_posting) + (SELECT count(*) FROM wwva_internal.pending_event)")
	[ "$waiting" -eq 0 ] || fail "$waiting captured changes wait on the worker on port $port, where nothing reads them"
done
echo "ok: nothing captured waits on the workers"

# a year beside the months, for the statements to date
for node in "-d $single" "-p $coordinator -d $db"; do
	# shellcheck disable=SC2086
	psql_q $node -c "INSERT INTO wwva.period (period_id, starts_on, ends_on, calendar) VALUES ('2024', '2024-01-01', '2025-01-01', 'year')"
done
# every public view, line for line (a month's and a to-date slice too)
for what in statement figures user_resources value_added_sharing revenues costs marginal_income \
	statement_to_date emc_pools emc_shares unassigned statement_of_a_month; do
	case "$what" in
	statement) query="SELECT * FROM wwva.statement ORDER BY me_id, period_id, line_no" ;;
	statement_to_date) query="SELECT * FROM wwva.statement_to_date ORDER BY me_id, period_id, to_date_of, line_no" ;;
	statement_of_a_month) query="SELECT * FROM wwva.statement WHERE period_id = '2024-03' ORDER BY me_id, line_no" ;;
	*) query="SELECT * FROM wwva.$what ORDER BY 1, 2, 3" ;;
	esac
	psql_q -d "$single" -c "COPY ($query) TO STDOUT" >"$work/single.$what"
	psql_q -p "$coordinator" -d "$db" -c "LOAD 'wwva'" -c "COPY ($query) TO STDOUT" >"$work/citus.$what" 2>"$work/citus.$what.err" ||
		fail "$what fails under Citus: $(grep -m1 ERROR "$work/citus.$what.err")"
	[ "$what" = unassigned ] || [ -s "$work/single.$what" ] || fail "$what: the single-node result is empty"
	cmp -s "$work/single.$what" "$work/citus.$what" || { diff "$work/single.$what" "$work/citus.$what" | head >&2; fail "$what differs under Citus"; }
	echo "ok: $what equal on $(wc -l <"$work/single.$what") lines under Citus"
done

psql_q -p "$coordinator" -d "$db" -At -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM wwva.statement" >"$work/plan"
grep -q 'Custom Scan (Citus Adaptive)' "$work/plan" || { cat "$work/plan" >&2; fail "the statement does not run as a Citus plan"; }
# each task aggregates one shard grouped by its me_id (Citus names the column worker_column_1)
grep -Eq 'Query: SELECT worker_column_1 AS me_id, wwva\.ledger_totals_by_period\(.* GROUP BY worker_column_1$' "$work/plan" || { cat "$work/plan" >&2; fail "the workers' tasks do not aggregate the ledger grouped by me_id"; }
grep -Eq 'Query: SELECT worker_column_1 AS me_id, wwva\.user_resource_counts_by_period\(.* GROUP BY worker_column_1$' "$work/plan" || { cat "$work/plan" >&2; fail "the workers' tasks do not aggregate the events grouped by me_id"; }
echo "ok: the statement's per-ME aggregations run in the workers' tasks"
