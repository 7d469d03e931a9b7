#!/usr/bin/env bash
# pg_dump of a database with the extension and data, restored into a fresh
# database, gives the same rows in every user table (ledgers and EMC
# contracts), the same statement and the same EMC shares; the materialized
# statement, not dumped, is whole again after the first refresh.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
src=wwva_dump_src
dst=wwva_dump_dst
work=$(mktemp -d)
trap 'rm -rf "$work"; "$PG_BIN/dropdb" --if-exists "$src"; "$PG_BIN/dropdb" --if-exists "$dst"' EXIT

psql_q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

"$PG_BIN/dropdb" --if-exists "$src"
"$PG_BIN/dropdb" --if-exists "$dst"
"$PG_BIN/createdb" "$src"
psql_q -d "$src" <<'SQL'
CREATE EXTENSION wwva;
INSERT INTO wwva.me (me_id, name, timezone, active_min_transactions, lifetime_periods)
SELECT 'me' || i, 'ME ' || i, (ARRAY['UTC', 'Asia/Shanghai', 'America/Chicago'])[1 + i % 3], 1 + i % 2, 2
  FROM generate_series(1, 5) AS i;
INSERT INTO wwva.period
SELECT to_char(d, 'YYYY-"Q"Q'), d, (d + interval '3 months')::date
  FROM generate_series('2016-01-01'::date, '2017-10-01', interval '3 months') AS d;
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'me' || (1 + i % 5), (i::bigint * 7919) % 1501,
       '2016-01-01 00:00+00'::timestamptz + ((i::bigint * 104729) % 63072000) * interval '1 second',
       (ARRAY['interaction', 'transaction', 'transaction', 'customization', 'co_creation'])[1 + i % 5]
  FROM generate_series(1, 50000) AS i;
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, category, user_id, partner_id, memo)
SELECT 'me' || (1 + i % 5), '2016-01-01'::date + (i * 37) % 730,
       (ARRAY['hardware', 'ecosystem'])[1 + i % 2], (ARRAY['revenue', 'cost', 'cost'])[1 + i % 3],
       CASE WHEN i % 3 = 0 THEN NULL WHEN i % 3 = 1 THEN 'variable' ELSE 'fixed' END,
       round(((i * 7877) % 100000) / 100.0, 2), 'category ' || i % 7,
       NULLIF(i % 11, 0), CASE WHEN i % 13 = 0 THEN 'partner' || i % 4 END, 'memo ' || i
  FROM generate_series(1, 5000) AS i;
INSERT INTO wwva.sharing_rule VALUES
    ('me1', 'users', 'excess_over_target', 0.5, NULL, NULL),
    ('me1', 'investors', 'total_profit', 0.2, 10, 100000),
    ('me2', 'team', 'ecosystem_profit', 0.01, NULL, NULL);
INSERT INTO wwva.target
SELECT me_id, period_id, 'total_profit', 1000 FROM wwva.me, wwva.period;
INSERT INTO wwva.emc VALUES ('kitchen', 'Kitchen EMC', 'me1');
INSERT INTO wwva.emc_member VALUES
    ('kitchen', 'me1', 'me', 2, 0, NULL),
    ('kitchen', 'me2', 'me', 1, 10, NULL),
    ('kitchen', 'partner_a', 'partner', 1, 0, 500);
INSERT INTO wwva.emc_contract (emc_id, period_id, leading_target, pool_floor, pool_cap)
SELECT 'kitchen', period_id, 0, 100, 100000 FROM wwva.period;
INSERT INTO wwva.emc_tier SELECT 'kitchen', period_id, 0, 0.1 FROM wwva.period;
-- closes, a reopen, a second close and a reversal: all come back
SET client_min_messages = warning;
SELECT wwva.close_period('2016-Q1', note => 'Q1 closed');
SELECT wwva.reopen_period('2016-Q1', 'me1', reason => 'late invoice');
SELECT wwva.close_period('2016-Q1', 'me1', note => 'Q1 closed again');
SELECT wwva.reverse_entry((SELECT min(entry_id) FROM wwva.ledger WHERE booked_on >= '2016-04-01'), '2016-05-01', 'booked twice');
-- sequences must continue after a restore, not restart
SELECT setval('wwva.ledger_entry_id_seq', 900000);
SELECT wwva.refresh();
SQL

"$PG_BIN/pg_dump" -Fc -f "$work/dump" "$src"
"$PG_BIN/createdb" "$dst"
"$PG_BIN/pg_restore" --exit-on-error -d "$dst" "$work/dump"

fingerprint() {
    psql_q -At -d "$1" <<'SQL'
SELECT 'me', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.me t;
SELECT 'period', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.period t;
SELECT 'ledger', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.ledger t;
SELECT 'user_event', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.user_event t;
SELECT 'target', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.target t;
SELECT 'sharing_rule', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.sharing_rule t;
SELECT 'emc', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.emc t;
SELECT 'emc_member', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.emc_member t;
SELECT 'emc_contract', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.emc_contract t;
SELECT 'emc_tier', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.emc_tier t;
SELECT 'statement', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.statement t;
SELECT 'emc_shares', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.emc_shares t;
SELECT 'closed_period', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.closed_period t;
SELECT 'published_statement', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.published_statement t;
SELECT 'published_emc_shares', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.published_emc_shares t;
SELECT 'period_close_log', count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM wwva.period_close_log t;
SELECT 'next entry_id', nextval('wwva.ledger_entry_id_seq');
SELECT 'next log_id', nextval('wwva.period_close_log_log_id_seq');
SQL
}
fingerprint "$src" > "$work/src.txt"
fingerprint "$dst" > "$work/dst.txt"
cat "$work/dst.txt"
if ! diff -u "$work/src.txt" "$work/dst.txt"; then
    echo "FAIL: the restored database differs from the dumped one" >&2
    exit 1
fi
# the statement is not trivially empty
grep -q '^statement|960|' "$work/dst.txt" || { echo "FAIL: unexpected statement size" >&2; exit 1; }
grep -q '^emc_shares|32|' "$work/dst.txt" || { echo "FAIL: unexpected emc_shares size" >&2; exit 1; }
grep -q '^published_statement|144|' "$work/dst.txt" || { echo "FAIL: unexpected published_statement size" >&2; exit 1; }
grep -q '^period_close_log|7|' "$work/dst.txt" || { echo "FAIL: unexpected period_close_log size" >&2; exit 1; }
# the restored closes still refuse
refused=$(psql_q -d "$dst" -c "INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('me2', '2016-02-01', 'hardware', 'revenue', 1)" 2>&1 || true)
echo "$refused" | grep -q 'period "2016-Q1" of ME "me2" is closed' || { echo "FAIL: after the restore a closed period takes a posting: $refused" >&2; exit 1; }
# the restored database has no change traces, so its first refresh rebuilds all
psql_q -d "$dst" -At -c "SET client_min_messages = warning" -c "SELECT wwva.refresh()" | grep -qx 40 ||
    { echo "FAIL: the first refresh after the restore did not rebuild all 40 pairs" >&2; exit 1; }
psql_q -d "$dst" -f "$ROOT/test/refresh/stale_lines.sql" 2>/dev/null
echo "ok: dump and restore keep every user row, the closes, publications and log, and the same statement; the restored closes refuse; the first refresh rebuilds the materialized one"
