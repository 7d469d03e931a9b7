#!/usr/bin/env bash
# Every C function whose running time its input controls honours a cancel.
# Each call below ran for seconds in 0.5.0, which ignored pg_cancel_backend
# and pg_terminate_backend in them for up to 16 s after the cancel on these
# inputs; some still take seconds, legitimately.  Each is started,
# cancelled with pg_cancel_backend after about one second, and must stop
# within one second of the cancel, as pg_stat_activity shows.  A call that
# finishes before the second is up passes too.  The inputs come from
# test/hostile/inputs.sql:
#
#   - stored user states naming period 1,000,000 (0.5.0 zeroed 40 MB per
#     ME and period there), and a legitimate 20 MB one whose lifetime
#     users (K = 1000) take seconds to count;
#   - EMC splits that fix one member per water-filling round (n rounds),
#     and 50,000 members of 2000 digits.
#
# Prints one line per call; exits 1 when a call was not stopped in time.
# Environment: PGHOST, PGPORT, PGUSER (a superuser), ROOT, PG_BIN.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
db=wwva_cancel
app=wwva_cancel_victim
deadline=1.0        # seconds from the cancel to a stopped backend
work=$(mktemp -d /tmp/wwva-cancel.XXXXXX)
client=""

psql_q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

# Cleanup first, then the exit status: nothing here may end the trap early.
cleanup() {
	local rc=$?
	trap - EXIT
	if [ -n "$client" ]; then
		kill "$client" 2>/dev/null || true
	fi
	psql_q -d postgres -At -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$app'" \
		>/dev/null 2>&1 || true
	wait 2>/dev/null || true
	"$PG_BIN/dropdb" --if-exists "$db" >/dev/null 2>&1 || true
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT

now() { date +%s.%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
at_most() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }

"$PG_BIN/dropdb" --if-exists "$db" >/dev/null 2>&1
"$PG_BIN/createdb" "$db"
psql_q -d "$db" -c "CREATE EXTENSION wwva" -f "$ROOT/test/hostile/inputs.sql"
psql_q -d "$db" <<'SQL'
CREATE TABLE state_input (name text PRIMARY KEY, state bytea);
INSERT INTO state_input VALUES
    ('far periods', hostile_user_state(1, 400, 1000000, 1)),    -- 6.4 kB
    ('far MEs', hostile_user_state(64, 1, 1000000)),            -- 2.3 kB
    ('lifetime', lifetime_state(3000, 500, 1000));              -- 20 MB
CREATE TABLE split_input (name text PRIMARY KEY, pool numeric, weights numeric[], uppers numeric[]);
INSERT INTO split_input SELECT 'chain', (c).* FROM (SELECT capped_chain(1200) AS c) s;
INSERT INTO split_input SELECT 'wide', (w).* FROM (SELECT wide_split(50000, 2000) AS w) s;
SQL

failed=0

# cancel_after_a_second NAME SQL
cancel_after_a_second() {
	local name="$1" sql="$2" start pid cancelled state waited rc
	start=$(now)
	PGAPPNAME="$app" "$PG_BIN/psql" -X -q -d "$db" -c "$sql" >/dev/null 2>"$work/err" &
	client=$!
	while kill -0 "$client" 2>/dev/null && ! at_most 1.0 "$(seconds_since "$start")"; do
		sleep 0.05
	done
	pid=$(psql_q -d "$db" -At -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$app' AND state = 'active'")
	if [ -z "$pid" ]; then
		rc=0
		wait "$client" || rc=$?
		client=""
		if [ "$rc" -ne 0 ]; then
			echo "FAIL: $name: failed before the cancel: $(head -c 300 "$work/err")"
			failed=$((failed + 1))
		else
			echo "ok: $name: finished in $(seconds_since "$start") s, before the cancel"
		fi
		return 0
	fi
	cancelled=$(now)
	psql_q -d "$db" -At -c "SELECT pg_cancel_backend($pid)" >/dev/null
	state=active
	while [ "$state" = active ] && at_most "$(seconds_since "$cancelled")" 5.0; do
		state=$(psql_q -d "$db" -At -c "SELECT coalesce((SELECT state FROM pg_stat_activity WHERE pid = $pid), 'gone')")
		[ "$state" = active ] && sleep 0.02
	done
	waited=$(seconds_since "$cancelled")
	if [ "$state" = active ] || ! at_most "$waited" "$deadline"; then
		echo "FAIL: $name: backend $pid still running ${waited} s after the cancel (limit ${deadline} s)"
		failed=$((failed + 1))
		# not cancellable: wait for it (0.5.0 ignored terminate too)
		psql_q -d "$db" -At -c "SELECT pg_terminate_backend($pid)" >/dev/null || true
		wait "$client" 2>/dev/null || true
		client=""
		return 0
	fi
	rc=0
	wait "$client" || rc=$?
	client=""
	if [ "$rc" -eq 0 ] || ! grep -q 'canceling statement due to user request' "$work/err"; then
		echo "FAIL: $name: ended without the cancel's error (psql exit $rc): $(head -c 300 "$work/err")"
		failed=$((failed + 1))
		return 0
	fi
	echo "ok: $name: cancelled after $(awk -v a="$start" -v b="$cancelled" 'BEGIN { printf "%.2f", b - a }') s; stopped ${waited} s after the cancel"
}

state_of() { echo "(SELECT state FROM state_input WHERE name = '$1')"; }

cancel_after_a_second "user_resource_state_pairs, 400 periods up to 1,000,000" \
	"SELECT count(*) FROM wwva.user_resource_state_pairs($(state_of 'far periods'))"
cancel_after_a_second "user_resource_state_pairs, 20 MB" \
	"SELECT count(*) FROM wwva.user_resource_state_pairs($(state_of lifetime))"
cancel_after_a_second "user_resource_state_counts, 64 MEs at period 1,000,000" \
	"SELECT wwva.user_resource_state_counts($(state_of 'far MEs'))"
cancel_after_a_second "user_resource_state_counts, 20 MB, K = 1000" \
	"SELECT wwva.user_resource_state_counts($(state_of lifetime))"
cancel_after_a_second "user_resource_state(bytea), 64 MEs at period 1,000,000" \
	"SELECT length(wwva.user_resource_state(state)) FROM state_input WHERE name = 'far MEs'"
cancel_after_a_second "user_resource_state(bytea) of 2 x 20 MB, then counts" \
	"SELECT wwva.user_resource_state_counts(wwva.user_resource_state(state)) FROM state_input, generate_series(1, 2) WHERE name = 'lifetime'"
cancel_after_a_second "allocate, 1200 members, one capped per round" \
	"SELECT wwva.allocate(pool, weights, NULL, uppers, 0) FROM split_input WHERE name = 'chain'"
cancel_after_a_second "allocate, 50,000 members of 2000 digits" \
	"SELECT wwva.allocate(pool, weights, NULL, uppers, 2) FROM split_input WHERE name = 'wide'"
cancel_after_a_second "split, 1200 members, one capped per round" \
	"SELECT wwva.split(i::text, w, NULL, u, pool, 0) FROM split_input, unnest(weights, uppers) WITH ORDINALITY AS m(w, u, i) WHERE name = 'chain'"
cancel_after_a_second "split, 50,000 members of 2000 digits" \
	"SELECT wwva.split(i::text, w, NULL, u, pool, 2) FROM split_input, unnest(weights, uppers) WITH ORDINALITY AS m(w, u, i) WHERE name = 'wide'"

if [ "$failed" -gt 0 ]; then
	echo "$failed calls were not stopped within ${deadline} s of a cancel"
	exit 1
fi
echo "ok: every call stopped within ${deadline} s of its cancel"
