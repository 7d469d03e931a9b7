-- Side by side, in one run: bare parallel scans, the plain-SQL peer, and
-- the extension's statement and section views.  Each figure is the best of
-- :runs runs.  Every column of every row is computed (count(row::text)).
\set ON_ERROR_STOP 1
\if :{?runs}
\else
\set runs 3
\endif
\i test/bench/peer.sql

CREATE OR REPLACE FUNCTION pg_temp.best_ms(query text, runs integer) RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
    best numeric;
    started timestamptz;
    n bigint;
BEGIN
    FOR i IN 1..runs LOOP
        started := clock_timestamp();
        EXECUTE query INTO n;
        best := least(best, extract(epoch FROM clock_timestamp() - started) * 1000);
    END LOOP;
    RETURN round(best, 1);
END $$;

-- (per-user lines compared at wwva's scale: 6 decimals where a quotient does
-- not terminate, README "Scales")
\echo 'checking that the statement equals the plain-SQL peer on every line both compute ...'
CREATE TEMP TABLE ours AS SELECT * FROM wwva.figures;
CREATE TEMP TABLE theirs AS SELECT * FROM bench_peer;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE o.interactive_users = t.interactive_users
                          AND o.active_users = t.active_users
                          AND o.user_makers = t.user_makers
                          AND o.hardware_revenue = t.hardware_revenue
                          AND o.ecosystem_revenue = t.ecosystem_revenue
                          AND o.hardware_cost = t.hardware_cost
                          AND o.hardware_variable_cost = t.hardware_variable_cost
                          AND o.ecosystem_cost = t.ecosystem_cost
                          AND o.ecosystem_variable_cost = t.ecosystem_variable_cost
                          AND o.hardware_profit = t.hardware_profit
                          AND o.ecosystem_profit = t.ecosystem_profit
                          AND round(o.hardware_marginal_cost, 6) IS NOT DISTINCT FROM round(t.hardware_marginal_cost, 6)
                          AND round(o.ecosystem_marginal_cost, 6) IS NOT DISTINCT FROM round(t.ecosystem_marginal_cost, 6)
                          AND round(o.hardware_marginal_income, 6) IS NOT DISTINCT FROM round(t.hardware_marginal_income, 6)
                          AND round(o.ecosystem_marginal_income, 6) IS NOT DISTINCT FROM round(t.ecosystem_marginal_income, 6)) AS identical
  FROM ours o JOIN theirs t USING (me_id, period_id) \gset
SELECT :pairs = :identical AND :pairs > 0 AS peer_matches \gset
\if :peer_matches
\echo 'identical on all' :pairs '(ME, period) pairs'
\else
\echo 'MISMATCH: only' :identical 'of' :pairs 'pairs identical'
\quit 3
\endif

\echo 'timing (best of' :runs 'runs) ...'
CREATE TEMP TABLE timing AS
SELECT 'bare: count(*) user_event' AS what, pg_temp.best_ms('SELECT count(*) FROM wwva.user_event', :runs) AS ms
UNION ALL SELECT 'bare: count(*) ledger', pg_temp.best_ms('SELECT count(*) FROM wwva.ledger', :runs)
-- what merely reading the columns the statement needs costs, row by row
-- (num_nulls: the planner cannot prove a NOT NULL column's test false and
-- skip the scan, as it does for col IS NULL)
UNION ALL SELECT 'floor: read the 4 columns of user_event', pg_temp.best_ms('SELECT count(*) FROM wwva.user_event WHERE num_nulls(me_id, user_id, kind, occurred_at) > 4', :runs)
UNION ALL SELECT 'floor: read the 6 columns of ledger', pg_temp.best_ms('SELECT count(*) FROM wwva.ledger WHERE num_nulls(me_id, booked_on, stream, kind, behavior, amount) > 6', :runs)
UNION ALL SELECT 'peer: plain SQL statement lines', pg_temp.best_ms('SELECT count(p::text) FROM bench_peer p', :runs)
UNION ALL SELECT 'wwva.statement', pg_temp.best_ms('SELECT count(s::text) FROM wwva.statement s', :runs)
UNION ALL SELECT 'wwva.user_resources', pg_temp.best_ms('SELECT count(s::text) FROM wwva.user_resources s', :runs)
UNION ALL SELECT 'wwva.value_added_sharing', pg_temp.best_ms('SELECT count(s::text) FROM wwva.value_added_sharing s', :runs)
UNION ALL SELECT 'wwva.revenues', pg_temp.best_ms('SELECT count(s::text) FROM wwva.revenues s', :runs)
UNION ALL SELECT 'wwva.costs', pg_temp.best_ms('SELECT count(s::text) FROM wwva.costs s', :runs)
UNION ALL SELECT 'wwva.marginal_income', pg_temp.best_ms('SELECT count(s::text) FROM wwva.marginal_income s', :runs);

