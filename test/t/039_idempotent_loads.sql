-- A loader re-sends a batch without duplicating it: a posting or event that
-- carries the loader's own reference (source_ref) is stored once per ME,
-- with INSERT ... ON CONFLICT DO NOTHING through the parent, in the default
-- partitions and in partitions added later (the partition guard gives them
-- the unique index); COPY goes through a staging table.  Rows without a
-- reference are never taken for duplicates, and a row skipped as a
-- duplicate leaves no change trace.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET client_min_messages = warning;
\ir ../data/two_mes.sql
SELECT plan(10);

CREATE TEMP TABLE batch (me_id text, booked_on date, amount numeric, source_ref text);
INSERT INTO batch VALUES ('a', '2024-01-10', 100, 'erp-2024-01.csv:1'), ('a', '2024-01-11', 200, 'erp-2024-01.csv:2'),
                         ('b', '2024-01-12', 300, 'erp-2024-01.csv:3'), ('b', '2024-01-12', 5, NULL);
CREATE FUNCTION pg_temp.send_batch() RETURNS bigint LANGUAGE sql AS $$
    WITH sent AS (
        INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount, source_ref)
        SELECT me_id, booked_on, 'hardware', 'revenue', amount, source_ref FROM batch
        ON CONFLICT DO NOTHING
        RETURNING 1)
    SELECT count(*) FROM sent
$$;
SELECT is(pg_temp.send_batch(), 4::bigint, 'a batch of four postings is stored');
DELETE FROM wwva_internal.pending_posting;
SELECT is(pg_temp.send_batch(), 1::bigint, 'sent again, only the posting without a reference is stored again');
SELECT is((SELECT count(*) FROM wwva_internal.pending_posting), 1::bigint,
          'the postings skipped as duplicates left no change trace');
SELECT is((SELECT count(*) FROM wwva.ledger WHERE source_ref LIKE 'erp-2024-01.csv:%'), 3::bigint,
          'each referenced posting is there once');

SELECT lives_ok($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount, source_ref)
                  VALUES ('b', '2024-01-13', 'hardware', 'revenue', 7, 'erp-2024-01.csv:1')$$,
                'a reference is unique per ME: another ME may use the same one');

-- a partition added for a new ME, and one attached
INSERT INTO wwva.me (me_id) VALUES ('c');
CREATE TABLE wwva.ledger_c PARTITION OF wwva.ledger FOR VALUES IN ('c');
SELECT ok(EXISTS (SELECT FROM pg_index WHERE indrelid = 'wwva.ledger_c'::regclass AND indisunique),
          'a partition created for an ME gets the unique index on (me_id, source_ref)');
CREATE TABLE wwva.user_event_c (LIKE wwva.user_event INCLUDING ALL);
ALTER TABLE wwva.user_event ATTACH PARTITION wwva.user_event_c FOR VALUES IN ('c');
SELECT ok(EXISTS (SELECT FROM pg_index WHERE indrelid = 'wwva.user_event_c'::regclass AND indisunique
                     AND indkey::text = (SELECT string_agg(attnum::text, ' ' ORDER BY attnum) FROM pg_attribute
                                          WHERE attrelid = 'wwva.user_event_c'::regclass AND attname IN ('me_id', 'source_ref'))),
          'so does a table attached as a partition');
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount, source_ref)
VALUES ('c', '2024-02-01', 'ecosystem', 'revenue', 1, 'crm:9') ON CONFLICT DO NOTHING;
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount, source_ref)
VALUES ('c', '2024-02-01', 'ecosystem', 'revenue', 1, 'crm:9') ON CONFLICT DO NOTHING;
SELECT is((SELECT count(*) FROM wwva.ledger_c WHERE source_ref = 'crm:9'), 1::bigint,
          'a re-sent posting of an ME with a partition of its own is stored once');

-- COPY cannot skip duplicates itself: load a staging table, then insert
CREATE TEMP TABLE staging (me_id text, user_id bigint, occurred_at timestamptz, kind text, source_ref text);
INSERT INTO staging (me_id, user_id, occurred_at, kind, source_ref)
VALUES ('b', 1, '2024-01-05 10:00+00', 'transaction', 'app-events:77'), ('c', 2, '2024-01-05 11:00+00', 'interaction', 'app-events:78');
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind, source_ref)
SELECT me_id, user_id, occurred_at, kind, source_ref FROM staging ON CONFLICT DO NOTHING;
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind, source_ref)
SELECT me_id, user_id, occurred_at, kind, source_ref FROM staging ON CONFLICT DO NOTHING;
SELECT is((SELECT count(*) FROM wwva.user_event WHERE source_ref LIKE 'app-events:%'), 2::bigint,
          'user events loaded twice through a staging table are stored once');
SELECT throws_ok($$INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind, source_ref)
                   VALUES ('b', 1, '2024-01-05 10:00+00', 'transaction', 'app-events:77')$$,
                 '23505', NULL, 'without ON CONFLICT DO NOTHING a duplicate is refused');

SELECT * FROM finish();
ROLLBACK;
