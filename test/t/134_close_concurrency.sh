#!/usr/bin/env bash
# A close racing writers.  pgbench clients write postings and events into
# January and February of two MEs, in transactions that take their
# snapshot (REPEATABLE READ half the time) before they write and stay open
# a while, while a closer closes January (then February) for an ME,
# checks at once that the statement of the closed ME-period equals what
# the close published, and reopens it with a reason, again and again.
# Writes into a closed period are refused and counted; none may slip past
# a close.  At the end every closed pair's statement equals its latest
# publication, and the log holds every close and reopen.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
db=wwva_close_concurrency
cycles=${WWVA_CLOSE_CYCLES:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"; "$PG_BIN/dropdb" --if-exists "$db"' EXIT
psql_q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
cd "$ROOT/test/closing"

"$PG_BIN/dropdb" --if-exists "$db"
"$PG_BIN/createdb" "$db"
psql_q -d "$db" -f setup.sql >/dev/null

"$PG_BIN/pgbench" -n -d "$db" -c 4 -j 2 -T 600 -f writers.pgbench >"$work/writers.log" 2>&1 &
writers=$!
stop_writers() { kill -TERM "$writers" 2>/dev/null || true; wait "$writers" || true; }

refused_before=0
for ((i = 1; i <= cycles; i++)); do
	me=$([ $((i % 2)) -eq 0 ] && echo a || echo b)
	period=$([ $((i % 3)) -eq 0 ] && echo 2024-02 || echo 2024-01)
	psql_q -d "$db" -At -c "SELECT wwva.close_period('$period', '$me', 'cycle $i')" >/dev/null
	# while it is closed, writers keep trying: nothing they commit may change it
	sleep 0.05
	left=$(psql_q -d "$db" -At -c "SELECT public.unpublished('$me', '$period')")
	[ "$left" = 0 ] || { stop_writers; fail "cycle $i: the statement of closed ($me, $period) differs from its publication on $left lines"; }
	psql_q -d "$db" -At -c "SELECT wwva.reopen_period('$period', '$me', reason => 'cycle $i')" >/dev/null
done
# end closed, with the writers still at it
psql_q -d "$db" -At -c "SELECT wwva.close_period('2024-01')" >/dev/null
sleep 1
stop_writers

! grep -q 'aborted' "$work/writers.log" || { grep -m3 -B3 'aborted' "$work/writers.log"; fail "a writer stopped on an error"; }
committed=$(psql_q -d "$db" -At -c "SELECT count(*) FROM wwva.ledger WHERE amount = 1.25")
[ "$committed" -gt 0 ] || { tail "$work/writers.log"; fail "the writers committed nothing"; }
for me in a b; do
	left=$(psql_q -d "$db" -At -c "SELECT public.unpublished('$me', '2024-01')")
	[ "$left" = 0 ] || fail "at the end the statement of closed ($me, 2024-01) differs from its publication on $left lines"
done
read -r closes reopens <<<"$(psql_q -d "$db" -At -F ' ' -c "SELECT count(*) FILTER (WHERE action = 'close'), count(*) FILTER (WHERE action = 'reopen') FROM wwva.period_close_log")"
[ "$closes" -eq $((cycles + 2)) ] && [ "$reopens" -eq "$cycles" ] || fail "the log has $closes closes and $reopens reopens, not $((cycles + 2)) and $cycles"
rows=$(psql_q -d "$db" -At -c "SELECT (SELECT count(*) FROM wwva.ledger) || ' postings, ' || (SELECT count(*) FROM wwva.user_event) || ' events'")
echo "ok: $cycles closes raced 4 writers ($committed of their postings committed, now $rows): every closed statement equalled its publication, at every close and at the end; the log has every close and reopen"
