#!/usr/bin/env bash
# Scale-out over postgres_fdw.  Two more PostgreSQL instances on loopback
# ports are shards, each holding the ledgers of half the MEs in its own
# wwva.  The coordinator keeps the reference tables and reads the ledgers
# through foreign partitions of wwva.ledger and wwva.user_event.
#
# Checked: wwva.statement, wwva.figures, wwva.emc_shares and
# wwva.unassigned over the sharded layout equal the single-node results
# line for line; EXPLAIN shows each partition's aggregation sent to its
# shard (a Foreign Scan of "Aggregate on" a partition, one row per ME back)
# and no foreign partition scanned row by row; a write routed to a foreign
# partition is refused with a hint; an ME with rows on a shard cannot be
# deleted; wwva.refresh() on the coordinator rebuilds every pair and
# matches the statement.  Also the hash layout of the README: a DEFAULT
# partition partitioned by HASH (me_id) gives the same statement, and each
# hash partition is aggregated on its own.
set -euo pipefail
# shellcheck source=test/lib.sh
. "$(dirname "$0")/../lib.sh"
single=wwva_shards_single
coordinator=wwva_shards_coordinator
hashed=wwva_shards_hashed
shard_db=wwva_shard
work=$(mktemp -d)
psql_q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

wwva_start_shard shard_a
port_a=$WWVA_SHARD_PORT
wwva_start_shard shard_b
port_b=$WWVA_SHARD_PORT
finish() {
	local rc=$?
	"$PG_BIN/dropdb" --if-exists "$single" || true
	"$PG_BIN/dropdb" --if-exists "$coordinator" || true
	"$PG_BIN/dropdb" --if-exists "$hashed" || true
	rm -rf "$work"
	# wwva_cleanup reads the exit status from $?; without set +e the
	# failing (exit) would end the trap here and leave the shards running
	set +e
	(exit "$rc")
	wwva_cleanup
}
trap finish EXIT

mes_a="'me01','me02','me03','me04','me05','me06','me07','me08'"
mes_b="'me09','me10','me11','me12','me13','me14','me15','me16'"

# --- the single-node reference ---------------------------------------------
"$PG_BIN/dropdb" --if-exists "$single"
"$PG_BIN/createdb" "$single"
psql_q -d "$single" -c 'CREATE EXTENSION wwva'
psql_q -d "$single" -f test/shards/reference.sql
psql_q -d "$single" -f test/shards/ledgers.sql
echo "single node: $(psql_q -At -d "$single" -c "SELECT count(*) FROM wwva.ledger") postings, $(psql_q -At -d "$single" -c "SELECT count(*) FROM wwva.user_event") events"

# --- the shards: wwva, their MEs, their MEs' rows ----------------------------
for shard in a b; do
	port_var="port_$shard" mes_var="mes_$shard"
	port=${!port_var} mes=${!mes_var}
	"$PG_BIN/createdb" -p "$port" "$shard_db"
	psql_q -p "$port" -d "$shard_db" -c 'CREATE EXTENSION wwva'
	wwva_copy_mes "$single" "$port" "$shard_db" "$mes"
	echo "shard $shard (port $port): $(psql_q -At -p "$port" -d "$shard_db" -c "SELECT count(*) FROM wwva.ledger") postings, $(psql_q -At -p "$port" -d "$shard_db" -c "SELECT count(*) FROM wwva.user_event") events"
done

# --- the coordinator: reference tables here, ledgers on the shards -----------
"$PG_BIN/dropdb" --if-exists "$coordinator"
"$PG_BIN/createdb" "$coordinator"
psql_q -d "$coordinator" -c 'CREATE EXTENSION wwva' -c 'CREATE EXTENSION postgres_fdw'
psql_q -d "$coordinator" -f test/shards/reference.sql
psql_q -d "$coordinator" -v port_a="$port_a" -v port_b="$port_b" -v shard_db="$shard_db" \
	-v mes_a="$mes_a" -v mes_b="$mes_b" -f test/shards/coordinator.sql
local_rows=$(psql_q -At -d "$coordinator" -c "SELECT (SELECT count(*) FROM wwva.ledger_default) + (SELECT count(*) FROM wwva.user_event_default)")
[ "$local_rows" -eq 0 ] || fail "the coordinator keeps $local_rows ledger rows itself"

