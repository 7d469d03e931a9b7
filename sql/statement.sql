-- ===========================================================================
-- The WWVA statement: every line of Table 2, long format, with targets
-- ===========================================================================
-- wwva.statement_items(), wwva.statement_of() and the view wwva.statement
-- are written from the catalogue wwva.statement_line
-- (sql/statement_lines.sql), and so are the column comments of the wide
-- views and the section views.  A release that
-- changes the catalogue calls wwva_internal.define_statement_lines() again.
CREATE FUNCTION wwva_internal.define_statement_lines() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $define$
DECLARE
    lines text;
    body text;
    of_arrays text;
    view_options text;
    items text[];
    commented record;
BEGIN
    SELECT pg_catalog.array_agg(l.item ORDER BY l.line_no),
           pg_catalog.string_agg(pg_catalog.format('(%s, %L, %L, %s, f.%I::numeric)',
                                                   l.line_no, l.line, l.item,
                                                   CASE l.unit
                                                       WHEN 'currency' THEN 'f.currency'
                                                       WHEN 'currency per active user' THEN 'f.currency || '' per active user'''
                                                       ELSE pg_catalog.quote_literal(l.unit)
                                                   END,
                                                   l.item),
                                 E',\n        ' ORDER BY l.line_no)
      INTO items, lines
      FROM @extschema@.statement_line l;

    EXECUTE pg_catalog.format($items$
CREATE OR REPLACE FUNCTION @extschema@.statement_items() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT %L::text[] $$$items$, items);
    COMMENT ON FUNCTION @extschema@.statement_items() IS
    'The item names of wwva.statement, in Table 2 order (wwva.statement_line): the valid values of wwva.target.item.';

    -- The lines of pairs' figures: one query, the long form of a source of
    -- figures, written four times.  wwva.statement reads wwva.figures, and
    -- wwva.statement_to_date wwva_internal.to_date_figures, as views the
    -- planner can push a filter on me_id through; wwva.statement_of and
    -- the period_no-carrying form wwva.refresh() uses read wwva.figures_of
    -- over given sums and counts.
    body := pg_catalog.format($body$
SELECT f.me_id,
       f.period_id,/*lead*/
       l.line,
       l.item,
       l.unit,
       l.actual,
       t.value AS target,
       l.actual - t.value AS variance,
       CASE WHEN t.value <> 0 THEN pg_catalog.round(l.actual / t.value, 4) END AS achievement,
       l.line_no/*tail*/
  FROM /*source*/ f
 CROSS JOIN LATERAL (VALUES
        %s
      ) AS l(line_no, line, item, unit, actual)
  LEFT JOIN @extschema@.target t
         ON t.me_id = f.me_id AND t.period_id = f.period_id AND t.item = l.item
 ORDER BY f.me_id, f.period_no, l.line_no
$body$, lines);
    of_arrays := pg_catalog.replace(body, '/*source*/', '@extschema@.figures_of(money, users, me_ids, period_nos)');
    -- views run as their reader (PostgreSQL 15 and later)
    view_options := CASE WHEN pg_catalog.current_setting('server_version_num')::integer >= 150000
                         THEN ' WITH (security_invoker = true)' ELSE '' END;

    EXECUTE pg_catalog.format($rows_of$
CREATE OR REPLACE FUNCTION wwva_internal.statement_rows_of(money @extschema@.me_ledger_totals[],
                                                          users @extschema@.me_user_resource_counts[],
                                                          me_ids text[] DEFAULT NULL,
                                                          period_nos integer[] DEFAULT NULL)
RETURNS TABLE (me_id text, period_id text, period_no integer, line text, item text, unit text,
               actual numeric, target numeric, variance numeric, achievement numeric,
               line_no integer)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS %L$rows_of$,
        pg_catalog.replace(pg_catalog.replace(of_arrays, '/*lead*/', E'\n       f.period_no,'), '/*tail*/', ''));
    COMMENT ON FUNCTION wwva_internal.statement_rows_of(@extschema@.me_ledger_totals[], @extschema@.me_user_resource_counts[], text[], integer[]) IS
    'The rows of wwva.statement_of with their period_no: what wwva.refresh() writes.';
    REVOKE EXECUTE ON FUNCTION wwva_internal.statement_rows_of(@extschema@.me_ledger_totals[], @extschema@.me_user_resource_counts[], text[], integer[]) FROM PUBLIC;

    EXECUTE pg_catalog.format($statement_of$
CREATE OR REPLACE FUNCTION @extschema@.statement_of(money @extschema@.me_ledger_totals[],
                                                    users @extschema@.me_user_resource_counts[],
                                                    me_ids text[] DEFAULT NULL,
                                                    period_nos integer[] DEFAULT NULL)
RETURNS TABLE (me_id text, period_id text, line text, item text, unit text, actual numeric,
               target numeric, variance numeric, achievement numeric, line_no integer)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS %L$statement_of$,
        pg_catalog.replace(pg_catalog.replace(of_arrays, '/*lead*/', ''), '/*tail*/', ''));
    COMMENT ON FUNCTION @extschema@.statement_of(@extschema@.me_ledger_totals[], @extschema@.me_user_resource_counts[], text[], integer[]) IS
    'The rows of wwva.statement, in its order, computed by wwva.figures_of from the given money sums and section 1 counts; only the pairs (me_ids[i], period_nos[i]) when me_ids is not NULL.';

    EXECUTE 'CREATE OR REPLACE VIEW @extschema@.statement' OPERATOR(pg_catalog.||) view_options
            OPERATOR(pg_catalog.||) ' AS'
            OPERATOR(pg_catalog.||) pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(body,
                '/*source*/', '@extschema@.figures'), '/*lead*/', ''),
                '/*tail*/', E',\n       f.period_no,\n       f.starts_on,\n       f.ends_on,\n       f.calendar');

    EXECUTE 'CREATE OR REPLACE VIEW wwva_internal.to_date_lines' OPERATOR(pg_catalog.||) view_options
            OPERATOR(pg_catalog.||) ' AS'
            OPERATOR(pg_catalog.||) pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(body,
                '/*source*/', 'wwva_internal.to_date_figures'), '/*lead*/', ''),
                '/*tail*/', E',\n       f.period_no AS span_no');
    COMMENT ON VIEW wwva_internal.to_date_lines IS
    'The lines of every ME x to-date span, long, as in wwva.statement; period_id is the period the span states (whose targets apply).';
    -- read through wwva.statement_to_date by anyone, as themselves
    GRANT SELECT ON wwva_internal.to_date_lines TO PUBLIC;

    -- the columns named for a line, in the wide views and the section views
    FOR commented IN
        SELECT c.oid::regclass AS view, a.attname, l.line, l.formula
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
          JOIN @extschema@.statement_line l ON l.item = a.attname
         WHERE c.relnamespace IN ('@extschema@'::regnamespace, 'wwva_internal'::regnamespace)
           AND c.relname IN ('figures', 'profit_figures', 'user_resources', 'value_added_sharing',
                             'revenues', 'costs', 'marginal_income')
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', commented.view, commented.attname,
                                  commented.line || ': ' || commented.formula || '.');
    END LOOP;
