-- ===========================================================================
-- The WWVA statement: every line of Table 2, long format, with targets
-- ===========================================================================
-- The lines of Table 2 from per-pair sums and counts: the statement view
-- feeds it the aggregates over the ledgers, wwva.refresh() its stored ones.
CREATE FUNCTION @extschema@.statement_of(money @extschema@.me_ledger_totals[],
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
       CASE WHEN t.value <> 0 THEN l.actual / t.value END AS achievement,
       l.line_no
  FROM @extschema@.figures_of(money, users, me_ids, period_nos) f
 CROSS JOIN LATERAL (VALUES
        ( 1, '1a',      'interactive_users',         'users',        f.interactive_users::numeric),
        ( 2, '1b',      'active_users',              'users',        f.active_users::numeric),
        ( 3, '1c',      'lifetime_users',            'users',        f.lifetime_users::numeric),
        ( 4, '1d',      'user_makers',               'interactions', f.user_makers::numeric),
        ( 5, '2a',      'hardware_profit',           f.currency,     f.hardware_profit),
        ( 6, '2b',      'ecosystem_profit',          f.currency,     f.ecosystem_profit),
        ( 7, '2c',      'total_profit',              f.currency,     f.total_profit),
        ( 8, '2d',      'users_share',               f.currency,     f.users_share),
        ( 9, '2e',      'investors_share',           f.currency,     f.investors_share),
        (10, '2f',      'team_share',                f.currency,     f.team_share),
        (11, '2g',      'total_sharing',             f.currency,     f.total_sharing),
        (12, '3a',      'hardware_revenue',          f.currency,     f.hardware_revenue),
        (13, '3b',      'ecosystem_revenue',         f.currency,     f.ecosystem_revenue),
        (14, '3c',      'total_revenue',             f.currency,     f.total_revenue),
        (15, '4a',      'hardware_cost',             f.currency,     f.hardware_cost),
        (16, '4a_var',  'hardware_variable_cost',    f.currency,     f.hardware_variable_cost),
        (17, '4b',      'ecosystem_cost',            f.currency,     f.ecosystem_cost),
        (18, '4b_var',  'ecosystem_variable_cost',   f.currency,     f.ecosystem_variable_cost),
        (19, '4_total', 'total_cost',                f.currency,     f.total_cost),
        (20, '4c',      'hardware_marginal_cost',    f.currency || ' per active user', f.hardware_marginal_cost),
        (21, '4d',      'ecosystem_marginal_cost',   f.currency || ' per active user', f.ecosystem_marginal_cost),
        (22, '5a',      'hardware_marginal_income',  f.currency || ' per active user', f.hardware_marginal_income),
        (23, '5b',      'ecosystem_marginal_income', f.currency || ' per active user', f.ecosystem_marginal_income),
        (24, '5c',      'total_marginal_income',     f.currency || ' per active user', f.total_marginal_income)
      ) AS l(line_no, line, item, unit, actual)
  LEFT JOIN @extschema@.target t
         ON t.me_id = f.me_id AND t.period_id = f.period_id AND t.item = l.item
 ORDER BY f.me_id, f.period_no, l.line_no
$$;
COMMENT ON FUNCTION @extschema@.statement_of(@extschema@.me_ledger_totals[], @extschema@.me_user_resource_counts[], text[], integer[]) IS
'The rows of wwva.statement, in its order, computed by wwva.figures_of from the given money sums and section 1 counts; only the pairs (me_ids[i], period_nos[i]) when me_ids is not NULL.';

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
       s.line_no
  FROM @extschema@.statement_of(
           ARRAY(SELECT ROW(f.*)::@extschema@.me_ledger_totals FROM @extschema@.money_figures f),
           ARRAY(SELECT ROW(u.*)::@extschema@.me_user_resource_counts FROM @extschema@.user_figures u))
       WITH ORDINALITY AS s
 ORDER BY s.ordinality;
COMMENT ON VIEW @extschema@.statement IS
'The WWVA statement, long format: one row per ME, period and Table 2 line, in Table 2 order, with the leading target, variance and achievement. One pass over wwva.ledger and one over wwva.user_event.';
COMMENT ON COLUMN @extschema@.statement.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.statement.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.statement.line IS 'Table 2 line: 1a-1d, 2a-2g, 3a-3c, 4a, 4a_var, 4b, 4b_var, 4_total, 4c, 4d, 5a-5c.';
COMMENT ON COLUMN @extschema@.statement.item IS 'Line name: the matching column of the section views, and the item of wwva.target.';
COMMENT ON COLUMN @extschema@.statement.unit IS 'users, interactions, the ME''s currency, or currency per active user.';
COMMENT ON COLUMN @extschema@.statement.actual IS 'Exact value computed from the ledgers; NULL for per-user lines at 0 active users.';
COMMENT ON COLUMN @extschema@.statement.target IS 'Leading target from wwva.target, NULL when none is set.';
COMMENT ON COLUMN @extschema@.statement.variance IS 'actual - target.';
COMMENT ON COLUMN @extschema@.statement.achievement IS 'actual / target; NULL when the target is missing or 0.';
COMMENT ON COLUMN @extschema@.statement.line_no IS 'Position of the line in Table 2 order (1-24), for sorting and pivoting.';
