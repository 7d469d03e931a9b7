#!/usr/bin/env bash
# The scale-out benchmark: the same generated data (scale 1: 10M events,
# 2M postings, 100 MEs x 12 months) on one node, and on two shards behind
# postgres_fdw foreign partitions (50 MEs each, all three instances on
# this machine).  Prints the statement's time and the rows shipped to the
# coordinator: single node, two shards with the aggregation pushed down,
# and two shards pulling every row (enable_partitionwise_aggregate off).
#   test/bench/shards.sh
#   WWVA_BENCH_SCALE=0.1 WWVA_BENCH_RUNS=5 test/bench/shards.sh
set -euo pipefail
# shellcheck source=../lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"
scale=${WWVA_BENCH_SCALE:-1}
runs=${WWVA_BENCH_RUNS:-3}

wwva_install_deps
wwva_build_install
wwva_start_cluster bench-shards
wwva_start_shard shard_a
port_a=$WWVA_SHARD_PORT
PGPORT=$port_a wwva_start_shard shard_b
port_b=$WWVA_SHARD_PORT
wwva_log "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); coordinator on $PGPORT, shards on $port_a and $port_b"

wwva_psql -d postgres -c "CREATE DATABASE single" -c "CREATE DATABASE sharded"
wwva_psql -d single -c "CREATE EXTENSION wwva"
wwva_log "generating scale $scale on the single node ..."
(cd "$ROOT" && wwva_psql -d single -v scale="$scale" -f test/bench/generate.sql)
mes=$(wwva_psql -At -d single -c "SELECT count(*) FROM wwva.me")
half="SELECT me_id FROM wwva.me ORDER BY me_id LIMIT $((mes / 2))"
rest="SELECT me_id FROM wwva.me ORDER BY me_id OFFSET $((mes / 2))"

list() { wwva_psql -At -d single -c "SELECT string_agg(quote_literal(me_id), ',') FROM ($1) m"; }
wwva_log "copying each half of the MEs to its shard ..."
for shard in a b; do
	port_var="port_$shard"
	port=${!port_var}
	which=$half
	[ "$shard" = b ] && which=$rest
	wwva_psql -p "$port" -d postgres -c "CREATE DATABASE shard"
	wwva_psql -p "$port" -d shard -c "CREATE EXTENSION wwva"
	wwva_copy_mes single "$port" shard "$(list "$which")"
done
wwva_psql -d single -c "VACUUM ANALYZE"

wwva_psql -d sharded -c "CREATE EXTENSION wwva" -c "CREATE EXTENSION postgres_fdw"
wwva_psql -d single -c "COPY wwva.me TO STDOUT" | wwva_psql -d sharded -c "COPY wwva.me FROM STDIN"
wwva_psql -d single -c "COPY wwva.period TO STDOUT" | wwva_psql -d sharded -c "COPY wwva.period FROM STDIN"
(cd "$ROOT" && wwva_psql -d sharded -v port_a="$port_a" -v port_b="$port_b" -v shard_db=shard \
	-v mes_a="$(list "$half")" -v mes_b="$(list "$rest")" -f test/shards/coordinator.sql)

run_ms() { # database, settings, query: the query's time in ms, jit off
	wwva_psql -At -d "$1" -c "SET jit = off" -c "$2" \
		-c "SELECT (extract(epoch FROM clock_timestamp() - statement_timestamp()) * 1000)::numeric(12,1) FROM ($3 OFFSET 0) q"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
best() { printf '%s\n' "$@" | sort -n | head -1; }
shipped() { # rows the foreign scans return, from EXPLAIN ANALYZE
	wwva_psql -At -d sharded -c "SET jit = off" -c "$1" \
		-c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM wwva.statement" | wwva_rows_shipped
}
statement="SELECT count(s::text) FROM wwva.statement s"
single=() pushed=()
for r in $(seq 1 "$runs"); do
	single+=("$(run_ms single "SET client_min_messages = warning" "$statement")")
	pushed+=("$(run_ms sharded "SET client_min_messages = warning" "$statement")")
done
pulled=$(run_ms sharded "SET enable_partitionwise_aggregate = off" "$statement")
rows_single=$(wwva_psql -At -d single -c "SELECT (SELECT count(*) FROM wwva.ledger) + (SELECT count(*) FROM wwva.user_event)")
rows_pushed=$(shipped "SET client_min_messages = warning")
rows_pulled=$(shipped "SET enable_partitionwise_aggregate = off")
same=$(cmp -s <(wwva_psql -At -d single -c "SELECT * FROM wwva.statement") \
	<(wwva_psql -At -d sharded -c "SELECT * FROM wwva.statement") && echo equal || echo DIFFERENT)
wwva_log "statement runs (ms): single node ${single[*]}; two shards, pushed down ${pushed[*]}; pulled $pulled"
b_single=$(best "${single[@]}")
b_pushed=$(best "${pushed[@]}")
cat <<TABLE

wwva.statement, scale $scale ($rows_single ledger rows, $mes MEs), best of $runs, jit off; sharded result $same to single node
| layout                                        | time (ms) | rows to the coordinator | vs single node |
|-----------------------------------------------|-----------|-------------------------|----------------|
| single node                                   | $b_single | $rows_single (read locally) | 1.00 |
| two shards, aggregation pushed down           | $b_pushed | $rows_pushed | $(ratio "$b_pushed" "$b_single") |
| two shards, rows pulled (partitionwise off)   | $pulled | $rows_pulled | $(ratio "$pulled" "$b_single") |
TABLE
[ "$same" = equal ] || wwva_die "the sharded statement differs from the single node's"
