-- wwva.refresh() keeps wwva.materialized_statement equal to wwva.statement
-- through every kind of change, recomputing only the pairs that changed.
BEGIN;
SET client_min_messages = warning;
\ir ../data/two_mes.sql
SELECT plan(66);

\ir ../refresh/stale_lines_function.sql

-- 1. The first refresh builds everything; a second one has nothing to do.
SELECT is(wwva.refresh(), 4::bigint, 'the first refresh computes every pair: 2 MEs x 2 periods');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'then the materialized statement equals wwva.statement');
SELECT is((SELECT count(*) FROM wwva.materialized_statement), 4 * (SELECT count(*) FROM wwva.statement_line),
          'every catalogue line for each pair');
SELECT is(wwva.refresh(), 0::bigint, 'with nothing changed, a refresh recomputes nothing');
SELECT ok((SELECT bool_and(up_to_date) FROM wwva.materialized_staleness), 'every ME is up to date');

-- 2. Appended events and postings: only their pairs, and the later pairs
--    whose lifetime users look back on them.
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'a', 1000 + i % 7, TIMESTAMPTZ '2024-02-10 08:00+08' + i * interval '1 hour',
       (ARRAY['interaction', 'transaction', 'co_creation'])[1 + i % 3]
  FROM generate_series(1, 30) AS i;
SELECT is((SELECT pending_events FROM wwva.refresh_status), 30::bigint,
          'refresh_status counts the waiting events');
SELECT is((SELECT pending FROM wwva.materialized_staleness WHERE me_id = 'a'), 30::bigint,
          'materialized_staleness counts them against their ME');
SELECT ok(NOT (SELECT up_to_date FROM wwva.materialized_staleness WHERE me_id = 'a')
          AND (SELECT up_to_date FROM wwva.materialized_staleness WHERE me_id = 'b'),
          'the ME with waiting events is stale, the other is not');
SELECT is(wwva.refresh(), 1::bigint, 'events in the last period: one pair recomputed');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after appended events');
SELECT is((SELECT pending_events FROM wwva.refresh_status), 0::bigint, 'the events were consumed');

INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'b', i % 11, TIMESTAMPTZ '2024-01-20 12:00-06' + i * interval '1 hour',
       (ARRAY['transaction', 'co_creation', 'transaction'])[1 + i % 3]
  FROM generate_series(1, 40) AS i;
SELECT is(wwva.refresh(), 2::bigint,
          'events in January: January and February (whose lifetime users look back on it)');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after events in an earlier period');

INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount)
VALUES ('a', '2024-01-15', 'hardware', 'revenue', NULL, 1234.56),
       ('a', '2024-01-16', 'ecosystem', 'cost', 'variable', 78.9);
SELECT is(wwva.refresh(), 1::bigint, 'postings: their pair only');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after appended postings');

-- 3. Updates and deletes.
UPDATE wwva.ledger SET amount = amount * 3, booked_on = booked_on + 20
 WHERE me_id = 'b' AND entry_id % 5 = 0;
SELECT cmp_ok(wwva.refresh(), '>=', 2::bigint, 'updated postings: the pairs they left and joined');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after updated postings');
DELETE FROM wwva.ledger WHERE me_id = 'a' AND entry_id % 3 = 0;
SELECT ok(wwva.refresh() > 0, 'deleted postings are recomputed');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after deleted postings');
DELETE FROM wwva.user_event WHERE me_id = 'b' AND event_id % 4 = 0;
SELECT ok(wwva.refresh() > 0, 'deleted events are recomputed');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after deleted events');
UPDATE wwva.user_event SET occurred_at = occurred_at + interval '25 days', kind = 'transaction'
 WHERE me_id = 'a' AND event_id % 6 = 0;
SELECT ok(wwva.refresh() > 0, 'moved events are recomputed');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after events moved between periods');

-- 4. Targets, sharing rules, ME settings.
INSERT INTO wwva.target VALUES ('a', '2024-02', 'active_users', 5), ('a', '2024-02', 'total_profit', 100);
SELECT is(wwva.refresh(), 1::bigint, 'targets: their pair only');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after new targets (achievement, excess shares)');
SELECT isnt((SELECT achievement FROM wwva.materialized_statement
              WHERE me_id = 'a' AND period_id = '2024-02' AND item = 'active_users'), NULL,
            'the materialized line has the target''s achievement');
UPDATE wwva.sharing_rule SET rate = 0.2 WHERE me_id = 'a';
INSERT INTO wwva.sharing_rule VALUES ('a', 'users', 'excess_over_target', 0.5, NULL, 50);
SELECT is(wwva.refresh(), 2::bigint, 'sharing rules: every period of their ME');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after changed sharing rules');
UPDATE wwva.me SET active_min_transactions = 3 WHERE me_id = 'a';
SELECT is(wwva.refresh(), 2::bigint, 'a new N: every period of the ME');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after a new N');
UPDATE wwva.me SET timezone = 'Pacific/Auckland', lifetime_periods = 1 WHERE me_id = 'b';
SELECT is(pg_temp.stale_lines() > 0, true, 'a new time zone and K change the statement ...');
SELECT is(wwva.refresh(), 2::bigint, '... and every period of the ME is recomputed');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after a new time zone and K');
UPDATE wwva.me SET name = 'renamed only' WHERE me_id = 'b';
SELECT is(wwva.refresh(), 0::bigint, 'a new display name changes no figure: nothing recomputed');

