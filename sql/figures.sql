-- ===========================================================================
-- Period assignment and the one-pass figures every section reads.
--
-- Each large table is read once, by one aggregate over all its rows:
-- wwva.ledger by the per-ME wwva.ledger_totals, wwva.user_event by the
-- per-ME wwva.user_resource_counts.  Periods, settings and time zones reach
-- them as one constant wwva.calendar, so there is no join per row and the
-- per-ME work can run where the ME's rows live.  The section views and
-- wwva.statement pick columns from here.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- Periods in order, and their boundaries as arrays
-- ---------------------------------------------------------------------------
CREATE VIEW @extschema@.period_calendar AS
SELECT p.period_id,
       p.starts_on,
       p.ends_on,
       (row_number() OVER (ORDER BY p.starts_on))::integer AS period_no
  FROM @extschema@.period p;
COMMENT ON VIEW @extschema@.period_calendar IS
'Periods in order of starts_on with their 1-based position period_no, the number wwva.period_index() returns.';
COMMENT ON COLUMN @extschema@.period_calendar.period_id IS 'Period identifier.';
COMMENT ON COLUMN @extschema@.period_calendar.starts_on IS 'First day (inclusive).';
COMMENT ON COLUMN @extschema@.period_calendar.ends_on IS 'First day after (exclusive).';
COMMENT ON COLUMN @extschema@.period_calendar.period_no IS 'Position in starts_on order; "previous period" is period_no - 1.';

CREATE VIEW @extschema@.period_bounds AS
SELECT COALESCE(array_agg(p.starts_on ORDER BY p.starts_on), '{}'::date[]) AS starts,
       COALESCE(array_agg(p.ends_on ORDER BY p.starts_on), '{}'::date[]) AS ends
  FROM @extschema@.period p;
COMMENT ON VIEW @extschema@.period_bounds IS
'All period boundaries as two arrays in starts_on order: the calendar argument of wwva.period_index().';
COMMENT ON COLUMN @extschema@.period_bounds.starts IS 'starts_on of every period, ascending.';
COMMENT ON COLUMN @extschema@.period_bounds.ends IS 'ends_on of every period, in the same order.';

-- ---------------------------------------------------------------------------
-- Rows that fall in no period are listed, never silently dropped
-- ---------------------------------------------------------------------------
CREATE VIEW @extschema@.unassigned AS
SELECT 'ledger'::text AS source,
       l.entry_id AS row_id,
       l.me_id,
       l.booked_on AS local_date,
       l.kind,
       l.user_id,
       l.amount
  FROM @extschema@.ledger l
 WHERE @extschema@.period_index(l.booked_on,
                                (SELECT b.starts FROM @extschema@.period_bounds b),
                                (SELECT b.ends FROM @extschema@.period_bounds b)) IS NULL
UNION ALL
SELECT 'user_event'::text,
       e.event_id,
       e.me_id,
       (e.occurred_at AT TIME ZONE m.timezone)::date,
       e.kind,
       e.user_id,
       NULL::numeric
  FROM @extschema@.user_event e
  JOIN @extschema@.me m ON m.me_id = e.me_id
 WHERE @extschema@.event_period(e.me_id, e.occurred_at,
                                (SELECT @extschema@.current_calendar())) IS NULL;
