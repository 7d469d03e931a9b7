-- Slices that cost what they cover: a query on a statement view filtered
-- by its MEs (me_id = or IN) reads those MEs' rows of the ledgers and no
-- others; filtered by its periods (period_id, calendar; to_date_of,
-- to_date_calendar for statements to date), the rows of those periods and
-- of the K-1 periods before them that lifetime users look back on.  Each
-- gives exactly the rows the unfiltered view gives for it.  What a query
-- reads is taken from EXPLAIN ANALYZE: every scan of a ledger table, the
-- rows it returned and the rows it read and threw away.
--
-- PostgreSQL carries an equality on me_id to the passes over the ledgers
-- by itself; the rest is the planner hook of src/slices.c, active once the
-- library is loaded (session_preload_libraries, or any earlier call).
LOAD 'wwva';
BEGIN;
SET LOCAL client_min_messages = warning;
-- one process, so that every scan's counts are in the plan's own nodes
SET LOCAL max_parallel_workers_per_gather = 0;
SET LOCAL jit = off;
SELECT plan(37);

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

-- What a query did, from EXPLAIN (ANALYZE, FORMAT JSON).
CREATE FUNCTION pg_temp.analyzed_plan(query text) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
    plan jsonb;
BEGIN
    EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || query INTO plan;
    RETURN plan;
END
$$;
-- The rows a query reads from the ledgers: per scan of a ledger table,
-- those it returned and those its filter or recheck threw away.
CREATE FUNCTION pg_temp.ledger_rows_read(query text) RETURNS bigint
LANGUAGE sql AS $$
    SELECT COALESCE(sum(((n ->> 'Actual Rows')::numeric
                         + COALESCE((n ->> 'Rows Removed by Filter')::numeric, 0)
                         + COALESCE((n ->> 'Rows Removed by Index Recheck')::numeric, 0))
                        * (n ->> 'Actual Loops')::numeric), 0)::bigint
      FROM jsonb_path_query(pg_temp.analyzed_plan(query), 'strict $.**') AS n
     WHERE jsonb_typeof(n) = 'object'
       AND n ->> 'Relation Name' ~ '^(ledger|user_event)'
       AND n ->> 'Node Type' <> 'Bitmap Index Scan'
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

-- ---------------------------------------------------------------------------
-- Slices by period
-- ---------------------------------------------------------------------------
-- Every ME counts lifetime users over K = 2 periods: a month's figures
-- need its own days and the month before; the half year's, January to June
-- and nothing before.  A list of periods reads from the first day one needs
-- to the last.  Events are read by instant: from the earliest midnight of
-- the first day over the MEs' time zones to the latest of the day after.
UPDATE wwva.me SET lifetime_periods = 2;
CREATE FUNCTION pg_temp.rows_between(first_day date, day_after date, me_ids text[] DEFAULT NULL) RETURNS bigint
LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM wwva.ledger
             WHERE booked_on >= first_day AND booked_on < day_after
               AND (me_ids IS NULL OR me_id = ANY (me_ids)))
         + (SELECT count(*) FROM wwva.user_event
             WHERE occurred_at >= (SELECT min(first_day::timestamp AT TIME ZONE m.timezone) FROM wwva.me m)
               AND occurred_at < (SELECT max(day_after::timestamp AT TIME ZONE m.timezone) FROM wwva.me m)
               AND (me_ids IS NULL OR me_id = ANY (me_ids)))
$$;
-- a slice is worth having: two months of six
SELECT cmp_ok(pg_temp.rows_between('2024-02-01', '2024-04-01'), '<', pg_temp.rows_between('2024-01-01', '2024-07-01') / 2,
              'two months of six are under half the rows');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.statement WHERE period_id = '2024-03'$$),
          pg_temp.rows_between('2024-02-01', '2024-04-01'),
          'the statement of one month reads the rows of that month and the month before');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.figures WHERE period_id = '2024-03'$$),
          pg_temp.rows_between('2024-02-01', '2024-04-01'), 'so does wwva.figures');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.user_resources WHERE period_id = '2024-03'$$),
          pg_temp.rows_between('2024-02-01', '2024-04-01') - (SELECT count(*) FROM wwva.ledger WHERE booked_on >= '2024-02-01' AND booked_on < '2024-04-01'),
          'wwva.user_resources reads only those events');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.revenues WHERE period_id = '2024-03'$$),
          (SELECT count(*) FROM wwva.ledger WHERE booked_on >= '2024-02-01' AND booked_on < '2024-04-01'),
          'wwva.revenues only those postings');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.marginal_income WHERE period_id IN ('2024-02', '2024-03')$$),
          pg_temp.rows_between('2024-01-01', '2024-04-01'), 'two months: from the month before the first to the end of the last');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.statement WHERE period_id = '2024-03' AND me_id = 'me7'$$),
          pg_temp.rows_between('2024-02-01', '2024-04-01', '{me7}'), 'one ME''s month: only its rows of those months');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.statement WHERE calendar = 'half'$$),
          pg_temp.rows_between('2024-01-01', '2024-07-01'), 'a calendar: the days of its periods');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.statement_to_date WHERE period_id = '2024-03'$$),
          pg_temp.rows_between('2024-01-01', '2024-04-01'), 'the half year to the end of March: January to March');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.statement_to_date WHERE to_date_of = '2024-H1' AND period_id = '2024-02'$$),
          pg_temp.rows_between('2024-01-01', '2024-03-01'), 'by to_date_of too');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.statement WHERE period_id = 'no such period'$$),
          0::bigint, 'no period: no rows read');
