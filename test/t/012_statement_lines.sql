-- The catalogue of statement lines, wwva.statement_line, and every place
-- that follows from it agree: the long statement (live and materialized),
-- wwva.statement_items(), the wide view's columns, the section views'
-- columns and the comments on all of them, and the reference Table 2.
-- A line added to the catalogue but not to wwva.figures_of() (or the other
-- way round), a section view that misses a line, or a stale comment fails
-- here.  README "Adding a statement line" says what to touch.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET client_min_messages = warning;
\ir ../data/two_mes.sql
SELECT plan(15);

-- The catalogue as the statement shows it for an ME of the given currency.
CREATE FUNCTION pg_temp.catalog_lines(currency text)
RETURNS TABLE (line_no integer, line text, item text, unit text)
LANGUAGE sql STABLE AS $$
    SELECT l.line_no, l.line, l.item,
           CASE l.unit WHEN 'currency' THEN currency
                       WHEN 'currency per active user' THEN currency || ' per active user'
                       ELSE l.unit END
      FROM wwva.statement_line l
     ORDER BY l.line_no
$$;

-- The columns of a view after the given number of key columns, in order,
-- but the period's position, dates and calendar, which every per-period view ends with.
CREATE FUNCTION pg_temp.line_columns(view regclass, keys integer) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT array_agg(a.attname::text ORDER BY a.attnum)
      FROM pg_attribute a
     WHERE a.attrelid = view AND a.attnum > keys AND NOT a.attisdropped
       AND a.attname NOT IN ('period_no', 'starts_on', 'ends_on', 'calendar')
$$;

SELECT is((SELECT count(*) FROM wwva.statement_line)::integer,
          (SELECT max(line_no) FROM wwva.statement_line),
          'the lines are numbered 1..n without gaps');

SELECT is(wwva.statement_items(),
          (SELECT array_agg(item ORDER BY line_no) FROM wwva.statement_line),
          'wwva.statement_items() lists the catalogue''s items in line order');

SELECT results_eq(
    $$SELECT line_no, line, item, unit FROM wwva.statement
       WHERE me_id = 'a' AND period_id = '2024-01' ORDER BY line_no$$,
    $$SELECT * FROM pg_temp.catalog_lines((SELECT currency FROM wwva.me WHERE me_id = 'a'))$$,
    'wwva.statement has one row per catalogue line, with its number, label, item and unit');

SELECT is((SELECT count(DISTINCT (me_id, period_id)) FROM wwva.statement) * (SELECT count(*) FROM wwva.statement_line),
          (SELECT count(*) FROM wwva.statement),
          'every ME and period of wwva.statement has every line');

SELECT is(pg_temp.line_columns('wwva.figures', 4),
          (SELECT array_agg(item ORDER BY line_no) FROM wwva.statement_line),
          'the wide view wwva.figures has one column per line after me_id, period_id, period_no, currency, in line order');

SELECT is(pg_temp.line_columns(v.view, 2),
          (SELECT array_agg(item ORDER BY line_no) FROM wwva.statement_line WHERE section = v.section),
          format('section %s view %s has exactly the section''s lines, in line order', v.section, v.view))
  FROM (VALUES (1, 'wwva.user_resources'::regclass), (2, 'wwva.value_added_sharing'::regclass),
               (3, 'wwva.revenues'::regclass), (4, 'wwva.costs'::regclass),
               (5, 'wwva.marginal_income'::regclass)) AS v(section, view)
 ORDER BY v.section;

SELECT set_eq(
    $$SELECT unnest(pg_temp.line_columns('wwva_internal.profit_figures', 4))$$,
    $$SELECT item FROM wwva.statement_line WHERE unit = 'currency'$$,
    'wwva_internal.profit_figures has every money line and no other after its four key columns');

SELECT is_empty(
    $$SELECT c.relname, a.attname, col_description(c.oid, a.attnum)
        FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
        JOIN wwva.statement_line l ON l.item = a.attname
       WHERE c.relnamespace = 'wwva'::regnamespace
         AND c.relname IN ('figures', 'profit_figures', 'user_resources', 'value_added_sharing',
                           'revenues', 'costs', 'marginal_income')
         AND col_description(c.oid, a.attnum) IS DISTINCT FROM l.line || ': ' || l.formula || '.'$$,
    'every line column of the wide and section views is commented "<line>: <formula>." from the catalogue');

CREATE TEMP TABLE table2 (
    line text, item text, unit text,
    y2016 numeric, y2017 numeric, exact_2016 numeric, exact_2017 numeric,
    definition text);
\copy table2 FROM 'test/data/xinchu_table2.csv' WITH (FORMAT csv, HEADER)

-- (the reference has no 4b_var: Xinchu's ecosystem variable cost is not
-- given separately)
SELECT is_empty(
    $$SELECT line, item FROM table2 EXCEPT SELECT line, item FROM wwva.statement_line$$,
    'every line of the reference Table 2 (xinchu_table2.csv) is in the catalogue, under the same item');

-- The materialized statement follows the same catalogue.
SELECT lives_ok($$SELECT wwva.refresh()$$, 'wwva.refresh() materializes the statement');
SELECT results_eq(
    $$SELECT line_no, line, item, unit FROM wwva.materialized_statement
       WHERE me_id = 'a' AND period_id = '2024-01' ORDER BY line_no$$,
    $$SELECT * FROM pg_temp.catalog_lines((SELECT currency FROM wwva.me WHERE me_id = 'a'))$$,
    'wwva.materialized_statement has the catalogue''s lines too');

SELECT * FROM finish();
ROLLBACK;