END
$define$;
COMMENT ON FUNCTION wwva_internal.define_statement_lines() IS
'Writes wwva.statement_items(), wwva.statement_of(), wwva_internal.statement_rows_of(), the views wwva.statement and wwva_internal.to_date_lines and the statement columns'' comments from wwva.statement_line; run by the install script and by every upgrade that changes the catalogue.';
REVOKE EXECUTE ON FUNCTION wwva_internal.define_statement_lines() FROM PUBLIC;

SELECT wwva_internal.define_statement_lines();

-- A target names a line of the statement.
ALTER TABLE @extschema@.target ADD CONSTRAINT target_item_known
    CHECK (item = ANY (@extschema@.statement_items()));

COMMENT ON VIEW @extschema@.statement IS
'The WWVA statement, long format: one row per ME, period and Table 2 line, in Table 2 order, with the leading target, variance and achievement. One pass over wwva.ledger and one over wwva.user_event.';
COMMENT ON COLUMN @extschema@.statement.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.statement.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.statement.line IS 'Table 2 line (wwva.statement_line.line).';
COMMENT ON COLUMN @extschema@.statement.item IS 'Line name (wwva.statement_line.item): the matching column of the section views, and the item of wwva.target.';
COMMENT ON COLUMN @extschema@.statement.unit IS 'users, interactions, the ME''s currency, or currency per active user.';
COMMENT ON COLUMN @extschema@.statement.actual IS 'Exact value computed from the ledgers; NULL for per-user lines at 0 active users.';
COMMENT ON COLUMN @extschema@.statement.target IS 'Leading target from wwva.target, NULL when none is set.';
COMMENT ON COLUMN @extschema@.statement.variance IS 'actual - target.';
COMMENT ON COLUMN @extschema@.statement.achievement IS 'actual / target, rounded half away from zero to 4 decimals (0.9850 is 98.50%); NULL when the target is missing or 0.';
COMMENT ON COLUMN @extschema@.statement.line_no IS 'Position of the line in Table 2 order (wwva.statement_line.line_no), for sorting and pivoting.';
COMMENT ON COLUMN @extschema@.statement.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.statement.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.statement.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';
COMMENT ON COLUMN @extschema@.statement.calendar IS 'Calendar of the period.';

