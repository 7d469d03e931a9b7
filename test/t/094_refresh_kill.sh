#!/usr/bin/env bash
# A refresh cut short loses nothing.  Three times a refresh is stopped
# half-way (after it consumed the waiting changes and rewrote the stored
# figures, while it waits to write the lines): cancelled, its backend
# terminated, and its backend killed with SIGKILL, which restarts the
# server and empties the unlogged change traces.  Each time the next
# refresh repairs everything: the materialized statement equals a full
# recompute.  After the crash, until then, the status views say that the
# statement is unverified and that the next refresh rebuilds everything.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
db=wwva_refresh_kill
trap '"$PG_BIN/dropdb" --if-exists "$db" 2>/dev/null || true' EXIT
psql_q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
cd "$ROOT/test/refresh"

"$PG_BIN/dropdb" --if-exists "$db"
"$PG_BIN/createdb" "$db"
psql_q -d "$db" -f setup.sql >/dev/null

wait_until() { # wait_until SQL: poll until it returns t (at most 60 s)
	for _ in $(seq 1 600); do
		[ "$(psql_q -At -d "$db" -c "$1" 2>/dev/null || true)" = t ] && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $1"
	return 1
}

# stop_refresh_midway HOW: HOW is cancel, terminate or kill
stop_refresh_midway() {
	local how="$1" blocker refresher pid before_events before_lines
	# changes for the refresh to consume: new events, postings, a target
	psql_q -d "$db" <<-'SQL'
		INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
		SELECT 'm' || (1 + i % 4), 1000 + i, TIMESTAMPTZ '2024-02-15 00:00+00' + i * interval '1 hour', 'transaction'
		  FROM generate_series(1, 300) AS i;
		INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount)
		VALUES ('m1', '2024-03-03', 'hardware', 'revenue', 999.99);
		UPDATE wwva.target SET value = value + 1 WHERE me_id = 'm2';
	SQL
	before_events=$(psql_q -At -d "$db" -c "SELECT count(*) FROM wwva_internal.pending_event")
	before_lines=$(psql_q -At -d "$db" -c "SELECT md5(string_agg(s::text, ',' ORDER BY me_id, period_id, line_no)) FROM wwva.materialized_statement s")

	# Hold wwva.target: the refresh reads it only when it writes the lines.
	psql_q -d "$db" -c "BEGIN" -c "LOCK TABLE wwva.target IN ACCESS EXCLUSIVE MODE" -c "SELECT pg_sleep(60)" >/dev/null 2>&1 &
	blocker=$!
	wait_until "SELECT EXISTS (SELECT FROM pg_locks WHERE relation = 'wwva.target'::regclass AND mode = 'AccessExclusiveLock' AND granted)"
	psql_q -d "$db" -c "SET application_name = 'wwva_refresh_victim'" -c "SELECT wwva.refresh()" >/dev/null 2>&1 &
	refresher=$!
	wait_until "SELECT EXISTS (SELECT FROM pg_stat_activity WHERE application_name = 'wwva_refresh_victim' AND wait_event_type = 'Lock')"
	pid=$(psql_q -At -d "$db" -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'wwva_refresh_victim'")
	echo "$how: refresh (backend $pid) waits half-way; $before_events events pending"
	case "$how" in
	cancel) psql_q -d "$db" -c "SELECT pg_cancel_backend($pid)" >/dev/null ;;
	terminate) psql_q -d "$db" -c "SELECT pg_terminate_backend($pid)" >/dev/null ;;
	kill) kill -KILL "$pid" ;;
	esac
	wait "$refresher" && { echo "the refresh was not stopped"; return 1; }
	kill "$blocker" 2>/dev/null || true
	wait "$blocker" 2>/dev/null || true
	if [ "$how" = kill ]; then
		# the postmaster restarts every backend and resets unlogged tables
		for _ in $(seq 1 300); do psql_q -d "$db" -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
		[ "$(psql_q -At -d "$db" -c "SELECT count(*) FROM wwva_internal.capture_intact")" = 0 ] || {
			echo "after the crash the change traces should be gone"; return 1; }
		echo "kill: the server restarted; the change traces are gone, so is wwva_internal.capture_intact's row"
		# the status views must not call the statement fresh
		status=$(psql_q -At -d "$db" -c "SELECT verified, rebuild_reason LIKE 'change traces lost%', pending_postings + pending_events + pending_changes FROM wwva.refresh_status")
		[ "$status" = "f|t|0" ] || { echo "after the crash refresh_status says $status, not unverified"; return 1; }
		staleness=$(psql_q -At -d "$db" -c "SELECT count(*) FILTER (WHERE up_to_date OR verified OR stale_for IS NOT NULL), count(*) FROM wwva.materialized_staleness")
		[ "$staleness" = "0|4" ] || { echo "after the crash materialized_staleness says $staleness (up to date, verified or known staleness | MEs)"; return 1; }
		echo "kill: refresh_status and materialized_staleness say unverified, the next refresh rebuilds everything"
	else
		[ "$(psql_q -At -d "$db" -c "SELECT count(*) FROM wwva_internal.pending_event")" = "$before_events" ] || {
			echo "the stopped refresh consumed events"; return 1; }
		[ "$(psql_q -At -d "$db" -c "SELECT md5(string_agg(s::text, ',' ORDER BY me_id, period_id, line_no)) FROM wwva.materialized_statement s")" = "$before_lines" ] || {
			echo "the stopped refresh changed the materialized statement"; return 1; }
		echo "$how: nothing consumed, nothing written"
	fi
	psql_q -d "$db" -c "SET client_min_messages = warning" -At -c "SELECT 'next refresh: ' || wwva.refresh() || ' pairs'"
	psql_q -d "$db" -f stale_lines.sql 2>&1
	[ "$(psql_q -At -d "$db" -c "SELECT verified FROM wwva.refresh_status")" = t ] || {
		echo "after the refresh refresh_status is still unverified"; return 1; }
}

stop_refresh_midway cancel
stop_refresh_midway terminate
stop_refresh_midway kill
