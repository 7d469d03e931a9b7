-- Forced parallel plans give exactly the serial results, and the plans
-- show the C aggregates running as partial aggregates in the workers.
DROP EXTENSION wwva CASCADE;
CREATE EXTENSION wwva;   -- each test starts from empty ledgers
SET datestyle = ISO;
SET timezone = 'UTC';

INSERT INTO wwva.me (me_id, timezone, active_min_transactions, lifetime_periods)
SELECT 'me' || i, (ARRAY['UTC', 'Asia/Shanghai', 'Europe/Berlin'])[1 + i % 3], 1 + i % 2, 2 + i % 2
  FROM generate_series(1, 6) AS i;
INSERT INTO wwva.period
SELECT to_char(d, 'YYYY-MM'), d, (d + interval '1 month')::date
  FROM generate_series('2017-01-01'::date, '2017-12-01', interval '1 month') AS d;
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'me' || (1 + i % 6),
       (i::bigint * 7919) % 2001,
       '2017-01-01 00:00+00'::timestamptz + ((i::bigint * 104729) % 31536000) * interval '1 second',
       (ARRAY['interaction', 'transaction', 'transaction', 'customization', 'co_creation'])[1 + i % 5]
  FROM generate_series(1, 240000) AS i;
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount)
SELECT 'me' || (1 + i % 6),
       '2017-01-01'::date + (i * 37) % 365,
       (ARRAY['hardware', 'ecosystem'])[1 + i % 2],
       (ARRAY['revenue', 'cost', 'cost'])[1 + i % 3],
       CASE WHEN i % 3 = 0 THEN NULL WHEN i % 3 = 1 THEN 'variable' ELSE 'fixed' END,
       round(((i * 7877) % 100000) / 100.0, 2)
  FROM generate_series(1, 20000) AS i;
ANALYZE wwva.user_event, wwva.ledger;

SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_statement AS SELECT * FROM wwva.statement;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;   -- every row goes through a worker
CREATE TEMP TABLE parallel_statement AS SELECT * FROM wwva.statement;

SELECT count(*) AS lines,
       sum(actual) FILTER (WHERE item = 'active_users') AS active_users,
       sum(actual) FILTER (WHERE item = 'lifetime_users') AS lifetime_users,
       sum(actual) FILTER (WHERE item = 'total_revenue') AS total_revenue,
       count(actual) FILTER (WHERE item = 'total_marginal_income') AS marginal_income_lines
  FROM parallel_statement;
-- identical, line for line, with NULLs compared as equal
SELECT count(*) AS differing_lines
  FROM (SELECT * FROM serial_statement EXCEPT ALL SELECT * FROM parallel_statement) d;
SELECT count(*) AS differing_lines
  FROM (SELECT * FROM parallel_statement EXCEPT ALL SELECT * FROM serial_statement) d;

-- The plan: both aggregates run partially in workers and are combined.
CREATE FUNCTION plan_lines(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF, VERBOSE) ' || query LOOP
        RETURN NEXT line;
    END LOOP;
END $$;
SELECT count(*) FILTER (WHERE l ~ 'Partial (Hash|Group)?Aggregate') AS partial_aggregates,
       count(*) FILTER (WHERE l ~ 'Gather') > 0 AS gathered,
       count(*) FILTER (WHERE l ~ 'wwva\.ledger_totals_by_period\(') > 0 AS uses_ledger_totals,
       count(*) FILTER (WHERE l ~ 'wwva\.user_resource_counts_by_period\(') > 0 AS uses_user_resource_counts,
       count(*) FILTER (WHERE l ~ 'Parallel Seq Scan on wwva\.(ledger|user_event)_default') AS parallel_scans
  FROM plan_lines('SELECT * FROM wwva.statement') AS l;

-- The section views use the same aggregates.
SELECT v, bool_or(l ~ 'wwva\.(ledger_totals|user_resource_counts)_by_period\(') AS uses_c_aggregate
  FROM unnest(ARRAY['user_resources', 'value_added_sharing', 'revenues', 'costs', 'marginal_income']) AS v,
       LATERAL plan_lines('SELECT * FROM wwva.' || v) AS l
 GROUP BY v ORDER BY v;