-- Issue 16's figures: the peer by month, and slices beside reading the
-- rows they cover (one ME of its rows through its index, one month of its
-- rows).  The year to date follows at the end, with a calendar added.
SELECT min(me_id) AS one_me FROM wwva.me \gset
SELECT period_id AS one_period, starts_on AS one_from, ends_on AS one_to FROM wwva.period_calendar WHERE period_no = 6 \gset
-- a period's figures read its rows and those of the K-1 periods before it
-- (lifetime users): the rows the one-period slice is set beside
SELECT c.starts_on AS one_reach FROM wwva.period_calendar c
 WHERE c.period_no = 6 - (SELECT max(m.lifetime_periods) - 1 FROM wwva.me m) \gset
CREATE TEMP TABLE slice_queries AS
SELECT 'slice: wwva.statement of one ME' AS what, format('SELECT count(s::text) FROM wwva.statement s WHERE me_id = %L', :'one_me') AS query
UNION ALL SELECT 'rows: one ME''s rows', format('SELECT (SELECT count(e::text) FROM wwva.user_event e WHERE me_id = %1$L) + (SELECT count(l::text) FROM wwva.ledger l WHERE me_id = %1$L)', :'one_me')
UNION ALL SELECT 'slice: wwva.statement of one period', format('SELECT count(s::text) FROM wwva.statement s WHERE period_id = %L', :'one_period')
UNION ALL SELECT 'rows: one period''s rows (and the K-1 before)', format('SELECT (SELECT count(e::text) FROM wwva.user_event e WHERE occurred_at >= %1$L::date - 1 AND occurred_at < %2$L::date + 1) + (SELECT count(l::text) FROM wwva.ledger l WHERE booked_on >= %1$L AND booked_on < %2$L)', :'one_reach', :'one_to')
-- the same rows ME by ME through the (me_id, date) indexes
UNION ALL SELECT 'rows: the same, ME by ME through the indexes', format('SELECT (SELECT count(e::text) FROM wwva.user_event e WHERE me_id = ANY (ARRAY(SELECT me_id FROM wwva.me)) AND occurred_at >= %1$L::date - 1 AND occurred_at < %2$L::date + 1) + (SELECT count(l::text) FROM wwva.ledger l WHERE me_id = ANY (ARRAY(SELECT me_id FROM wwva.me)) AND booked_on >= %1$L AND booked_on < %2$L)', :'one_reach', :'one_to');
INSERT INTO timing
SELECT 'peer: by month, count(DISTINCT) FILTER', pg_temp.best_ms('SELECT count(p::text) FROM bench_peer_by_month p', :runs)
UNION ALL SELECT what, pg_temp.best_ms(query, :runs) FROM (SELECT what, query FROM slice_queries ORDER BY what) q;
-- JIT (on by default) compiles even a bare count(*) here, which costs the
-- small queries most: the same three without it
SET jit = off;
INSERT INTO timing
SELECT 'jit off, bare: count(*) user_event', pg_temp.best_ms('SELECT count(*) FROM wwva.user_event', :runs)
UNION ALL SELECT 'jit off, bare: count(*) ledger', pg_temp.best_ms('SELECT count(*) FROM wwva.ledger', :runs)
UNION ALL SELECT 'jit off, wwva.statement', pg_temp.best_ms('SELECT count(s::text) FROM wwva.statement s', :runs)
UNION ALL SELECT 'jit off, ' || what, pg_temp.best_ms(query, :runs)
  FROM (SELECT what, query FROM slice_queries ORDER BY what) q;
RESET jit;
SELECT what, ms FROM timing;

