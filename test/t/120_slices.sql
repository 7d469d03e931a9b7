-- Slices that cost what they cover: a query on a statement view filtered
-- by me_id = reads that ME's rows of the ledgers and no others, and gives
-- exactly the rows the unfiltered view gives for it.  (A filter me_id IN
-- (...) gives the same rows but reads every ME's: PostgreSQL carries an
-- equality to a constant across the views' joins, not a list.)  What a query reads is
-- taken from EXPLAIN ANALYZE: every scan of a ledger table, the rows it
-- returned and the rows it read and threw away.
BEGIN;
SET LOCAL client_min_messages = warning;
-- one process, so that every scan's counts are in the plan's own nodes
SET LOCAL max_parallel_workers_per_gather = 0;
SET LOCAL jit = off;
SELECT plan(15);

TRUNCATE wwva.user_event, wwva.me CASCADE;
TRUNCATE wwva.period CASCADE;

-- 40 MEs in the default partitions, one with partitions of its own
INSERT INTO wwva.me (me_id, timezone, active_min_transactions)
SELECT 'me' || i, (ARRAY['Asia/Shanghai', 'UTC', 'America/New_York'])[1 + i % 3], 1 + i % 2
  FROM generate_series(1, 40) AS i;
CREATE TABLE wwva.ledger_me40 PARTITION OF wwva.ledger FOR VALUES IN ('me40');
CREATE TABLE wwva.user_event_me40 PARTITION OF wwva.user_event FOR VALUES IN ('me40');
INSERT INTO wwva.period (period_id, starts_on, ends_on, calendar)
SELECT to_char(d, 'YYYY-MM'), d, (d + interval '1 month')::date, 'month'
  FROM generate_series(DATE '2024-01-01', DATE '2024-06-01', interval '1 month') AS d;
INSERT INTO wwva.period (period_id, starts_on, ends_on, calendar)
VALUES ('2024-H1', '2024-01-01', '2024-07-01', 'half');
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'me' || (1 + i % 40), i % 97, TIMESTAMPTZ '2024-01-01 00:00+00' + (i % 4300) * interval '1 hour',
       (ARRAY['interaction', 'transaction', 'transaction', 'co_creation', 'customization'])[1 + i % 5]
  FROM generate_series(1, 60000) AS i;
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount)
SELECT 'me' || (1 + i % 40), DATE '2024-01-01' + i % 180, (ARRAY['hardware', 'ecosystem'])[1 + i / 40 % 2],
       (ARRAY['revenue', 'cost'])[1 + i / 80 % 2], CASE WHEN i / 80 % 2 = 1 THEN 'variable' END,
       (i * 37 % 1000) + 0.25
  FROM generate_series(1, 16000) AS i;
INSERT INTO wwva.sharing_rule VALUES ('me7', 'team', 'total_profit', 0.1, NULL, NULL);
INSERT INTO wwva.target VALUES ('me7', '2024-03', 'total_profit', 1000);
ANALYZE wwva.me, wwva.period, wwva.ledger, wwva.user_event;

-- The rows a query reads from the ledgers: per scan of a ledger table,
-- those it returned and those its filter or recheck threw away.
CREATE FUNCTION pg_temp.ledger_rows_read(query text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    plan jsonb;
BEGIN
    EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || query INTO plan;
    RETURN (SELECT COALESCE(sum(((n ->> 'Actual Rows')::numeric
                                 + COALESCE((n ->> 'Rows Removed by Filter')::numeric, 0)
                                 + COALESCE((n ->> 'Rows Removed by Index Recheck')::numeric, 0))
                                * (n ->> 'Actual Loops')::numeric), 0)::bigint
              FROM jsonb_path_query(plan, 'strict $.**') AS n
             WHERE jsonb_typeof(n) = 'object'
               AND n ->> 'Relation Name' ~ '^(ledger|user_event)'
               AND n ->> 'Node Type' <> 'Bitmap Index Scan');
END
$$;
CREATE FUNCTION pg_temp.rows_of(me_ids text[]) RETURNS bigint
LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM wwva.ledger WHERE me_id = ANY (me_ids))
         + (SELECT count(*) FROM wwva.user_event WHERE me_id = ANY (me_ids))
$$;

SELECT is(pg_temp.ledger_rows_read('SELECT * FROM wwva.statement'),
          (SELECT count(*) FROM wwva.ledger) + (SELECT count(*) FROM wwva.user_event),
          'the whole statement reads each ledger row once');

-- one ME of the default partitions: through the (me_id, ...) indexes
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.statement WHERE me_id = 'me7'$$),
          pg_temp.rows_of('{me7}'), 'the statement of one ME reads only its rows');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.figures WHERE me_id = 'me7'$$),
          pg_temp.rows_of('{me7}'), 'so does wwva.figures');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.user_resources WHERE me_id = 'me7'$$),
          (SELECT count(*) FROM wwva.user_event WHERE me_id = 'me7'), 'wwva.user_resources reads only its events');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.value_added_sharing WHERE me_id = 'me7'$$),
          (SELECT count(*) FROM wwva.ledger WHERE me_id = 'me7'), 'wwva.value_added_sharing only its postings');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.revenues WHERE me_id = 'me7'$$),
          (SELECT count(*) FROM wwva.ledger WHERE me_id = 'me7'), 'wwva.revenues only its postings');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.costs WHERE me_id = 'me7'$$),
          pg_temp.rows_of('{me7}'), 'wwva.costs only its rows (marginal costs need its active users)');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.marginal_income WHERE me_id = 'me7'$$),
          pg_temp.rows_of('{me7}'), 'wwva.marginal_income only its rows');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.statement_to_date WHERE me_id = 'me7'$$),
          pg_temp.rows_of('{me7}'), 'wwva.statement_to_date only its rows');
-- an ME with partitions of its own: pruned to them
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.statement WHERE me_id = 'me40'$$),
          pg_temp.rows_of('{me40}'), 'an ME with partitions of its own: only those');

-- the same rows as the whole views give (computed whole: a materialized
-- CTE keeps the filter out)
SELECT set_eq($$SELECT * FROM wwva.statement WHERE me_id = 'me7'$$,
              $$WITH whole AS MATERIALIZED (SELECT * FROM wwva.statement) SELECT * FROM whole WHERE me_id = 'me7'$$,
              'one ME''s statement equals its rows of the whole statement');
SELECT set_eq($$SELECT * FROM wwva.statement WHERE me_id IN ('me7', 'me40')$$,
              $$WITH whole AS MATERIALIZED (SELECT * FROM wwva.statement) SELECT * FROM whole WHERE me_id IN ('me7', 'me40')$$,
              'so do two MEs'' statements');
SELECT set_eq($$SELECT * FROM wwva.figures WHERE me_id = 'me7'$$,
              $$WITH whole AS MATERIALIZED (SELECT * FROM wwva.figures) SELECT * FROM whole WHERE me_id = 'me7'$$,
              'and one ME''s figures');
SELECT set_eq($$SELECT * FROM wwva.statement_to_date WHERE me_id = 'me7'$$,
              $$WITH whole AS MATERIALIZED (SELECT * FROM wwva.statement_to_date) SELECT * FROM whole WHERE me_id = 'me7'$$,
              'and one ME''s statements to date');
SELECT ok((SELECT count(*) FROM wwva.statement WHERE me_id = 'me7' AND target IS NOT NULL AND actual <> 0) = 1
          AND (SELECT count(*) FROM wwva.statement WHERE me_id = 'me7' AND item = 'team_share' AND actual <> 0) > 0,
          'with its target and its sharing rule');

SELECT * FROM finish();
ROLLBACK;
