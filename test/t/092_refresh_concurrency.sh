#!/usr/bin/env bash
# Writers and refreshes at once: pgbench clients insert events (in
# transactions that stay open across refreshes), insert, correct and
# reverse postings, delete and move events and reset targets, while two
# other clients run wwva.refresh() back to back, at least 1,000 times.
# At the end one more refresh, and the materialized statement must equal a
# full recompute line for line.  Also: a refresh refuses to run at
# REPEATABLE READ.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
db=wwva_refresh_concurrency
# 2 x 600 = 1,200 refresh cycles; fewer only when asked, for a quick run
refreshes_per_client=${WWVA_REFRESHES_PER_CLIENT:-600}
work=$(mktemp -d)
trap 'rm -rf "$work"; "$PG_BIN/dropdb" --if-exists "$db"' EXIT
psql_q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
cd "$ROOT/test/refresh"

"$PG_BIN/dropdb" --if-exists "$db"
"$PG_BIN/createdb" "$db"
psql_q -d "$db" -f setup.sql >/dev/null

# writers run until the refreshers are done
"$PG_BIN/pgbench" -n -d "$db" -c 4 -j 2 -T 600 \
	-f events.pgbench@5 -f postings.pgbench@4 -f corrections.pgbench@1 >"$work/writers.log" 2>&1 &
writers=$!
"$PG_BIN/pgbench" -n -d "$db" -c 2 -j 2 -t "$refreshes_per_client" -f refresh.pgbench >"$work/refreshers.log" 2>&1 || {
	cat "$work/refreshers.log"
	kill "$writers" 2>/dev/null || true
	exit 1
}
# stop the writers: their connections close, and a transaction left open
# rolls back, as a writer that dies would.
kill -TERM "$writers" 2>/dev/null || true
wait "$writers" || true

refreshed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$work/refreshers.log")
failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$work/refreshers.log")
echo "refresh cycles completed: ${refreshed:-0} (failed: ${failed:-0})"
[ "${refreshed:-0}" -eq $((2 * refreshes_per_client)) ] || { cat "$work/refreshers.log"; echo "not every refresh cycle completed"; exit 1; }
[ "${failed:-0}" -eq 0 ] || { cat "$work/refreshers.log"; exit 1; }
writes=$(psql_q -At -d "$db" -c "SELECT (SELECT count(*) FROM wwva.user_event) || ' events, ' || (SELECT count(*) FROM wwva.ledger) || ' postings now'")
echo "$writes"

psql_q -d "$db" -c "SET client_min_messages = warning" -c "SELECT wwva.refresh() AS last_refresh_pairs"
psql_q -d "$db" -f stale_lines.sql 2>&1

# A refresh at REPEATABLE READ could read a snapshot older than the refresh
# it waited for; it is refused, with a hint.
out=$(psql_q -d "$db" -c "BEGIN ISOLATION LEVEL REPEATABLE READ" -c "SELECT wwva.refresh()" 2>&1 || true)
echo "$out" | grep -q 'must run at READ COMMITTED, not REPEATABLE READ' || { echo "$out"; exit 1; }
echo "$out" | grep -q 'HINT' || { echo "$out"; exit 1; }
echo "a refresh at REPEATABLE READ is refused"