# --- 1. equal results, line for line ----------------------------------------
same() {
	local what="$1" query="$2" n
	psql_q -d "$single" -c "COPY ($query) TO STDOUT" >"$work/single.$what"
	psql_q -d "$coordinator" -c "COPY ($query) TO STDOUT" >"$work/sharded.$what"
	n=$(wc -l <"$work/single.$what")
	[ "$n" -gt 0 ] || fail "$what: the single-node result is empty"
	if ! cmp -s "$work/single.$what" "$work/sharded.$what"; then
		diff "$work/single.$what" "$work/sharded.$what" | head -20 >&2
		fail "$what differs between single node and shards"
	fi
	echo "ok: $what equal on $n lines"
}
same statement "SELECT * FROM wwva.statement"
same figures "SELECT * FROM wwva.figures ORDER BY me_id, period_no"
same emc_shares "SELECT * FROM wwva.emc_shares ORDER BY 1, 2, 3"
same emc_pools "SELECT * FROM wwva.emc_pools ORDER BY 1, 2"
same unassigned "SELECT * FROM wwva.unassigned ORDER BY source, row_id"
cross_shard=$(psql_q -At -d "$coordinator" -c "SELECT count(DISTINCT m.member_id) FROM wwva.emc_member m WHERE m.emc_id = 'emc_kitchen' AND m.kind = 'me'")
echo "   (emc_kitchen has $cross_shard ME members on both shards)"

# --- 2. the aggregation runs on the shards ----------------------------------
psql_q -d "$coordinator" -At -c "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM wwva.statement" >"$work/plan"
pushed=$(grep -c 'Relations: Aggregate on (shards\.\(ledger\|user_event\)_[ab] ' "$work/plan" || true)
row_scans=$(grep -c 'Foreign Scan on ' "$work/plan" || true)
remote_money=$(grep -c 'Remote SQL: SELECT me_id, wwva\.ledger_totals_by_period(.* GROUP BY 1' "$work/plan" || true)
remote_users=$(grep -c 'Remote SQL: SELECT me_id, wwva\.user_resource_counts_by_period(.* GROUP BY 1' "$work/plan" || true)
shipped=$(wwva_rows_shipped <"$work/plan")
echo "plan: $pushed pushed-down aggregations ($remote_money ledger, $remote_users user_event), $row_scans row-by-row foreign scans, $shipped rows shipped"
[ "$pushed" -eq 4 ] || { cat "$work/plan" >&2; fail "expected 4 foreign scans of 'Aggregate on' a shard partition, found $pushed"; }
[ "$remote_money" -eq 2 ] && [ "$remote_users" -eq 2 ] || { cat "$work/plan" >&2; fail "the remote queries do not run the by-period aggregates grouped by me_id"; }
[ "$row_scans" -eq 0 ] || { cat "$work/plan" >&2; fail "$row_scans foreign partitions are scanned row by row"; }
[ "$shipped" -eq 32 ] || { cat "$work/plan" >&2; fail "expected 32 rows shipped (16 MEs x 2 tables), got $shipped"; }
# the same statement without partitionwise aggregation pulls every row
pulled=$(psql_q -d "$coordinator" -At -c "SET enable_partitionwise_aggregate = off" \
	-c "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM wwva.statement" | wwva_rows_shipped)
echo "without enable_partitionwise_aggregate: $pulled rows shipped"
[ "$pulled" -gt 400000 ] || fail "expected every row pulled without partitionwise aggregation, got $pulled"

# a month's statement: the shards aggregate only the rows that month needs
# (the window of src/slices.c goes out as parameters of the remote query)
month="SELECT * FROM wwva.statement WHERE period_id = '2024-03'"
same statement_of_a_month "$month"
psql_q -d "$coordinator" -At -c "LOAD 'wwva'" \
	-c "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF, TIMING OFF, SUMMARY OFF) $month" >"$work/plan_month"
pushed=$(grep -c 'Relations: Aggregate on (shards\.\(ledger\|user_event\)_[ab] ' "$work/plan_month" || true)
windowed=$(grep -c 'Remote SQL: SELECT me_id, wwva\.\(ledger_totals\|user_resource_counts\)_by_period(.* WHERE .*\(booked_on\|occurred_at\) >= \$.* GROUP BY 1' "$work/plan_month" || true)
echo "a month's plan: $pushed pushed-down aggregations, $windowed of them over the month's window"
[ "$pushed" -eq 4 ] && [ "$windowed" -eq 4 ] || { cat "$work/plan_month" >&2; fail "a month's statement does not aggregate its window on the shards"; }

