-- Fails unless wwva.materialized_statement equals a full recompute
-- (wwva.statement), line for line; prints the count of lines compared.
\set ON_ERROR_STOP 1
DO $$
DECLARE
    stale bigint;
    lines bigint;
BEGIN
    SELECT count(*) INTO stale FROM (
        (SELECT * FROM wwva.statement
         EXCEPT
         SELECT me_id, period_id, line, item, unit, actual, target, variance, achievement, line_no
           FROM wwva.materialized_statement)
        UNION ALL
        (SELECT me_id, period_id, line, item, unit, actual, target, variance, achievement, line_no
           FROM wwva.materialized_statement
         EXCEPT
         SELECT * FROM wwva.statement)) d;
    SELECT count(*) INTO lines FROM wwva.materialized_statement;
    IF stale <> 0 OR lines = 0 THEN
        RAISE EXCEPTION '% of % materialized lines differ from a full recompute', stale, lines;
    END IF;
    RAISE NOTICE 'all % materialized lines equal a full recompute', lines;
END
$$;
