-- Fails unless wwva.materialized_statement equals a full recompute
-- (wwva.statement), line for line; prints the count of lines compared.
\set ON_ERROR_STOP 1
\ir stale_lines_function.sql
DO $$
DECLARE
    stale bigint := pg_temp.stale_lines();
    lines bigint := (SELECT count(*) FROM wwva.materialized_statement);
BEGIN
    IF stale <> 0 OR lines = 0 THEN
        RAISE EXCEPTION '% of % materialized lines differ from a full recompute', stale, lines;
    END IF;
    RAISE NOTICE 'all % materialized lines equal a full recompute', lines;
END
$$;