-- ---------------------------------------------------------------------------
-- To date: the statement of a longer period as it stands at the end of a shorter one
-- ---------------------------------------------------------------------------
-- The lines of wwva_internal.to_date_figures (sql/figures.sql): the
-- aggregates over the ledgers with a calendar whose reported spans are the
-- to-date spans, and every line computed over [Y.starts_on, P.ends_on) as
-- for a period Y that ended on P.ends_on.
CREATE VIEW @extschema@.statement_to_date AS
SELECT s.me_id,
       t.period_id,
       t.to_date_of,
       t.starts_on,
       t.ends_on,
       s.line,
       s.item,
       s.unit,
       s.actual,
       s.target,
       s.variance,
       s.achievement,
       s.line_no,
       t.calendar,
       t.to_date_calendar
  FROM wwva_internal.to_date_lines s
  JOIN @extschema@.to_date_spans t ON t.span_no = s.span_no
 ORDER BY s.me_id, s.span_no, s.line_no;
COMMENT ON VIEW @extschema@.statement_to_date IS
'For every period P and every period Y of another calendar that holds it: the statement of Y as it stands at the end of P, every line computed over [Y.starts_on, P.ends_on) as for a period Y that ended on P.ends_on (distinct users over the span, N transactions within it, lifetime users against Y''s previous periods), against Y''s targets. One pass over each ledger.';
COMMENT ON COLUMN @extschema@.statement_to_date.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.statement_to_date.period_id IS 'P: the period at whose end the statement stands.';
COMMENT ON COLUMN @extschema@.statement_to_date.to_date_of IS 'Y: the period stated to date (its targets apply).';
COMMENT ON COLUMN @extschema@.statement_to_date.starts_on IS 'First day of the span: Y''s first day.';
COMMENT ON COLUMN @extschema@.statement_to_date.ends_on IS 'Day after the span: P''s ends_on.';
COMMENT ON COLUMN @extschema@.statement_to_date.line IS 'Table 2 line (wwva.statement_line.line).';
COMMENT ON COLUMN @extschema@.statement_to_date.item IS 'Line name (wwva.statement_line.item).';
COMMENT ON COLUMN @extschema@.statement_to_date.unit IS 'users, interactions, the ME''s currency, or currency per active user.';
COMMENT ON COLUMN @extschema@.statement_to_date.actual IS 'Exact value over the span; NULL for per-user lines at 0 active users.';
COMMENT ON COLUMN @extschema@.statement_to_date.target IS 'Y''s leading target from wwva.target, NULL when none is set.';
COMMENT ON COLUMN @extschema@.statement_to_date.variance IS 'actual - target.';
COMMENT ON COLUMN @extschema@.statement_to_date.achievement IS 'actual / target, rounded half away from zero to 4 decimals; NULL when the target is missing or 0.';
COMMENT ON COLUMN @extschema@.statement_to_date.line_no IS 'Position of the line in Table 2 order.';
COMMENT ON COLUMN @extschema@.statement_to_date.calendar IS 'Calendar of P.';
COMMENT ON COLUMN @extschema@.statement_to_date.to_date_calendar IS 'Calendar of Y.';