COMMENT ON VIEW @extschema@.unassigned IS
'Ledger postings and user events whose date falls in no period: they count in no statement until a period covers them.';
COMMENT ON COLUMN @extschema@.unassigned.source IS '''ledger'' or ''user_event''.';
COMMENT ON COLUMN @extschema@.unassigned.row_id IS 'entry_id or event_id of the row.';
COMMENT ON COLUMN @extschema@.unassigned.me_id IS 'ME of the row.';
COMMENT ON COLUMN @extschema@.unassigned.local_date IS 'The date used for assignment: booked_on, or occurred_at in the ME''s time zone.';
COMMENT ON COLUMN @extschema@.unassigned.kind IS 'Posting kind or event kind.';
COMMENT ON COLUMN @extschema@.unassigned.user_id IS 'User of the row, if any.';
COMMENT ON COLUMN @extschema@.unassigned.amount IS 'Amount of a posting; NULL for events.';

-- ---------------------------------------------------------------------------
-- One pass per table
-- ---------------------------------------------------------------------------
-- Grouped by me_id, the ME of the partition key: with
-- enable_partitionwise_aggregate each partition is aggregated on its own,
-- a foreign one on its shard (see sql/scale_out.sql).
CREATE VIEW @extschema@.money_figures AS
SELECT g.me_id,
       g.totals[i][1]::integer AS period_no,
       g.totals[i][2] AS hardware_revenue,
       g.totals[i][3] AS hardware_cost,
       g.totals[i][4] AS hardware_variable_cost,
       g.totals[i][5] AS ecosystem_revenue,
       g.totals[i][6] AS ecosystem_cost,
       g.totals[i][7] AS ecosystem_variable_cost
  FROM (SELECT l.me_id,
               @extschema@.ledger_totals_by_period(l.me_id, l.booked_on, l.stream, l.kind,
                                                   l.behavior, l.amount,
                                                   (SELECT @extschema@.current_calendar())) AS totals
          FROM @extschema@.ledger l
         GROUP BY l.me_id) g
 CROSS JOIN LATERAL pg_catalog.generate_subscripts(g.totals, 1) AS i;
COMMENT ON VIEW @extschema@.money_figures IS
'Money sums per ME and period from one pass over wwva.ledger, grouped by ME (wwva.ledger_totals_by_period); only pairs with postings.';
COMMENT ON COLUMN @extschema@.money_figures.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.money_figures.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.money_figures.hardware_revenue IS 'Sum of hardware revenue postings.';
COMMENT ON COLUMN @extschema@.money_figures.hardware_cost IS 'Sum of hardware cost postings, fixed and variable.';
COMMENT ON COLUMN @extschema@.money_figures.hardware_variable_cost IS 'Sum of variable hardware cost postings.';
COMMENT ON COLUMN @extschema@.money_figures.ecosystem_revenue IS 'Sum of ecosystem revenue postings.';
COMMENT ON COLUMN @extschema@.money_figures.ecosystem_cost IS 'Sum of ecosystem cost postings, fixed and variable.';
COMMENT ON COLUMN @extschema@.money_figures.ecosystem_variable_cost IS 'Sum of variable ecosystem cost postings.';

CREATE VIEW @extschema@.user_figures AS
SELECT g.me_id,
       g.counts[i][1]::integer AS period_no,
       g.counts[i][2] AS interactive_users,
       g.counts[i][3] AS active_users,
       g.counts[i][4] AS lifetime_users,
       g.counts[i][5] AS user_makers
  FROM (SELECT e.me_id,
               @extschema@.user_resource_counts_by_period(e.me_id, e.user_id, e.kind, e.occurred_at,
                                                          (SELECT @extschema@.current_calendar())) AS counts
          FROM @extschema@.user_event e
         GROUP BY e.me_id) g
 CROSS JOIN LATERAL pg_catalog.generate_subscripts(g.counts, 1) AS i;
COMMENT ON VIEW @extschema@.user_figures IS
'Section 1 counts per ME and period from one pass over wwva.user_event, grouped by ME (wwva.user_resource_counts_by_period); only pairs with events.';
COMMENT ON COLUMN @extschema@.user_figures.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.user_figures.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.user_figures.interactive_users IS 'Distinct users with an interaction event.';
COMMENT ON COLUMN @extschema@.user_figures.active_users IS 'Distinct users with at least N transaction events.';
COMMENT ON COLUMN @extschema@.user_figures.lifetime_users IS 'Active users active in the previous K-1 periods too, with a co-creation in those K periods.';
COMMENT ON COLUMN @extschema@.user_figures.user_makers IS 'Count of customization events.';

-- ---------------------------------------------------------------------------
-- A party's share under its rule, 0 when it has none
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.rule_share(rule @extschema@.sharing_rule, hardware_profit numeric,
                                       ecosystem_profit numeric, total_profit_target numeric)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT CASE
         WHEN (rule).party IS NULL THEN 0
         ELSE @extschema@.sharing_amount(
                  @extschema@.sharing_base((rule).base, hardware_profit, ecosystem_profit,
                                           total_profit_target),
                  (rule).rate, (rule).floor, (rule).cap)
       END
$$;
COMMENT ON FUNCTION @extschema@.rule_share(@extschema@.sharing_rule, numeric, numeric, numeric) IS
'A party''s payout (lines 2d-2f) under its wwva.sharing_rule row for the given profits; 0 when the party has no rule (a NULL row).';

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
  FROM (SELECT g.*,
               @extschema@.rule_share(ru, g.hardware_profit, g.ecosystem_profit, tp.value) AS users_share,
               @extschema@.rule_share(ri, g.hardware_profit, g.ecosystem_profit, tp.value) AS investors_share,
               @extschema@.rule_share(rt, g.hardware_profit, g.ecosystem_profit, tp.value) AS team_share
          FROM (SELECT s.*,
                       s.hardware_revenue - s.hardware_cost AS hardware_profit,
                       s.ecosystem_revenue - s.ecosystem_cost AS ecosystem_profit
                  FROM (SELECT m.me_id,
                               c.period_id,
                               c.period_no,
                               m.currency,
                               COALESCE(f.hardware_revenue, 0) AS hardware_revenue,
                               COALESCE(f.hardware_cost, 0) AS hardware_cost,
                               COALESCE(f.hardware_variable_cost, 0) AS hardware_variable_cost,
                               COALESCE(f.ecosystem_revenue, 0) AS ecosystem_revenue,
                               COALESCE(f.ecosystem_cost, 0) AS ecosystem_cost,
                               COALESCE(f.ecosystem_variable_cost, 0) AS ecosystem_variable_cost
                          FROM @extschema@.me m
                         CROSS JOIN @extschema@.period_calendar c
                          LEFT JOIN pg_catalog.unnest(money) f
                                 ON f.me_id = m.me_id AND f.period_no = c.period_no
                         WHERE me_ids IS NULL
                            OR (m.me_id, c.period_no) IN (SELECT * FROM ROWS FROM (pg_catalog.unnest(me_ids), pg_catalog.unnest(period_nos)))) s) g
          LEFT JOIN @extschema@.sharing_rule ru ON ru.me_id = g.me_id AND ru.party = 'users'
          LEFT JOIN @extschema@.sharing_rule ri ON ri.me_id = g.me_id AND ri.party = 'investors'
          LEFT JOIN @extschema@.sharing_rule rt ON rt.me_id = g.me_id AND rt.party = 'team'
          LEFT JOIN @extschema@.target tp
                 ON tp.me_id = g.me_id AND tp.period_id = g.period_id AND tp.item = 'total_profit') p
  LEFT JOIN pg_catalog.unnest(users) u ON u.me_id = p.me_id AND u.period_no = p.period_no
$$;
COMMENT ON FUNCTION @extschema@.figures_of(@extschema@.me_ledger_totals[], @extschema@.me_user_resource_counts[], text[], integer[]) IS
'Every statement figure (the columns of wwva.figures) for each ME x period, from its money sums and section 1 counts (pairs missing from the arrays count as 0); only the pairs (me_ids[i], period_nos[i]) when me_ids is not NULL.';

-- ---------------------------------------------------------------------------
-- Every ME x every period, with sections 2 and 3 and the money of section 4
-- ---------------------------------------------------------------------------
CREATE VIEW @extschema@.profit_figures AS
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
       f.total_sharing
  FROM @extschema@.figures_of(ARRAY(SELECT ROW(f.*)::@extschema@.me_ledger_totals
                                      FROM @extschema@.money_figures f), NULL) f;
COMMENT ON VIEW @extschema@.profit_figures IS
'Every ME x period: revenues, costs, profits and sharing payouts (sections 2, 3 and the money lines of 4), from one pass over wwva.ledger.';
COMMENT ON COLUMN @extschema@.profit_figures.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.profit_figures.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.profit_figures.period_no IS 'Period position.';
COMMENT ON COLUMN @extschema@.profit_figures.currency IS 'Currency unit of the ME''s amounts.';
-- The line columns' comments are written from wwva.statement_line (sql/statement.sql).

-- ---------------------------------------------------------------------------
-- Everything: money, users and the per-active-user lines
-- ---------------------------------------------------------------------------
CREATE VIEW @extschema@.figures AS
SELECT f.*
  FROM @extschema@.figures_of(ARRAY(SELECT ROW(f.*)::@extschema@.me_ledger_totals FROM @extschema@.money_figures f),
                              ARRAY(SELECT ROW(u.*)::@extschema@.me_user_resource_counts FROM @extschema@.user_figures u)) f;
COMMENT ON VIEW @extschema@.figures IS
'Every statement line as a column, one row per ME x period: one pass over wwva.ledger and one over wwva.user_event. The section views and wwva.statement read it.';
COMMENT ON COLUMN @extschema@.figures.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.figures.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.figures.period_no IS 'Period position.';
COMMENT ON COLUMN @extschema@.figures.currency IS 'Currency unit of the ME''s amounts.';
-- The line columns' comments are written from wwva.statement_line (sql/statement.sql);
-- the columns after currency are its lines, in line_no order.
