#!/usr/bin/env bash
# Issue 15, findings 1 and 9.  A row whose ME is not in wwva.me — left by
# TRUNCATE, by inserts with session_replication_role = replica, or by a
# data-only restore with --disable-triggers — is listed by wwva.unassigned
# as 'no such ME' and breaks no view and no refresh for the other MEs;
# TRUNCATE wwva.me CASCADE empties both ledgers.  A parallel
# pg_restore (-j 2, -j 4) into a fresh database restores every posting
# and event and gives the source's statement.
set -euo pipefail
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
src=wwva_orphan_src
dst=wwva_orphan_dst
work=$(mktemp -d)
trap 'rm -rf "$work"; "$PG_BIN/dropdb" --if-exists "$src"; "$PG_BIN/dropdb" --if-exists "$dst"' EXIT

psql_q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# Every view that reads the ledgers, and the refresh, work for ME "a";
# prints the statement of "a", how many of its lines the materialized
# statement gets wrong, and what wwva.unassigned lists.
views_work() {
    psql_q -At -d "$1" <<'SQL'
SET client_min_messages = warning;
SELECT 'refresh ' || wwva.refresh();
SELECT 'figures ' || count(*) FROM wwva.figures;
SELECT 'user_resources ' || count(*) FROM wwva.user_resources;
SELECT 'value_added_sharing ' || count(*) FROM wwva.value_added_sharing;
SELECT 'revenues ' || count(*) FROM wwva.revenues;
SELECT 'costs ' || count(*) FROM wwva.costs;
SELECT 'marginal_income ' || count(*) FROM wwva.marginal_income;
SELECT 'statement ' || md5(string_agg(s::text, '|' ORDER BY s::text))
  FROM wwva.statement s WHERE me_id = 'a';
SELECT 'materialized differs in ' || count(*) FROM (
    (SELECT me_id, period_id, line, item, unit, actual, target FROM wwva.statement WHERE me_id = 'a'
     EXCEPT ALL
     SELECT me_id, period_id, line, item, unit, actual, target FROM wwva.materialized_statement WHERE me_id = 'a')
    UNION ALL
    (SELECT me_id, period_id, line, item, unit, actual, target FROM wwva.materialized_statement WHERE me_id = 'a'
     EXCEPT ALL
     SELECT me_id, period_id, line, item, unit, actual, target FROM wwva.statement WHERE me_id = 'a')) d;
SELECT 'unassigned ' || source || ' ' || me_id || ' ' || reason
  FROM wwva.unassigned ORDER BY source, row_id;
SQL
}

load() {
    psql_q -d "$1" <<'SQL'
CREATE EXTENSION wwva;
INSERT INTO wwva.me (me_id) VALUES ('a'), ('b');
INSERT INTO wwva.period VALUES ('2017', '2017-01-01', '2018-01-01');
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount)
SELECT me, '2017-03-01', 'hardware', k, CASE WHEN k = 'cost' THEN 'fixed' END, 10
  FROM unnest(ARRAY['a', 'b']) me, unnest(ARRAY['revenue', 'cost', 'revenue']) k;
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT me, 1, '2017-03-01', 'transaction' FROM unnest(ARRAY['a', 'b']) me;
SQL
}

# --- finding 1: TRUNCATE -------------------------------------------------
"$PG_BIN/dropdb" --if-exists "$src"
"$PG_BIN/createdb" "$src"
load "$src"
views_work "$src" | grep -v '^unassigned' > "$work/clean.txt"
for truncate in 'TRUNCATE wwva.me CASCADE' 'TRUNCATE wwva.user_event, wwva.me CASCADE'; do
    out=$(psql_q -At -d "$src" 2>&1 <<SQL
BEGIN;
$truncate;
SELECT 'left ' || (SELECT count(*) FROM wwva.ledger) || ' ' || (SELECT count(*) FROM wwva.user_event);
ROLLBACK;
SQL
)
    grep -qx 'left 0 0' <<<"$out" || fail "$truncate left rows without their ME: $out"
    grep -q 'NOTICE:  truncate cascades to table "ledger"' <<<"$out" || fail "no notice of the cascade: $out"
