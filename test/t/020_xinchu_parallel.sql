-- On the full Xinchu example (11.6 million events), parallel plans give
-- the serial statement exactly, and the plan runs the C aggregates as
-- partial aggregates in the workers.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(5);

SET LOCAL max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE serial_statement AS SELECT * FROM wwva.statement;

SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
CREATE TEMP TABLE parallel_statement AS SELECT * FROM wwva.statement;

SELECT cmp_ok((SELECT count(*) FROM serial_statement), '>=', 144::bigint,
              'statements for every ME and period');
SELECT set_eq('SELECT * FROM parallel_statement', 'SELECT * FROM serial_statement',
              'parallel and serial statements are identical, line for line');

CREATE FUNCTION pg_temp.plan_text(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text; plan text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF, VERBOSE) ' || query LOOP
        plan := plan || line || E'\n';
    END LOOP;
    RETURN plan;
END $$;

SELECT matches(pg_temp.plan_text('SELECT * FROM wwva.statement'),
               'Partial (Hash|Group)?Aggregate[^\n]*\n(.*\n)*?.*wwva\.user_resource_counts_by_period\(',
               'EXPLAIN shows wwva.user_resource_counts_by_period grouped by ME, as a partial aggregate');
SELECT matches(pg_temp.plan_text('SELECT * FROM wwva.statement'),
               'Partial (Hash|Group)?Aggregate[^\n]*\n(.*\n)*?.*wwva\.ledger_totals_by_period\(',
               'EXPLAIN shows wwva.ledger_totals_by_period grouped by ME, as a partial aggregate');
SELECT cmp_ok((SELECT count(*)::integer FROM regexp_matches(pg_temp.plan_text('SELECT * FROM wwva.statement'),
                                                  'Parallel Seq Scan on wwva\.(ledger|user_event)', 'g')),
              '=', 2, 'both ledgers are scanned in parallel');

SELECT * FROM finish();
ROLLBACK;
