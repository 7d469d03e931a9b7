-- ===========================================================================
-- The statement's arithmetic: every figure of every ME x period from the
-- per-pair sums (sql/ledger_totals.sql) and counts (sql/user_resources.sql),
-- and the wide views the section views and wwva.statement read.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- Every statement figure of every ME x period, from per-pair sums and counts
-- ---------------------------------------------------------------------------
-- The one place the statement's arithmetic lives: the views below feed it
-- the aggregates over the ledgers, wwva.refresh() the sums and counts it
-- keeps in wwva.materialized_figures.
CREATE FUNCTION @extschema@.figures_of(money @extschema@.me_ledger_totals[],
                                       users @extschema@.me_user_resource_counts[],
                                       me_ids text[] DEFAULT NULL,
                                       period_nos integer[] DEFAULT NULL)
RETURNS TABLE (me_id text, period_id text, period_no integer, currency text,
               interactive_users bigint, active_users bigint, lifetime_users bigint,
               user_makers bigint,
               hardware_profit numeric, ecosystem_profit numeric, total_profit numeric,
               users_share numeric, investors_share numeric, team_share numeric,
               total_sharing numeric,
               hardware_revenue numeric, ecosystem_revenue numeric, total_revenue numeric,
               hardware_cost numeric, hardware_variable_cost numeric, ecosystem_cost numeric,
               ecosystem_variable_cost numeric, total_cost numeric,
               hardware_marginal_cost numeric, ecosystem_marginal_cost numeric,
               hardware_marginal_income numeric, ecosystem_marginal_income numeric,
               total_marginal_income numeric)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT p.me_id,
       p.period_id,
       p.period_no,
       p.currency,
       COALESCE(u.interactive_users, 0),
       COALESCE(u.active_users, 0),
       COALESCE(u.lifetime_users, 0),
       COALESCE(u.user_makers, 0),
       p.hardware_profit,
       p.ecosystem_profit,
       p.hardware_profit + p.ecosystem_profit,
       p.users_share,
       p.investors_share,
       p.team_share,
       p.users_share + p.investors_share + p.team_share,
       p.hardware_revenue,
       p.ecosystem_revenue,
       p.hardware_revenue + p.ecosystem_revenue,
       p.hardware_cost,
       p.hardware_variable_cost,
       p.ecosystem_cost,
       p.ecosystem_variable_cost,
       p.hardware_cost + p.ecosystem_cost,
       @extschema@.marginal_cost(p.hardware_variable_cost, COALESCE(u.active_users, 0)),
       @extschema@.marginal_cost(p.ecosystem_variable_cost, COALESCE(u.active_users, 0)),
       @extschema@.marginal_income(p.hardware_revenue, p.hardware_variable_cost,
                                   COALESCE(u.active_users, 0)),
       @extschema@.marginal_income(p.ecosystem_revenue, p.ecosystem_variable_cost,
                                   COALESCE(u.active_users, 0)),
       -- 5c = 5a + 5b, as one exact division so repeating decimals are not rounded twice
       @extschema@.marginal_income(p.hardware_revenue + p.ecosystem_revenue,
                                   p.hardware_variable_cost + p.ecosystem_variable_cost,
                                   COALESCE(u.active_users, 0))
  -- a payout is a rate times a profit: rounded to the currency's minor unit
  -- (half away from zero), so 2g is the sum of what is paid
  FROM (SELECT g.*,
               CASE WHEN g.minor_unit IS NULL THEN r.users_share
                    ELSE pg_catalog.round(r.users_share, g.minor_unit) END AS users_share,
               CASE WHEN g.minor_unit IS NULL THEN r.investors_share
                    ELSE pg_catalog.round(r.investors_share, g.minor_unit) END AS investors_share,
               CASE WHEN g.minor_unit IS NULL THEN r.team_share
                    ELSE pg_catalog.round(r.team_share, g.minor_unit) END AS team_share
          FROM (SELECT s.*,
                       s.hardware_revenue - s.hardware_cost AS hardware_profit,
                       s.ecosystem_revenue - s.ecosystem_cost AS ecosystem_profit
                  FROM (SELECT m.me_id,
                               c.target_period_id AS period_id,
                               c.span_no AS period_no,
                               m.currency,
                               cu.minor_unit,
                               COALESCE(f.hardware_revenue, 0) AS hardware_revenue,
                               COALESCE(f.hardware_cost, 0) AS hardware_cost,
                               COALESCE(f.hardware_variable_cost, 0) AS hardware_variable_cost,
                               COALESCE(f.ecosystem_revenue, 0) AS ecosystem_revenue,
                               COALESCE(f.ecosystem_cost, 0) AS ecosystem_cost,
                               COALESCE(f.ecosystem_variable_cost, 0) AS ecosystem_variable_cost
                          FROM @extschema@.me m
                          LEFT JOIN @extschema@.currency cu ON cu.code = m.currency
                         CROSS JOIN (SELECT pc.period_no AS span_no, pc.period_id AS target_period_id,
                                            false AS to_date
                                       FROM @extschema@.period_calendar pc
                                      UNION ALL
                                     SELECT ts.span_no, ts.to_date_of, true
                                       FROM @extschema@.to_date_spans ts) c
                          LEFT JOIN pg_catalog.unnest(money) f
                                 ON f.me_id = m.me_id AND f.period_no = c.span_no
                         WHERE (me_ids IS NULL AND NOT c.to_date)
                            OR (m.me_id, c.span_no) IN (SELECT * FROM ROWS FROM (pg_catalog.unnest(me_ids), pg_catalog.unnest(period_nos)))) s) g
          LEFT JOIN @extschema@.sharing_rule ru ON ru.me_id = g.me_id AND ru.party = 'users'
          LEFT JOIN @extschema@.sharing_rule ri ON ri.me_id = g.me_id AND ri.party = 'investors'
          LEFT JOIN @extschema@.sharing_rule rt ON rt.me_id = g.me_id AND rt.party = 'team'
          LEFT JOIN @extschema@.target tp
                 ON tp.me_id = g.me_id AND tp.period_id = g.period_id AND tp.item = 'total_profit'
         CROSS JOIN LATERAL (
                SELECT @extschema@.rule_share(ru, g.hardware_profit, g.ecosystem_profit, tp.value) AS users_share,
                       @extschema@.rule_share(ri, g.hardware_profit, g.ecosystem_profit, tp.value) AS investors_share,
                       @extschema@.rule_share(rt, g.hardware_profit, g.ecosystem_profit, tp.value) AS team_share) r) p
  LEFT JOIN pg_catalog.unnest(users) u ON u.me_id = p.me_id AND u.period_no = p.period_no
