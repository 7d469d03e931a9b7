-- ===========================================================================
-- The WWVA statement: every line of Table 2, long format, with targets
-- ===========================================================================
-- wwva.statement_items() and wwva.statement_of() are written from the
-- catalogue wwva.statement_line (sql/statement_lines.sql), and so are the
-- column comments of the wide views and the section views.  A release that
-- changes the catalogue calls wwva_internal.define_statement_lines() again.
CREATE FUNCTION wwva_internal.define_statement_lines() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $define$
DECLARE
    lines text;
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

    -- The lines from per-pair sums and counts: the statement view feeds it
    -- the aggregates over the ledgers, wwva.refresh() its stored ones.
    EXECUTE pg_catalog.format($statement_of$
CREATE OR REPLACE FUNCTION @extschema@.statement_of(money @extschema@.me_ledger_totals[],
                                                    users @extschema@.me_user_resource_counts[],
                                                    me_ids text[] DEFAULT NULL,
                                                    period_nos integer[] DEFAULT NULL)
RETURNS TABLE (me_id text, period_id text, line text, item text, unit text, actual numeric,
               target numeric, variance numeric, achievement numeric, line_no integer)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT f.me_id,
       f.period_id,
       l.line,
       l.item,
       l.unit,
       l.actual,
       t.value AS target,
       l.actual - t.value AS variance,
       CASE WHEN t.value <> 0 THEN pg_catalog.round(l.actual / t.value, 4) END AS achievement,
       l.line_no
  FROM @extschema@.figures_of(money, users, me_ids, period_nos) f
 CROSS JOIN LATERAL (VALUES
        %s
      ) AS l(line_no, line, item, unit, actual)
  LEFT JOIN @extschema@.target t
         ON t.me_id = f.me_id AND t.period_id = f.period_id AND t.item = l.item
 ORDER BY f.me_id, f.period_no, l.line_no
$$$statement_of$, lines);
    COMMENT ON FUNCTION @extschema@.statement_of(@extschema@.me_ledger_totals[], @extschema@.me_user_resource_counts[], text[], integer[]) IS
    'The rows of wwva.statement, in its order, computed by wwva.figures_of from the given money sums and section 1 counts; only the pairs (me_ids[i], period_nos[i]) when me_ids is not NULL.';

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
'Writes wwva.statement_items(), wwva.statement_of() and the statement columns'' comments from wwva.statement_line; run by the install script and by every upgrade that changes the catalogue.';
REVOKE EXECUTE ON FUNCTION wwva_internal.define_statement_lines() FROM PUBLIC;

SELECT wwva_internal.define_statement_lines();

-- A target names a line of the statement.
ALTER TABLE @extschema@.target ADD CONSTRAINT target_item_known
    CHECK (item = ANY (@extschema@.statement_items()));

CREATE VIEW @extschema@.statement AS
SELECT s.me_id,
       s.period_id,
       s.line,
       s.item,
       s.unit,
       s.actual,
       s.target,
       s.variance,
       s.achievement,
       s.line_no,
       c.period_no,
       c.starts_on,
       c.ends_on
  FROM @extschema@.statement_of(
           ARRAY(SELECT ROW(f.*)::@extschema@.me_ledger_totals FROM wwva_internal.money_figures f),
           ARRAY(SELECT ROW(u.*)::@extschema@.me_user_resource_counts FROM wwva_internal.user_figures u))
       WITH ORDINALITY AS s
  JOIN @extschema@.period_calendar c ON c.period_id = s.period_id
 ORDER BY s.ordinality;
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