-- 5. Periods and MEs come and go.
INSERT INTO wwva.period VALUES ('2024-03', '2024-03-01', '2024-04-01');
SELECT is(wwva.refresh(), 6::bigint, 'a new period renumbers the calendar: every pair, 2 MEs x 3 periods');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal with the new period (its early-March events now count)');
DELETE FROM wwva.emc_tier WHERE period_id = '2024-01';
DELETE FROM wwva.emc_contract WHERE period_id = '2024-01';
DELETE FROM wwva.target WHERE period_id = '2024-01';
DELETE FROM wwva.period WHERE period_id = '2024-01';
SELECT is(wwva.refresh(), 4::bigint, 'a removed period: every remaining pair');
SELECT is((SELECT count(*) FROM wwva.materialized_statement WHERE period_id = '2024-01'), 0::bigint,
          'no line of the removed period is left');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal without the removed period');
INSERT INTO wwva.me (me_id) VALUES ('c');
SELECT is(wwva.refresh(), 2::bigint, 'a new ME: its pairs');
SELECT is((SELECT count(*) FROM wwva.materialized_statement WHERE me_id = 'c'), 2 * (SELECT count(*) FROM wwva.statement_line),
          'the new ME has all its lines, all zero or NULL');
DELETE FROM wwva.me WHERE me_id = 'c';
SELECT is(wwva.refresh(), 0::bigint, 'a removed ME: nothing to compute ...');
SELECT is((SELECT count(*) FROM wwva.materialized_statement WHERE me_id = 'c'), 0::bigint,
          '... and its lines are gone');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal without the removed ME');

-- 6. Events outside every period, bulk statements, TRUNCATE.
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
VALUES ('a', 1, '2031-06-01 00:00+00', 'transaction');
SELECT is(wwva.refresh(), 0::bigint, 'an event outside every period changes no pair');
SET LOCAL wwva.capture_row_limit = 10;
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'b', i, TIMESTAMPTZ '2024-03-05 00:00+00' + i * interval '1 minute', 'transaction'
  FROM generate_series(1, 50) AS i;
SELECT is((SELECT pending_events FROM wwva.refresh_status), 0::bigint,
          'a statement over wwva.capture_row_limit copies no rows ...');
SELECT is((SELECT count(*) FROM wwva_internal.pending_change WHERE source = 'user_event' AND rebuild), 1::bigint,
          '... it marks its pairs for a rebuild');
RESET wwva.capture_row_limit;
SELECT is(wwva.refresh(), 1::bigint, 'the marked pair is rebuilt');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after a bulk insert');
TRUNCATE wwva.ledger;
SELECT is(wwva.refresh(), 4::bigint, 'TRUNCATE: every pair');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after TRUNCATE');

-- 7. Lost traces and lost rows are repaired.
DELETE FROM wwva_internal.capture_intact;
UPDATE wwva.materialized_statement SET actual = -1 WHERE line = '3a';
SELECT is(wwva.refresh(), 4::bigint, 'with the traces lost (as after a crash), everything is rebuilt');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after the rebuild');
DELETE FROM wwva_internal.materialized_figures WHERE me_id = 'a';
SELECT is(wwva.refresh(), 2::bigint, 'pairs missing from wwva_internal.materialized_figures are rebuilt');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after repairing them');

-- 8. Batches, history.
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount)
VALUES ('a', '2024-02-02', 'hardware', 'revenue', NULL, 1), ('b', '2024-02-02', 'hardware', 'revenue', NULL, 2);
SELECT is(wwva.refresh(batch_size => 1), 2::bigint, 'one ME per batch');
SELECT is((SELECT batches FROM wwva.refresh_run ORDER BY run_id DESC LIMIT 1), 2,
          'wwva.refresh_run records the two batches');
SELECT is((SELECT postings FROM wwva.refresh_run ORDER BY run_id DESC LIMIT 1), 2::bigint,
          'and the two postings consumed');
SELECT is((SELECT last_pairs FROM wwva.refresh_status), 2, 'refresh_status shows the last run');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after a refresh in batches');

-- 9. The stored user states: one per pair, together the state of all events.
SELECT is((SELECT wwva.user_resource_state(f.users ORDER BY f.me_id, f.period_no)
             FROM wwva_internal.materialized_figures f),
          (SELECT wwva.user_resource_state(e.me_id, e.user_id, e.kind, e.occurred_at,
                                           (SELECT wwva.current_calendar()))
             FROM wwva.user_event e),
          'the union of the stored pair states is the state of every event');
SELECT is((SELECT array_agg(c ORDER BY c.me_id, c.period_no)
             FROM wwva_internal.materialized_figures f,
                  unnest(wwva.user_resource_state_counts(f.users)) c
            WHERE f.period_no = 1),
          (SELECT array_agg(ROW(u.*)::wwva.me_user_resource_counts ORDER BY u.me_id, u.period_no)
             FROM wwva_internal.user_figures u WHERE u.period_no = 1),
          'counting a first period''s stored state gives its section 1 counts');

-- 10. Refusals.
SELECT throws_ok('SELECT wwva.refresh(0)', '22023',
                 'wwva.refresh: batch_size must be at least 1, not 0',
                 'batch_size 0 is refused');
SELECT throws_ok('SELECT wwva.refresh(NULL)', '22023',
                 'wwva.refresh: batch_size must be at least 1, not NULL',
                 'batch_size NULL is refused');
CREATE ROLE wwva_rls_analyst;
GRANT USAGE ON SCHEMA wwva TO wwva_rls_analyst;
ALTER TABLE wwva.ledger ENABLE ROW LEVEL SECURITY;
SET LOCAL ROLE wwva_rls_analyst;
SELECT throws_like('SELECT wwva.refresh()',
                   '%row-level security hides ledger rows from it',
                   'a role that row-level security restricts cannot refresh');
RESET ROLE;
SELECT throws_like('SELECT wwva.user_resource_state_counts(''\x0102''::bytea)',
                   '%malformed user resource state%', 'a malformed state is refused');

SELECT * FROM finish();
ROLLBACK;