# --- 3. writes for a shard's ME go to the shard ------------------------------
out=$(psql_q -d "$coordinator" -c "INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('me03', '2024-02-01', 'hardware', 'revenue', 1)" 2>&1 || true)
echo "$out" | grep -q 'ME "me03" is kept in foreign partition shards.ledger_a' || { echo "$out" >&2; fail "a posting routed to a shard was not refused"; }
echo "$out" | grep -q 'HINT:' || fail "the refusal has no hint"
out=$(psql_q -d "$coordinator" -c "INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES ('me12', 1, '2024-02-01', 'interaction')" 2>&1 || true)
echo "$out" | grep -q 'ME "me12" is kept in foreign partition shards.user_event_b' || { echo "$out" >&2; fail "an event routed to a shard was not refused"; }
echo "ok: writes routed to a foreign partition are refused with a hint"
out=$(psql_q -d "$coordinator" -c "DELETE FROM wwva.me WHERE me_id = 'me11'" 2>&1 || true)
echo "$out" | grep -q 'ME "me11" still has ledger postings or user events' || { echo "$out" >&2; fail "an ME with rows on a shard was deleted"; }
echo "ok: an ME with rows on a shard cannot be deleted"

# --- 4. a write on a shard shows on the coordinator; refresh rebuilds ----------
psql_q -p "$port_b" -d "$shard_db" -c "INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('me12', '2024-03-03', 'ecosystem', 'revenue', 1234.56)"
psql_q -d "$single" -c "INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('me12', '2024-03-03', 'ecosystem', 'revenue', 1234.56)"
# a batch re-sent to the shard is stored once (the shard's partitions keep
# source_ref unique per ME)
for db in "-p $port_b -d $shard_db" "-d $single"; do
	for attempt in 1 2; do
		# shellcheck disable=SC2086
		psql_q $db -c "INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount, source_ref) VALUES ('me12', '2024-03-04', 'hardware', 'revenue', 10, 'batch-7:1') ON CONFLICT DO NOTHING"
	done
done
resent=$(psql_q -At -d "$coordinator" -c "SELECT count(*) FROM wwva.ledger WHERE source_ref = 'batch-7:1'")
[ "$resent" = 1 ] || fail "a posting re-sent to the shard is stored $resent times, not once"
echo "ok: a posting re-sent to a shard with ON CONFLICT DO NOTHING is stored once"
same statement_after_write "SELECT * FROM wwva.statement"
psql_q -d "$coordinator" -c "SET client_min_messages = warning" -c "SELECT wwva.refresh()" >/dev/null
psql_q -p "$port_b" -d "$shard_db" -c "INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('me12', '2024-04-04', 'hardware', 'revenue', 99.99)"
psql_q -d "$single" -c "INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('me12', '2024-04-04', 'hardware', 'revenue', 99.99)"
notice=$(psql_q -d "$coordinator" -c "SELECT wwva.refresh()" 2>&1 >/dev/null)
echo "$notice" | grep -q 'has foreign partitions, whose changes are not captured on this server; rebuilding every pair' || { echo "$notice" >&2; fail "refresh did not rebuild"; }
columns=$(psql_q -At -d "$coordinator" -c "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'wwva.statement'::regclass AND attnum > 0")
psql_q -d "$coordinator" -c "COPY (SELECT $columns FROM wwva.materialized_statement ORDER BY me_id, period_id, line_no) TO STDOUT" >"$work/materialized"
psql_q -d "$single" -c "COPY (SELECT $columns FROM wwva.statement ORDER BY me_id, period_id, line_no) TO STDOUT" >"$work/single.sorted"
cmp -s "$work/materialized" "$work/single.sorted" || { diff "$work/materialized" "$work/single.sorted" | head >&2; fail "the coordinator's materialized statement differs from the single-node statement"; }
echo "ok: a row written on a shard shows in the coordinator's statement; refresh rebuilds and matches ($(wc -l <"$work/materialized") lines)"