done
echo "ok: TRUNCATE wwva.me CASCADE empties both ledgers"
# Rows on a shard are out of its reach: refused, naming the partition.
if out=$(psql_q -d "$src" 2>&1 <<'SQL'
BEGIN;
CREATE EXTENSION postgres_fdw;
CREATE SERVER far FOREIGN DATA WRAPPER postgres_fdw;
CREATE FOREIGN TABLE wwva.ledger_far PARTITION OF wwva.ledger FOR VALUES IN ('far') SERVER far;
TRUNCATE wwva.me CASCADE;
SQL
); then
    fail "TRUNCATE wwva.me CASCADE with a foreign partition succeeded"
fi
grep -q 'ERROR:  cannot truncate wwva.me: the rows of foreign partition wwva.ledger_far would be left without their ME' <<<"$out" ||
    fail "unexpected error: $out"
echo "ok: TRUNCATE wwva.me is refused while a foreign partition holds ledger rows"

# --- finding 1: rows of an ME that is not in wwva.me ---------------------
# b leaves wwva.me under its rows, and ghost's rows arrive, both with
# triggers off (replica apply), in both ledgers.
psql_q -d "$src" <<'SQL'
SET session_replication_role = replica;
DELETE FROM wwva.me WHERE me_id = 'b';
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('ghost', '2017-03-01', 'hardware', 'revenue', 5);
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES ('ghost', 1, '2017-03-01', 'transaction');
SQL
views_work "$src" > "$work/orphans.txt"
cat "$work/orphans.txt"
diff -u <(grep -v '^unassigned' "$work/clean.txt" | grep '^statement\|^materialized') \
        <(grep '^statement\|^materialized' "$work/orphans.txt") ||
    fail "the statement of ME a changed when other rows lost their ME"
[ "$(grep -c '^unassigned ledger \(b\|ghost\) no such ME$' "$work/orphans.txt")" = 4 ] ||
    fail "wwva.unassigned does not list the 4 postings without an ME"
[ "$(grep -c '^unassigned user_event \(b\|ghost\) no such ME$' "$work/orphans.txt")" = 2 ] ||
    fail "wwva.unassigned does not list the 2 events without an ME"
echo "ok: rows without an ME are listed as 'no such ME' and every view and the refresh work"

# --- finding 1: a data-only restore with --disable-triggers ---------------
"$PG_BIN/pg_dump" -Fc -f "$work/orphans.dump" "$src"
"$PG_BIN/dropdb" --if-exists "$dst"
"$PG_BIN/createdb" "$dst"
psql_q -d "$dst" -c 'CREATE EXTENSION wwva'
"$PG_BIN/pg_restore" --exit-on-error --data-only --disable-triggers -j 4 -d "$dst" "$work/orphans.dump"
views_work "$dst" > "$work/restored.txt"
diff -u <(grep -v '^refresh' "$work/orphans.txt") <(grep -v '^refresh' "$work/restored.txt") ||
    fail "a data-only restore with --disable-triggers gives other results"
echo "ok: a data-only restore with --disable-triggers keeps every view working"

# --- finding 9: pg_restore -j N into a fresh database ---------------------
# One ME, one period, 1,000 postings, one event: the issue's minimal case.
"$PG_BIN/dropdb" --if-exists "$src"
"$PG_BIN/createdb" "$src"
psql_q -d "$src" <<'SQL'
CREATE EXTENSION wwva;
INSERT INTO wwva.me (me_id) VALUES ('a');
-- a unit of one's own (dumped with its table) and an ME that books in it
INSERT INTO wwva.currency (code, minor_unit, name) VALUES ('PTS', 0, 'loyalty points');
INSERT INTO wwva.me (me_id, currency) VALUES ('p', 'PTS');
INSERT INTO wwva.period VALUES ('2017', '2017-01-01', '2018-01-01');
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount)
SELECT 'a', '2017-03-01', 'hardware', 'revenue', i FROM generate_series(1, 1000) i;
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES ('a', 1, '2017-03-01', 'transaction');
SQL
fingerprint() {
    psql_q -At -d "$1" <<'SQL'
SELECT 'ledger', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.ledger t;
SELECT 'user_event', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.user_event t;
SELECT 'statement', md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.statement t;
SELECT 'unassigned', count(*) FROM wwva.unassigned;
SELECT 'currencies', string_agg(format('%s %s %s', c.code, c.minor_unit, c.shipped), ', ' ORDER BY c.code)
  FROM wwva.currency c WHERE NOT c.shipped OR c.code IN (SELECT currency FROM wwva.me);
SQL
}
fingerprint "$src" > "$work/src.txt"
grep -qx 'ledger|1000|.*' "$work/src.txt" || fail "the source has not 1000 postings"
grep -qx 'currencies|PTS 0 f, RMB 2 t' "$work/src.txt" || fail "the source has not its own currency PTS beside RMB"
"$PG_BIN/pg_dump" -Fc -f "$work/dump" "$src"
for jobs in 2 4; do
    "$PG_BIN/dropdb" --if-exists "$dst"
    "$PG_BIN/createdb" "$dst"
    "$PG_BIN/pg_restore" --exit-on-error -j "$jobs" -d "$dst" "$work/dump" ||
        fail "pg_restore -j $jobs failed"
    fingerprint "$dst" > "$work/dst.txt"
    diff -u "$work/src.txt" "$work/dst.txt" || fail "pg_restore -j $jobs lost rows or changed the statement"
    echo "ok: pg_restore -j $jobs restores every posting and event and the same statement"
