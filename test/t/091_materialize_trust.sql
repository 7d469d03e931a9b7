-- A materialized statement to trust (0.8.0): rows written straight into a
-- partition are captured, the status views own up to lost traces, and a
-- refresh writes only the lines that changed, under no lock that keeps
-- autovacuum out.
BEGIN;
SET client_min_messages = warning;
\ir ../data/two_mes.sql
SELECT plan(34);

\ir ../refresh/stale_lines_function.sql
CREATE FUNCTION pg_temp.writes(t regclass) RETURNS bigint LANGUAGE sql AS $$
    SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables WHERE relid = t
$$;
CREATE FUNCTION pg_temp.posting(tab text, me text, amount numeric) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('INSERT INTO %s (entry_id, me_id, booked_on, stream, kind, amount) '
                   'VALUES (nextval(%L), %L, %L, %L, %L, %s)', tab, 'wwva.ledger_entry_id_seq',
                   me, '2024-01-04', 'hardware', 'revenue', amount);
END
$$;
SELECT wwva.refresh();

-- 1. Rows written straight into the default partitions (finding 10).
SELECT pg_temp.posting('wwva.ledger_default', 'a', 1000000);
SELECT is((SELECT pending_postings FROM wwva.refresh_status), 1::bigint,
          'a posting written straight into wwva.ledger_default is captured');
SELECT ok(NOT (SELECT up_to_date FROM wwva.materialized_staleness WHERE me_id = 'a'),
          'its ME is stale');
SELECT is(wwva.refresh(), 1::bigint, 'the refresh recomputes its pair');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after a posting written into the partition');
UPDATE wwva.ledger_default SET amount = amount + 1 WHERE me_id = 'b' AND entry_id % 7 = 0;
DELETE FROM wwva.ledger_default WHERE me_id = 'a' AND entry_id % 11 = 0;
SELECT ok(wwva.refresh() > 0, 'updates and deletes in the partition are recomputed');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after them');
INSERT INTO wwva.user_event_default (event_id, me_id, user_id, occurred_at, kind)
SELECT nextval(pg_get_serial_sequence('wwva.user_event', 'event_id')), 'b', 5000 + i,
       '2024-02-10 00:00+00', 'transaction'
  FROM generate_series(1, 5) AS i;
SELECT is((SELECT pending_events FROM wwva.refresh_status), 5::bigint,
          'events written straight into wwva.user_event_default are captured');
DELETE FROM wwva.user_event_default WHERE me_id = 'a' AND event_id % 9 = 0;
SELECT ok(wwva.refresh() > 0, 'and recomputed, with the events deleted there');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after writes into the events partition');
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount)
VALUES ('a', '2024-01-05', 'hardware', 'revenue', 1), ('b', '2024-01-05', 'hardware', 'revenue', 2);
SELECT is((SELECT pending_postings FROM wwva.refresh_status), 2::bigint,
          'rows written through the parent are captured once, not again by the partition');
SELECT wwva.refresh();

-- 2. A partition a user adds, at two levels.
INSERT INTO wwva.me (me_id) VALUES ('c');
CREATE TABLE wwva.ledger_c PARTITION OF wwva.ledger (PRIMARY KEY (entry_id)) FOR VALUES IN ('c');
CREATE TABLE wwva.user_event_c PARTITION OF wwva.user_event FOR VALUES IN ('c')
    PARTITION BY HASH (user_id);
CREATE TABLE wwva.user_event_c0 PARTITION OF wwva.user_event_c FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE wwva.user_event_c1 PARTITION OF wwva.user_event_c FOR VALUES WITH (MODULUS 2, REMAINDER 1);
SELECT pg_temp.posting('wwva.ledger_c', 'c', 70);
SELECT is((SELECT rebuild_reason FROM wwva.refresh_status),
          'partitions not captured until now (wwva.ledger_c, wwva.user_event_c, wwva.user_event_c0, wwva.user_event_c1): the next refresh rebuilds everything',
          'refresh_status names the new partitions, whose writes the traces may lack');
SELECT is(wwva.refresh(), 6::bigint, 'the next refresh rebuilds every pair');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal, with the posting written before the triggers');
SELECT ok((SELECT verified FROM wwva.refresh_status), 'then the traces are complete again');
SELECT pg_temp.posting('wwva.ledger_c', 'c', 1000000);
INSERT INTO wwva.user_event_c1 (event_id, me_id, user_id, occurred_at, kind)
SELECT nextval(pg_get_serial_sequence('wwva.user_event', 'event_id')), 'c', u, '2024-02-03 00:00+00', 'transaction'
  FROM generate_series(1, 40) AS u WHERE satisfies_hash_partition('wwva.user_event_c'::regclass, 2, 1, u::bigint);