SELECT round((SELECT ms FROM timing WHERE what = 'wwva.statement')
             / (SELECT sum(ms) FROM timing WHERE what LIKE 'bare:%'), 2) AS "ours / bare (goal <= 2)",
       round((SELECT ms FROM timing WHERE what = 'jit off, wwva.statement')
             / (SELECT sum(ms) FROM timing WHERE what LIKE 'jit off, bare:%'), 2) AS "same, jit off",
       round((SELECT ms FROM timing WHERE what = 'peer: plain SQL statement lines')
             / (SELECT ms FROM timing WHERE what = 'wwva.statement'), 2) AS "peer / ours (goal >= 10)";
-- the column floor: both tables' floors above
SELECT round((SELECT ms FROM timing WHERE what = 'wwva.statement')
             / (SELECT sum(ms) FROM timing WHERE what LIKE 'floor:%'), 2) AS "ours / column floor (goal <= 1.5)",
       round((SELECT ms FROM timing WHERE what = 'peer: by month, count(DISTINCT) FILTER')
             / (SELECT ms FROM timing WHERE what = 'wwva.statement'), 2) AS "peer by month / ours (goal >= 10)",
       round((SELECT ms FROM timing WHERE what = 'slice: wwva.statement of one ME')
             / (SELECT ms FROM timing WHERE what = 'rows: one ME''s rows'), 2) AS "one ME / its rows (goal <= 2)",
       round((SELECT ms FROM timing WHERE what = 'slice: wwva.statement of one period')
             / (SELECT min(ms) FROM timing
                 WHERE what IN ('rows: one period''s rows (and the K-1 before)',
                                'rows: the same, ME by ME through the indexes')), 2) AS "one period / its rows, the faster way (goal <= 2)";
-- JIT compiles the slices' larger plans for longer than it saves: the same with jit = off
SELECT round((SELECT ms FROM timing WHERE what = 'jit off, slice: wwva.statement of one ME')
             / (SELECT ms FROM timing WHERE what = 'jit off, rows: one ME''s rows'), 2) AS "jit off: one ME / its rows",
       round((SELECT ms FROM timing WHERE what = 'jit off, slice: wwva.statement of one period')
             / (SELECT min(ms) FROM timing
                 WHERE what IN ('jit off, rows: one period''s rows (and the K-1 before)',
                                'jit off, rows: the same, ME by ME through the indexes')), 2) AS "jit off: one period / its rows, the faster way";

-- The year to date of one ME at the end of June, beside reading that ME's
-- rows of January to June.  The year is a calendar of its own, added here
-- after everything else is timed, since it adds a period to every view.
INSERT INTO wwva.period (period_id, starts_on, ends_on, calendar) VALUES ('2024', '2024-01-01', '2025-01-01', 'year');
ANALYZE wwva.period;
CREATE TEMP TABLE to_date_queries AS
SELECT 'slice: year to date of one ME at one month' AS what, format('SELECT count(s::text) FROM wwva.statement_to_date s WHERE me_id = %L AND period_id = %L AND to_date_of = %L', :'one_me', :'one_period', '2024') AS query
UNION ALL SELECT 'rows: that ME''s rows of the span', format('SELECT (SELECT count(e::text) FROM wwva.user_event e WHERE me_id = %1$L AND occurred_at >= %2$L::date - 1 AND occurred_at < %3$L::date + 1) + (SELECT count(l::text) FROM wwva.ledger l WHERE me_id = %1$L AND booked_on >= %2$L AND booked_on < %3$L)', :'one_me', '2024-01-01', :'one_to');
INSERT INTO timing SELECT what, pg_temp.best_ms(query, :runs) FROM (SELECT what, query FROM to_date_queries ORDER BY what) q;
SET jit = off;
INSERT INTO timing SELECT 'jit off, ' || what, pg_temp.best_ms(query, :runs) FROM (SELECT what, query FROM to_date_queries ORDER BY what) q;
RESET jit;
SELECT what, ms FROM timing WHERE what LIKE '%year to date%' OR what LIKE '%of the span%';
SELECT round((SELECT ms FROM timing WHERE what = 'slice: year to date of one ME at one month')
             / (SELECT ms FROM timing WHERE what = 'rows: that ME''s rows of the span'), 2) AS "year to date of one ME / its rows of the span (goal <= 2)",
       round((SELECT ms FROM timing WHERE what = 'jit off, slice: year to date of one ME at one month')
             / (SELECT ms FROM timing WHERE what = 'jit off, rows: that ME''s rows of the span'), 2) AS "same, jit off";
DELETE FROM wwva.period WHERE period_id = '2024';