# --- 4b. closing a period with shards ------------------------------------------
# The coordinator's close publishes what it reads through the foreign
# partitions; the shard refuses writes into the period once the same close
# is made there, which needs the period there too (README "Scaling out").
psql_q -d "$coordinator" -At -c "SELECT wwva.close_period('2024-02', 'me12', 'February')" >/dev/null
psql_q -p "$port_b" -d "$shard_db" -At -c "INSERT INTO wwva.period VALUES ('2024-02', '2024-02-01', '2024-03-01') ON CONFLICT DO NOTHING" \
	-c "SELECT wwva.close_period('2024-02', 'me12', 'February')" >/dev/null
out=$(psql_q -p "$port_b" -d "$shard_db" -c "INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('me12', '2024-02-10', 'hardware', 'revenue', 5)" 2>&1 || true)
echo "$out" | grep -q 'period "2024-02" of ME "me12" is closed' || fail "the shard takes a posting into its closed period: $out"
left=$(psql_q -d "$coordinator" -At -c "SELECT count(*) FROM (SELECT line_no, actual FROM wwva.statement WHERE me_id = 'me12' AND period_id = '2024-02'
                                           EXCEPT SELECT line_no, actual FROM wwva.published_statement WHERE me_id = 'me12' AND period_id = '2024-02') d")
[ "$left" = 0 ] || fail "the coordinator's statement of closed (me12, 2024-02) differs from its publication on $left lines"
psql_q -p "$port_b" -d "$shard_db" -At -c "SELECT wwva.reopen_period('2024-02', 'me12', reason => 'test over')" >/dev/null
psql_q -d "$coordinator" -At -c "SELECT wwva.reopen_period('2024-02', 'me12', reason => 'test over')" >/dev/null
echo "ok: a close made on the coordinator and on the shard: the coordinator publishes through the foreign partitions, the shard refuses writes into the period"

# --- 5. hash partitions by ME, below the DEFAULT partition ------------------
"$PG_BIN/dropdb" --if-exists "$hashed"
"$PG_BIN/createdb" "$hashed"
psql_q -d "$hashed" -c 'CREATE EXTENSION wwva'
psql_q -d "$hashed" -f test/shards/reference.sql
psql_q -d "$hashed" <<'SQL'
BEGIN;
ALTER TABLE wwva.ledger DETACH PARTITION wwva.ledger_default;
ALTER TABLE wwva.user_event DETACH PARTITION wwva.user_event_default;
CREATE TABLE wwva.ledger_hashed PARTITION OF wwva.ledger DEFAULT PARTITION BY HASH (me_id);
CREATE TABLE wwva.user_event_hashed PARTITION OF wwva.user_event DEFAULT PARTITION BY HASH (me_id);
CREATE TABLE wwva.ledger_h0 PARTITION OF wwva.ledger_hashed FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE wwva.ledger_h1 PARTITION OF wwva.ledger_hashed FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE TABLE wwva.user_event_h0 PARTITION OF wwva.user_event_hashed FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE wwva.user_event_h1 PARTITION OF wwva.user_event_hashed FOR VALUES WITH (MODULUS 2, REMAINDER 1);
COMMIT;
SQL
psql_q -d "$hashed" -f test/shards/ledgers.sql
psql_q -d "$hashed" -c "ALTER DATABASE $hashed SET enable_partitionwise_aggregate = on"
psql_q -d "$single" -c "COPY (SELECT * FROM wwva.statement) TO STDOUT" >"$work/single.statement_now"
psql_q -d "$hashed" -c "INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('me12', '2024-03-03', 'ecosystem', 'revenue', 1234.56), ('me12', '2024-03-04', 'hardware', 'revenue', 10), ('me12', '2024-04-04', 'hardware', 'revenue', 99.99)"
psql_q -d "$hashed" -c "COPY (SELECT * FROM wwva.statement) TO STDOUT" >"$work/hashed.statement"
cmp -s "$work/single.statement_now" "$work/hashed.statement" || { diff "$work/single.statement_now" "$work/hashed.statement" | head >&2; fail "the statement over hash partitions differs"; }
per_partition=$(psql_q -d "$hashed" -At -c "EXPLAIN (COSTS OFF) SELECT * FROM wwva.statement" |
	grep -A2 'Aggregate' | grep -c 'Scan on \(ledger\|user_event\)_h[01]' || true)
[ "$per_partition" -eq 4 ] || fail "expected each of the 4 hash partitions aggregated on its own, found $per_partition"
echo "ok: hash partitions below the DEFAULT partition give the same statement ($(wc -l <"$work/hashed.statement") lines), each aggregated on its own"