SELECT is(pg_temp.ledger_rows_read($$SELECT * FROM wwva.statement WHERE me_id IN ('me7', 'me40')$$),
          pg_temp.rows_of('{me7,me40}'), 'a list of MEs: only their rows');

-- the same rows as the whole views
CREATE TEMPORARY TABLE whole_statement AS SELECT * FROM wwva.statement;
CREATE TEMPORARY TABLE whole_figures AS SELECT * FROM wwva.figures;
CREATE TEMPORARY TABLE whole_to_date AS SELECT * FROM wwva.statement_to_date;
SELECT set_eq($$SELECT * FROM wwva.statement WHERE period_id = '2024-03'$$,
              $$SELECT * FROM whole_statement WHERE period_id = '2024-03'$$,
              'one month''s statement equals its rows of the whole statement');
SELECT set_eq($$SELECT * FROM wwva.figures WHERE period_id IN ('2024-01', '2024-06') AND me_id IN ('me3', 'me40')$$,
              $$SELECT * FROM whole_figures WHERE period_id IN ('2024-01', '2024-06') AND me_id IN ('me3', 'me40')$$,
              'so do two months of two MEs'' figures');
SELECT set_eq($$SELECT * FROM wwva.statement WHERE calendar = 'half'$$,
              $$SELECT * FROM whole_statement WHERE calendar = 'half'$$, 'and a calendar''s');
SELECT set_eq($$SELECT * FROM wwva.statement_to_date WHERE period_id = '2024-03'$$,
              $$SELECT * FROM whole_to_date WHERE period_id = '2024-03'$$, 'and the statements to date at the end of a month');
SELECT set_eq($$SELECT * FROM wwva.statement_to_date WHERE to_date_of = '2024-H1' AND calendar = 'month'$$,
              $$SELECT * FROM whole_to_date WHERE to_date_of = '2024-H1' AND calendar = 'month'$$,
              'and every month to date of the half year');
-- a prepared statement's generic plan carries its parameter to the passes
SET LOCAL plan_cache_mode = force_generic_plan;
PREPARE month_of(text) AS SELECT * FROM wwva.statement WHERE period_id = $1;
SELECT set_eq($$EXECUTE month_of('2024-05')$$, $$SELECT * FROM whole_statement WHERE period_id = '2024-05'$$,
              'a prepared statement with the period as a parameter');
SELECT is(pg_temp.ledger_rows_read($$EXECUTE month_of('2024-05')$$),
          pg_temp.rows_between('2024-04-01', '2024-06-01'), 'reads only what that period needs');
DEALLOCATE month_of;
RESET plan_cache_mode;

-- ---------------------------------------------------------------------------
-- JIT: off for the statement views unless wwva.jit says otherwise
-- ---------------------------------------------------------------------------
CREATE FUNCTION pg_temp.jit_compiled(query text) RETURNS boolean
LANGUAGE sql AS $$ SELECT pg_temp.analyzed_plan(query) -> 0 ? 'JIT' $$;
SET LOCAL jit = on;
SET LOCAL jit_above_cost = 0;
SELECT is(pg_temp.jit_compiled($$SELECT * FROM wwva.revenues WHERE me_id = 'me7'$$), false,
          'a query reading a statement view is not JIT-compiled, whatever jit_above_cost says');
SELECT is(pg_temp.jit_compiled($$SELECT count(*) FROM wwva.ledger WHERE amount > 0$$), pg_jit_available(),
          'other queries are, where JIT is available');
SET LOCAL wwva.jit = on;
SELECT is(pg_temp.jit_compiled($$SELECT * FROM wwva.revenues WHERE me_id = 'me7'$$), pg_jit_available(),
          'with wwva.jit on, PostgreSQL''s jit settings decide');
RESET wwva.jit;
RESET jit_above_cost;
RESET jit;

SELECT * FROM finish();
ROLLBACK;