INSERT INTO wwva.user_event_c (event_id, me_id, user_id, occurred_at, kind)
VALUES (nextval(pg_get_serial_sequence('wwva.user_event', 'event_id')), 'c', 7, '2024-01-03 00:00+00', 'co_creation');
SELECT is((SELECT pending_postings + pending_events FROM wwva.refresh_status),
          1 + (SELECT count(*) FROM wwva.user_event_c),
          'rows written into the new partitions, at either level, are captured');
SELECT is(wwva.refresh(), 2::bigint, 'the refresh recomputes the pairs of ME c only');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after writes into the new partitions');
TRUNCATE wwva.ledger_c;
SELECT ok(wwva.refresh() > 0, 'a TRUNCATE of a partition is recomputed');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after it');
SELECT pg_temp.posting('wwva.ledger_c', 'c', 5);
SELECT wwva.refresh();
ALTER TABLE wwva.ledger DETACH PARTITION wwva.ledger_c;
SELECT pg_temp.posting('wwva.ledger_c', 'c', 3);
SELECT is((SELECT pending_postings FROM wwva.refresh_status), 0::bigint,
          'a detached partition leaves no trace');
SELECT is((SELECT rebuild_reason FROM wwva.refresh_status),
          'partitions detached or dropped since the last refresh: the next refresh rebuilds everything',
          'refresh_status says a partition took its rows out');
SELECT is(wwva.refresh(), 6::bigint, 'the next refresh rebuilds every pair');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal without the detached partition''s rows');

-- 3. Lost traces (finding 11): the status views say so.
DELETE FROM wwva_internal.capture_intact;   -- as a crash, failover or restore does
SELECT is((SELECT (verified, rebuild_reason LIKE 'change traces lost%') FROM wwva.refresh_status),
          (false, true), 'refresh_status: not verified, the traces were lost');
SELECT is((SELECT array_agg((up_to_date, verified, stale_for IS NULL) ORDER BY me_id)::text
             FROM wwva.materialized_staleness),
          '{"(f,f,t)","(f,f,t)","(f,f,t)"}',
          'materialized_staleness: no ME up to date or verified, staleness unknown');

-- 4. Only what changed is written (finding 12).
SELECT pg_temp.writes('wwva.materialized_statement') AS lines_before,
       pg_temp.writes('wwva_internal.materialized_figures') AS figures_before \gset
SELECT is(wwva.refresh(), 6::bigint, 'with the traces lost every pair is rebuilt ...');
SELECT is(pg_temp.writes('wwva.materialized_statement') - :lines_before, 0::bigint,
          '... yet, nothing having changed, no line is written');
SELECT is(pg_temp.writes('wwva_internal.materialized_figures') - :figures_before, 0::bigint,
          'nor any stored figure');
SELECT ok((SELECT verified FROM wwva.refresh_status)
          AND (SELECT bool_and(up_to_date AND verified) FROM wwva.materialized_staleness),
          'after the rebuild the views say verified and up to date');
CREATE TEMP TABLE lines_then AS SELECT * FROM wwva.materialized_statement;
SELECT n_tup_ins AS ins, n_tup_upd AS upd, n_tup_del AS del
  FROM pg_stat_xact_user_tables WHERE relid = 'wwva.materialized_statement'::regclass \gset
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount)
VALUES ('a', '2024-02-12', 'hardware', 'revenue', 10);
SELECT is(wwva.refresh(), 1::bigint, 'a posting: one pair recomputed');
SELECT is((SELECT (n_tup_ins - :ins, n_tup_del - :del, n_tup_upd - :upd)::text
             FROM pg_stat_xact_user_tables WHERE relid = 'wwva.materialized_statement'::regclass),
          (SELECT (0, 0, count(*))::text
             FROM wwva.materialized_statement s JOIN lines_then t USING (me_id, period_id, line_no)
            WHERE s.actual IS DISTINCT FROM t.actual OR s.variance IS DISTINCT FROM t.variance
               OR s.achievement IS DISTINCT FROM t.achievement),
          'only the lines whose values changed are written, in place');
SELECT cmp_ok((SELECT count(*) FROM wwva.materialized_statement s JOIN lines_then t USING (me_id, period_id, line_no)
                WHERE s.actual IS DISTINCT FROM t.actual),
              '<', (SELECT count(*) FROM wwva.statement_line),
              'which are fewer than the pair''s lines');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after writing only the changed lines');
SELECT is((SELECT array_agg(DISTINCT l.mode ORDER BY l.mode)
             FROM pg_locks l
            WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation'
              AND l.relation IN ('wwva.materialized_statement'::regclass,
                                 'wwva_internal.materialized_figures'::regclass)),
          '{AccessShareLock,RowExclusiveLock}'::text[],
          'the refreshes held no lock on the tables they write that keeps autovacuum out');

SELECT * FROM finish();
ROLLBACK;
