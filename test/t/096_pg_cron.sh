#!/usr/bin/env bash
# The README's scheduling recipe, for real and as printed (the blocks
# marked pg_cron_conf and pg_cron_schedule): the test cluster has the
# settings it prints for postgresql.conf, and its statements, run in
# database postgres (cron.database_name), make pg_cron run SELECT
# wwva.refresh() every minute in database finance, the README's name.  New rows are written; within the
# next minute's run the materialized statement has them, equal to a full
# recompute, and wwva.materialized_staleness says every ME is up to date.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
db=finance
psql_q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
cleanup() {
	psql_q -d postgres -c "SELECT cron.unschedule(jobid) FROM cron.job WHERE jobname = 'wwva-refresh'" >/dev/null 2>&1 || true
	"$PG_BIN/dropdb" --if-exists "$db" 2>/dev/null || true
}
trap cleanup EXIT
cd "$ROOT/test/refresh"

# postgresql.conf as the README prints it: every "name = value" is the
# server's setting
conf=$(bash "$ROOT/test/readme_block.sh" pg_cron_conf)
while read -r name _ value; do
	value=${value%%#*} value=${value%"${value##*[![:space:]]}"} value=${value//\'/}
	[ "$(psql_q -At -d postgres -c "SHOW $name")" = "$value" ] || {
		echo "the README's postgresql.conf sets $name = $value; this cluster has $(psql_q -At -d postgres -c "SHOW $name")"; exit 1; }
	echo "$name = $value, as the README says"
done < <(grep -E '^[a-z_.]+ = ' <<<"$conf")
[ "$(grep -cE '^[a-z_.]+ = ' <<<"$conf")" = 3 ] || { echo "the README's postgresql.conf for pg_cron: want 3 settings:"; echo "$conf"; exit 1; }
"$PG_BIN/dropdb" --if-exists "$db"
"$PG_BIN/createdb" "$db"
psql_q -d "$db" -f setup.sql >/dev/null
# the recipe creates the extension: a cluster kept from an earlier run has it
psql_q -d postgres -c "DROP EXTENSION IF EXISTS pg_cron"

# The recipe (README, "Scheduling with pg_cron"), as printed
bash "$ROOT/test/readme_block.sh" pg_cron_schedule | psql_q -d postgres -At | sed "s/^/scheduled job /"

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
