#!/usr/bin/env bash
# The README's scheduling recipe, for real: pg_cron (preloaded by the test
# cluster, its catalog in database postgres) runs SELECT wwva.refresh()
# every minute in a database of ours.  New rows are written; within the
# next minute's run the materialized statement has them, equal to a full
# recompute, and wwva.materialized_staleness says every ME is up to date.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
db=wwva_cron
psql_q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
cleanup() {
	psql_q -d postgres -c "SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = 'wwva-refresh'" >/dev/null 2>&1 || true
	"$PG_BIN/dropdb" --if-exists "$db" 2>/dev/null || true
}
trap cleanup EXIT
cd "$ROOT/test/refresh"

[ "$(psql_q -At -d postgres -c "SHOW shared_preload_libraries")" = pg_cron ] || {
	echo "pg_cron is not preloaded in this cluster"; exit 1; }
"$PG_BIN/dropdb" --if-exists "$db"
"$PG_BIN/createdb" "$db"
psql_q -d "$db" -f setup.sql >/dev/null
psql_q -d postgres -c "CREATE EXTENSION IF NOT EXISTS pg_cron"

# The recipe (README, "Scheduled refresh")
psql_q -d postgres -At -c "SELECT 'scheduled job ' || cron.schedule_in_database('wwva-refresh', '* * * * *', 'SELECT wwva.refresh()', '$db')"

psql_q -d "$db" <<'SQL'
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'm' || (1 + i % 4), 5000 + i % 50, TIMESTAMPTZ '2024-03-20 00:00+00' + i * interval '7 minutes',
       (ARRAY['transaction', 'co_creation', 'interaction'])[1 + i % 3]
  FROM generate_series(1, 500) AS i;
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount)
VALUES ('m3', '2024-03-21', 'ecosystem', 'revenue', 4321.5);
SQL
psql_q -d "$db" -At -c "SELECT 'waiting: ' || string_agg(me_id || ' ' || pending, ', ') FROM wwva.materialized_staleness"

# within the next run (at most a minute away, plus its own time)
for _ in $(seq 1 90); do
	done_run=$(psql_q -d postgres -At -c "SELECT count(*) FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE j.jobname = 'wwva-refresh' AND d.status = 'succeeded'")
	[ "$done_run" -gt 0 ] && [ "$(psql_q -d "$db" -At -c "SELECT bool_and(up_to_date) FROM wwva.materialized_staleness")" = t ] && break
	sleep 1
done
psql_q -d postgres -At -c "SELECT 'pg_cron ran: ' || d.command || ', ' || d.status || ', ' || d.return_message FROM cron.job_run_details d JOIN cron.job j USING (jobid) WHERE j.jobname = 'wwva-refresh' ORDER BY d.runid LIMIT 1"
[ "$(psql_q -d "$db" -At -c "SELECT bool_and(up_to_date) FROM wwva.materialized_staleness")" = t ] || {
	psql_q -d "$db" -c "SELECT * FROM wwva.materialized_staleness" -c "SELECT * FROM wwva.refresh_status"
	psql_q -d postgres -c "SELECT * FROM cron.job_run_details"
	echo "the scheduled refresh did not bring the statement up to date"; exit 1; }
psql_q -d "$db" -At -c "SELECT 'last refresh: ' || last_pairs || ' pairs in ' || last_duration FROM wwva.refresh_status"
psql_q -d "$db" -f stale_lines.sql 2>&1
