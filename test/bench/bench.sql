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
                          AND o.hardware_marginal_cost IS NOT DISTINCT FROM t.hardware_marginal_cost
                          AND o.ecosystem_marginal_cost IS NOT DISTINCT FROM t.ecosystem_marginal_cost
                          AND o.hardware_marginal_income IS NOT DISTINCT FROM t.hardware_marginal_income
                          AND o.ecosystem_marginal_income IS NOT DISTINCT FROM t.ecosystem_marginal_income) AS identical
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
UNION ALL SELECT 'floor: read the 4 columns of user_event', pg_temp.best_ms('SELECT count(*) FROM wwva.user_event WHERE me_id IS NULL OR user_id IS NULL OR kind IS NULL OR occurred_at IS NULL', :runs)
UNION ALL SELECT 'floor: read the 6 columns of ledger', pg_temp.best_ms('SELECT count(*) FROM wwva.ledger WHERE me_id IS NULL OR booked_on IS NULL OR stream IS NULL OR kind IS NULL OR behavior IS NULL OR amount IS NULL', :runs)
UNION ALL SELECT 'peer: plain SQL statement lines', pg_temp.best_ms('SELECT count(p::text) FROM bench_peer p', :runs)
UNION ALL SELECT 'wwva.statement', pg_temp.best_ms('SELECT count(s::text) FROM wwva.statement s', :runs)
UNION ALL SELECT 'wwva.user_resources', pg_temp.best_ms('SELECT count(s::text) FROM wwva.user_resources s', :runs)
UNION ALL SELECT 'wwva.value_added_sharing', pg_temp.best_ms('SELECT count(s::text) FROM wwva.value_added_sharing s', :runs)
UNION ALL SELECT 'wwva.revenues', pg_temp.best_ms('SELECT count(s::text) FROM wwva.revenues s', :runs)
UNION ALL SELECT 'wwva.costs', pg_temp.best_ms('SELECT count(s::text) FROM wwva.costs s', :runs)
UNION ALL SELECT 'wwva.marginal_income', pg_temp.best_ms('SELECT count(s::text) FROM wwva.marginal_income s', :runs);
-- JIT (on by default) compiles even a bare count(*) here, which costs the
-- small queries most: the same three without it
SET jit = off;
INSERT INTO timing
SELECT 'jit off, bare: count(*) user_event', pg_temp.best_ms('SELECT count(*) FROM wwva.user_event', :runs)
UNION ALL SELECT 'jit off, bare: count(*) ledger', pg_temp.best_ms('SELECT count(*) FROM wwva.ledger', :runs)
UNION ALL SELECT 'jit off, wwva.statement', pg_temp.best_ms('SELECT count(s::text) FROM wwva.statement s', :runs);
RESET jit;
SELECT what, ms FROM timing;

SELECT round((SELECT ms FROM timing WHERE what = 'wwva.statement')
             / (SELECT sum(ms) FROM timing WHERE what LIKE 'bare:%'), 2) AS "ours / bare (goal <= 2)",
       round((SELECT ms FROM timing WHERE what = 'jit off, wwva.statement')
             / (SELECT sum(ms) FROM timing WHERE what LIKE 'jit off, bare:%'), 2) AS "same, jit off",
       round((SELECT ms FROM timing WHERE what = 'peer: plain SQL statement lines')
             / (SELECT ms FROM timing WHERE what = 'wwva.statement'), 2) AS "peer / ours (goal >= 10)";
