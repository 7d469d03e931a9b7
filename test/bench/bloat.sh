#!/usr/bin/env bash
# The materialized statement under frequent refreshes: N refreshes back to
# back, each after a small write (one posting, ten events), as a
# dashboard's refresh job every second would run them.  Prints the size of
# wwva.materialized_statement and wwva_internal.materialized_figures before
# and after, the rows each refresh wrote, and how often autovacuum got in
# (its naptime set to 1 s, so that it wakes up during the short run).  A
# figure, not a check: it fails only if the statement ends up wrong.
#   test/bench/bloat.sh                          scale 0.2 (20 MEs x 12 months), 600 refreshes
#   WWVA_BENCH_SCALE=0.05 WWVA_BLOAT_REFRESHES=3600 test/bench/bloat.sh
set -euo pipefail
# shellcheck source=../lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"
scale=${WWVA_BENCH_SCALE:-0.2}
refreshes=${WWVA_BLOAT_REFRESHES:-600}

wwva_install_deps
wwva_build_install
wwva_start_cluster bloat
wwva_psql -d postgres -c "ALTER SYSTEM SET autovacuum_naptime = '1s'" -c "SELECT pg_reload_conf()" >/dev/null
wwva_psql -d postgres -c "CREATE DATABASE bench"
wwva_psql -d bench -c "CREATE EXTENSION wwva"
wwva_log "generating scale $scale ..."
(cd "$ROOT" && wwva_psql -d bench -v scale="$scale" -f test/bench/generate.sql >/dev/null)
wwva_psql -d bench -c "SET client_min_messages = warning" -c "SELECT wwva.refresh()" >/dev/null
wwva_psql -d bench -c "VACUUM ANALYZE"

sizes() { # one line: rows and total size of the two tables
	wwva_psql -At -d bench -c "SELECT format('materialized_statement %s rows, %s; materialized_figures %s rows, %s',
	    (SELECT count(*) FROM wwva.materialized_statement),
	    pg_size_pretty(pg_total_relation_size('wwva.materialized_statement')),
	    (SELECT count(*) FROM wwva_internal.materialized_figures),
	    pg_size_pretty(pg_total_relation_size('wwva_internal.materialized_figures')))"
}
writes() { # rows inserted, updated and deleted in the materialized statement so far
	wwva_psql -At -d bench -c "SELECT pg_stat_force_next_flush()" \
		-c "SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_user_tables WHERE relid = 'wwva.materialized_statement'::regclass"
}
# refreshes ROUND: $refreshes refreshes, each after one posting and ten events
refreshes() {
	local script="$WWVA_TMPDIR/bloat-$1.sql"
	{
		echo "SET client_min_messages = warning;"
		for i in $(seq 1 "$refreshes"); do
			echo "INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('me0001', '2024-12-0$((1 + i % 9))', 'hardware', 'revenue', $i);"
			echo "INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) SELECT 'me0001', $1 * 10000000 + $i * 10 + u, '2024-12-10 00:00+00', 'transaction' FROM generate_series(1, 10) u;"
			echo "SELECT wwva.refresh();"
		done
	} >"$script"
	wwva_psql -q -d bench -f "$script" >/dev/null
}
# the mean refresh time of the first and the last 50 runs, in ms (of the
# last 1,000: wwva_internal.refresh_run keeps no more)
run_times() {
	wwva_psql -At -d bench -c "SELECT format('first 50 %s ms, last 50 %s ms',
	    (SELECT round(avg(extract(epoch FROM finished_at - started_at) * 1000), 1) FROM (SELECT * FROM wwva.refresh_run ORDER BY run_id DESC OFFSET $(( (refreshes < 1000 ? refreshes : 1000) - 50 )) LIMIT 50) r),
	    (SELECT round(avg(extract(epoch FROM finished_at - started_at) * 1000), 1) FROM (SELECT * FROM wwva.refresh_run ORDER BY run_id DESC LIMIT 50) r))"
}
before=$(sizes)
writes_before=$(writes | tail -1)
wwva_log "$refreshes refreshes, each after one posting and ten events ..."
start=$(date +%s)
refreshes 1
took=$(($(date +%s) - start))
sleep 3   # one more autovacuum round
writes_after=$(writes | tail -1)
(cd "$ROOT" && wwva_psql -d bench -f test/refresh/stale_lines.sql)
wwva_log "before: $before"
wwva_log "after $refreshes refreshes in $took s ($(run_times)): $(sizes)"
wwva_log "lines written per refresh: $(( (writes_after - writes_before) / refreshes )); autovacuum runs: $(wwva_psql -At -d bench -c "SELECT format('materialized_statement %s, materialized_figures %s', (SELECT autovacuum_count FROM pg_stat_user_tables WHERE relid = 'wwva.materialized_statement'::regclass), (SELECT autovacuum_count FROM pg_stat_user_tables WHERE relid = 'wwva_internal.materialized_figures'::regclass))")"

# again, with an analyst's REPEATABLE READ transaction left open: no vacuum
# can remove a row version it may see, so every row a refresh rewrites stays
wwva_psql -d bench -c "VACUUM" 2>/dev/null
before=$(sizes)
wwva_psql -d bench -c "BEGIN ISOLATION LEVEL REPEATABLE READ" \
	-c "SELECT count(*) FROM wwva.materialized_statement" -c "SELECT pg_sleep(3600)" >/dev/null 2>&1 &
analyst=$!
sleep 1
wwva_log "$refreshes refreshes more, with a REPEATABLE READ transaction open ..."
start=$(date +%s)
refreshes 2
took=$(($(date +%s) - start))
wwva_log "before: $before"
wwva_log "after $refreshes refreshes in $took s ($(run_times)): $(sizes)"
kill "$analyst" 2>/dev/null || true
wait "$analyst" 2>/dev/null || true
