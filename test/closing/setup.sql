-- The group the close-concurrency test writes to: two MEs, three months,
-- some rows, and a writer that is told no, not stopped, when a period is
-- closed (pgbench ends a client at its first error).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS wwva;
INSERT INTO wwva.me (me_id, timezone, active_min_transactions) VALUES ('a', 'Asia/Shanghai', 1), ('b', 'UTC', 2);
INSERT INTO wwva.period VALUES ('2024-01', '2024-01-01', '2024-02-01'), ('2024-02', '2024-02-01', '2024-03-01'),
                               ('2024-03', '2024-03-01', '2024-04-01');
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount)
SELECT (ARRAY['a', 'b'])[1 + i % 2], DATE '2024-01-01' + i % 90, 'hardware',
       (ARRAY['revenue', 'cost'])[1 + i / 2 % 2], CASE WHEN i / 2 % 2 = 1 THEN 'variable' END, i % 500 + 0.5
  FROM generate_series(1, 2000) AS i;
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT (ARRAY['a', 'b'])[1 + i % 2], i % 300, TIMESTAMPTZ '2024-01-01 00:00+00' + i * interval '13 minutes',
       (ARRAY['interaction', 'transaction', 'co_creation'])[1 + i % 3]
  FROM generate_series(1, 9000) AS i;

-- true when written, false when a closed period refused it (SQLSTATE 55000)
CREATE FUNCTION public.try(statement text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN true;
EXCEPTION WHEN object_not_in_prerequisite_state THEN
    RETURN false;
END $$;

-- the lines of wwva.statement of a closed ME-period that its latest
-- publication lacks, or the other way round
CREATE FUNCTION public.unpublished(me text, period text) RETURNS bigint LANGUAGE sql AS $$
WITH live AS (
    SELECT line_no, actual, target FROM wwva.statement WHERE me_id = me AND period_id = period
), published AS (
    SELECT line_no, actual, target FROM wwva.published_statement p
     WHERE p.me_id = me AND p.period_id = period
       AND p.version = (SELECT max(version) FROM wwva.published_statement q
                         WHERE q.me_id = me AND q.period_id = period)
)
SELECT (SELECT count(*) FROM (SELECT * FROM live EXCEPT ALL SELECT * FROM published) x)
     + (SELECT count(*) FROM (SELECT * FROM published EXCEPT ALL SELECT * FROM live) y)
$$;
ANALYZE;
