-- pg_temp.stale_lines(): the lines where wwva.materialized_statement and a
-- full recompute (wwva.statement) differ, counted both ways.
CREATE OR REPLACE FUNCTION pg_temp.stale_lines() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM (
        (SELECT me_id, period_id, line, item, unit, actual, target, variance, achievement, line_no,
                period_no, starts_on, ends_on, calendar
           FROM wwva.statement
         EXCEPT
         SELECT me_id, period_id, line, item, unit, actual, target, variance, achievement, line_no,
                period_no, starts_on, ends_on, calendar
           FROM wwva.materialized_statement)
        UNION ALL
        (SELECT me_id, period_id, line, item, unit, actual, target, variance, achievement, line_no,
                period_no, starts_on, ends_on, calendar
           FROM wwva.materialized_statement
         EXCEPT
         SELECT me_id, period_id, line, item, unit, actual, target, variance, achievement, line_no,
                period_no, starts_on, ends_on, calendar
           FROM wwva.statement)) d
$$;
