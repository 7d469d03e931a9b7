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
SELECT citus_set_coordinator_host('127.0.0.1', $coordinator);
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

for what in statement emc_shares; do
	query="SELECT * FROM wwva.$what ORDER BY 1, 2, 3"
	[ "$what" = statement ] && query="SELECT * FROM wwva.statement ORDER BY me_id, period_id, line_no"
	psql_q -d "$single" -c "COPY ($query) TO STDOUT" >"$work/single.$what"
	psql_q -p "$coordinator" -d "$db" -c "COPY ($query) TO STDOUT" >"$work/citus.$what"
	[ -s "$work/single.$what" ] || fail "$what: the single-node result is empty"
	cmp -s "$work/single.$what" "$work/citus.$what" || { diff "$work/single.$what" "$work/citus.$what" | head >&2; fail "$what differs under Citus"; }
	echo "ok: $what equal on $(wc -l <"$work/single.$what") lines under Citus"
done

psql_q -p "$coordinator" -d "$db" -At -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM wwva_internal.money_figures" >"$work/plan"
grep -q 'Custom Scan (Citus Adaptive)' "$work/plan" || { cat "$work/plan" >&2; fail "the money figures do not run as a Citus plan"; }
grep -Eq 'wwva\.ledger_totals_by_period\(.*GROUP BY (l\.)?me_id' "$work/plan" || { cat "$work/plan" >&2; fail "the workers' tasks do not aggregate grouped by me_id"; }
echo "ok: the per-ME aggregation runs in the workers' tasks"
