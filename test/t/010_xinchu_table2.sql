-- Table 2 of the article, reproduced from ledger-level rows.
--
-- The database holds the shipped Xinchu example (test/data/xinchu.sql):
-- one event per user action and real ledger postings.  Every line of
-- Table 2 is checked for 2016 and 2017 against the exact values of
-- xinchu_table2.csv; the sharing lines, which the article rounds, are
-- checked to within its rounding.  Money lines in the CSV are in
-- RMB 10,000, the ledger in RMB.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(50);

CREATE TEMP TABLE table2 (
    line text, item text, unit text,
    y2016 numeric, y2017 numeric, exact_2016 numeric, exact_2017 numeric,
    definition text);
\copy table2 FROM 'test/data/xinchu_table2.csv' WITH (FORMAT csv, HEADER)

CREATE TEMP TABLE xinchu AS
SELECT * FROM wwva.statement WHERE me_id = 'xinchu' AND period_id IN ('2016', '2017');

-- Scale a CSV figure to the ledger's unit.
CREATE FUNCTION pg_temp.in_ledger_unit(unit text, value numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN unit = 'RMB 10000' THEN value * 10000 ELSE value END
$$;

SELECT is((SELECT count(*) FROM table2), 23::bigint, 'the reference table has 23 lines');
SELECT is((SELECT count(*) FROM xinchu), 2 * (SELECT count(*) FROM wwva.statement_line),
          'the statement has every catalogue line for each of 2016 and 2017');

-- Exact lines: 19 per year.
SELECT is(x.actual, pg_temp.in_ledger_unit(t.unit, t.exact_2016),
          format('2016 %s %s = %s %s', t.line, t.item, t.exact_2016, t.unit))
  FROM table2 t JOIN xinchu x ON x.item = t.item AND x.period_id = '2016'
 WHERE t.exact_2016 IS NOT NULL
 ORDER BY x.line_no;
SELECT is(x.actual, pg_temp.in_ledger_unit(t.unit, t.exact_2017),
          format('2017 %s %s = %s %s', t.line, t.item, t.exact_2017, t.unit))
  FROM table2 t JOIN xinchu x ON x.item = t.item AND x.period_id = '2017'
 WHERE t.exact_2017 IS NOT NULL
 ORDER BY x.line_no;

-- Sharing lines: the article's figures are rounded to RMB 10,000.
SELECT ok(abs(x.actual - pg_temp.in_ledger_unit(t.unit, t.y2016)) <= 5000,
          format('2016 %s %s = %s within the article''s rounding of %s', t.line, t.item, x.actual, t.y2016))
  FROM table2 t JOIN xinchu x ON x.item = t.item AND x.period_id = '2016'
 WHERE t.exact_2016 IS NULL
 ORDER BY x.line_no;
SELECT ok(abs(x.actual - pg_temp.in_ledger_unit(t.unit, t.y2017)) <= 5000,
          format('2017 %s %s = %s within the article''s rounding of %s', t.line, t.item, x.actual, t.y2017))
  FROM table2 t JOIN xinchu x ON x.item = t.item AND x.period_id = '2017'
 WHERE t.exact_2017 IS NULL
 ORDER BY x.line_no;

-- Every figure comes from rows, not from stored results: the event table
-- holds one row per action (10 million interactions in 2017 alone).
SELECT cmp_ok((SELECT count(*) FROM wwva.user_event WHERE me_id = 'xinchu'), '>=', 11000000::bigint,
              'the example is ledger-level: at least 11 million user events');
SELECT cmp_ok((SELECT count(*) FROM wwva.ledger WHERE me_id = 'xinchu'), '>=', 100::bigint,
              'the example books real postings: at least 100 ledger rows');

SELECT * FROM finish();
ROLLBACK;