done

# The three steps the README gives for a database with targets and
# sharing rules, which a parallel restore may load before wwva.me.
psql_q -d "$src" <<'SQL'
INSERT INTO wwva.target VALUES ('a', '2017', 'total_profit', 400000);
INSERT INTO wwva.sharing_rule VALUES ('a', 'team', 'excess_over_target', 0.5, NULL, NULL);
SQL
fingerprint "$src" > "$work/src.txt"
"$PG_BIN/pg_dump" -Fc -f "$work/dump" "$src"
"$PG_BIN/dropdb" --if-exists "$dst"
"$PG_BIN/createdb" "$dst"
"$PG_BIN/pg_restore" --exit-on-error --section=pre-data -d "$dst" "$work/dump"
"$PG_BIN/pg_restore" --exit-on-error -j 4 --data-only --disable-triggers -d "$dst" "$work/dump"
"$PG_BIN/pg_restore" --exit-on-error --section=post-data -d "$dst" "$work/dump"
fingerprint "$dst" > "$work/dst.txt"
diff -u "$work/src.txt" "$work/dst.txt" || fail "the three-step parallel restore lost rows or changed the statement"
[ "$(psql_q -At -d "$dst" -c "SELECT count(*) FROM wwva.target") $(psql_q -At -d "$dst" -c "SELECT count(*) FROM wwva.sharing_rule")" = '1 1' ] ||
    fail "the three-step parallel restore lost the target or the sharing rule"
echo "ok: pre-data, -j 4 --data-only --disable-triggers, post-data restores every row and the same statement"

# A partition a DBA added comes back attached with its rows and both its
# indexes (the partition guard leaves the unique one to the dump); the one
# error pg_restore reports is the documented, harmless one.
psql_q -d "$src" <<'SQL'
INSERT INTO wwva.me (me_id) VALUES ('own');
CREATE TABLE wwva.ledger_own PARTITION OF wwva.ledger FOR VALUES IN ('own');
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount, source_ref)
VALUES ('own', '2017-05-01', 'hardware', 'revenue', 10, 'erp:1');
SQL
fingerprint "$src" > "$work/src.txt"
"$PG_BIN/pg_dump" -Fc -f "$work/dump" "$src"
"$PG_BIN/dropdb" --if-exists "$dst"
"$PG_BIN/createdb" "$dst"
rc=0
"$PG_BIN/pg_restore" -d "$dst" "$work/dump" 2> "$work/restore.err" || rc=$?
errors=$(grep -c '^pg_restore: error:' "$work/restore.err" || true)
[ "$rc" = 1 ] && [ "$errors" = 1 ] && grep -q 'relation "ledger_own_me_id_booked_on_idx" already exists' "$work/restore.err" ||
    { cat "$work/restore.err" >&2; fail "restoring a database with a partition of its own gave other errors than the documented one"; }
fingerprint "$dst" > "$work/dst.txt"
diff -u "$work/src.txt" "$work/dst.txt" || fail "restoring a database with a partition of its own lost rows or changed the statement"
indexes=$(psql_q -At -d "$dst" -c "SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'wwva' AND tablename = 'ledger_own'")
[ "$indexes" = "ledger_own_me_id_booked_on_idx,ledger_own_me_id_source_ref_idx" ] || fail "the restored partition has indexes $indexes"
echo "ok: a partition of its own is restored attached, with its rows and its two indexes; pg_restore's one error is the documented one"