$$;
COMMENT ON FUNCTION @extschema@.figures_of(@extschema@.me_ledger_totals[], @extschema@.me_user_resource_counts[], text[], integer[]) IS
'Every statement figure (the columns of wwva.figures) for each ME x period, from its money sums and section 1 counts (pairs missing from the arrays count as 0); only the pairs (me_ids[i], period_nos[i]) when me_ids is not NULL, where a period_no may also be the span_no of a to-date span (its period_id is then the period whose targets apply).';
-- ---------------------------------------------------------------------------
-- Every ME x every period, with sections 2 and 3 and the money of section 4
-- ---------------------------------------------------------------------------
CREATE VIEW wwva_internal.profit_figures AS
SELECT f.me_id,
       f.period_id,
       f.period_no,
       f.currency,
       f.hardware_revenue,
       f.ecosystem_revenue,
       f.total_revenue,
       f.hardware_cost,
       f.hardware_variable_cost,
       f.ecosystem_cost,
       f.ecosystem_variable_cost,
       f.total_cost,
       f.hardware_profit,
       f.ecosystem_profit,
       f.total_profit,
       f.users_share,
       f.investors_share,
       f.team_share,
       f.total_sharing,
       c.starts_on,
       c.ends_on,
       c.calendar
  FROM @extschema@.figures_of(ARRAY(SELECT ROW(f.*)::@extschema@.me_ledger_totals
                                      FROM wwva_internal.money_figures f), NULL) f
  JOIN @extschema@.period_calendar c ON c.period_no = f.period_no;
COMMENT ON VIEW wwva_internal.profit_figures IS
'Every ME x period: revenues, costs, profits and sharing payouts (sections 2, 3 and the money lines of 4), from one pass over wwva.ledger.';
COMMENT ON COLUMN wwva_internal.profit_figures.me_id IS 'ME.';
COMMENT ON COLUMN wwva_internal.profit_figures.period_id IS 'Period.';
COMMENT ON COLUMN wwva_internal.profit_figures.period_no IS 'Period position.';
COMMENT ON COLUMN wwva_internal.profit_figures.currency IS 'Currency unit of the ME''s amounts.';
COMMENT ON COLUMN wwva_internal.profit_figures.starts_on IS 'First day of the period.';
COMMENT ON COLUMN wwva_internal.profit_figures.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';
COMMENT ON COLUMN wwva_internal.profit_figures.calendar IS 'Calendar of the period.';
-- The line columns' comments are written from wwva.statement_line (sql/statement.sql).
-- ---------------------------------------------------------------------------
-- Everything: money, users and the per-active-user lines
-- ---------------------------------------------------------------------------
CREATE VIEW @extschema@.figures AS
SELECT f.*,
       c.starts_on,
       c.ends_on,
       c.calendar
  FROM @extschema@.figures_of(ARRAY(SELECT ROW(f.*)::@extschema@.me_ledger_totals FROM wwva_internal.money_figures f),
                              ARRAY(SELECT ROW(u.*)::@extschema@.me_user_resource_counts FROM wwva_internal.user_figures u)) f
  JOIN @extschema@.period_calendar c ON c.period_no = f.period_no;
COMMENT ON VIEW @extschema@.figures IS
'Every statement line as a column, one row per ME x period: one pass over wwva.ledger and one over wwva.user_event. The section views and wwva.statement read it.';
COMMENT ON COLUMN @extschema@.figures.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.figures.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.figures.period_no IS 'Period position.';
COMMENT ON COLUMN @extschema@.figures.currency IS 'Currency unit of the ME''s amounts.';
COMMENT ON COLUMN @extschema@.figures.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.figures.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';
COMMENT ON COLUMN @extschema@.figures.calendar IS 'Calendar of the period.';
-- The line columns' comments are written from wwva.statement_line (sql/statement.sql);
-- the columns after currency are its lines, in line_no order, then the period's dates and calendar.
