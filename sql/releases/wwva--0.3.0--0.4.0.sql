-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION wwva UPDATE TO '0.4.0'" to load this file. \quit

-- source: sql/figures.sql
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
CREATE OR REPLACE VIEW @extschema@.period_calendar AS
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

CREATE OR REPLACE VIEW @extschema@.period_bounds AS
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
CREATE OR REPLACE VIEW @extschema@.unassigned AS
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
CREATE OR REPLACE VIEW @extschema@.money_figures AS
SELECT t.me_id,
       t.period_no,
       t.hardware_revenue,
       t.hardware_cost,
       t.hardware_variable_cost,
       t.ecosystem_revenue,
       t.ecosystem_cost,
       t.ecosystem_variable_cost
  FROM (SELECT @extschema@.ledger_totals(l.me_id, l.booked_on, l.stream, l.kind, l.behavior,
                                         l.amount, (SELECT @extschema@.current_calendar())) AS totals
          FROM @extschema@.ledger l) s
 CROSS JOIN LATERAL pg_catalog.unnest(s.totals) t;
COMMENT ON VIEW @extschema@.money_figures IS
'Money sums per ME and period from one pass of wwva.ledger_totals over wwva.ledger; only pairs with postings.';
COMMENT ON COLUMN @extschema@.money_figures.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.money_figures.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.money_figures.hardware_revenue IS 'Sum of hardware revenue postings.';
COMMENT ON COLUMN @extschema@.money_figures.hardware_cost IS 'Sum of hardware cost postings, fixed and variable.';
COMMENT ON COLUMN @extschema@.money_figures.hardware_variable_cost IS 'Sum of variable hardware cost postings.';
COMMENT ON COLUMN @extschema@.money_figures.ecosystem_revenue IS 'Sum of ecosystem revenue postings.';
COMMENT ON COLUMN @extschema@.money_figures.ecosystem_cost IS 'Sum of ecosystem cost postings, fixed and variable.';
COMMENT ON COLUMN @extschema@.money_figures.ecosystem_variable_cost IS 'Sum of variable ecosystem cost postings.';

CREATE OR REPLACE VIEW @extschema@.user_figures AS
SELECT c.me_id,
       c.period_no,
       c.interactive_users,
       c.active_users,
       c.lifetime_users,
       c.user_makers
  FROM (SELECT @extschema@.user_resource_counts(e.me_id, e.user_id, e.kind, e.occurred_at,
                                                (SELECT @extschema@.current_calendar())) AS counts
          FROM @extschema@.user_event e) s
 CROSS JOIN LATERAL pg_catalog.unnest(s.counts) c;
COMMENT ON VIEW @extschema@.user_figures IS
'Section 1 counts per ME and period from one pass of wwva.user_resource_counts over wwva.user_event; only pairs with events.';
COMMENT ON COLUMN @extschema@.user_figures.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.user_figures.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.user_figures.interactive_users IS 'Distinct users with an interaction event.';
COMMENT ON COLUMN @extschema@.user_figures.active_users IS 'Distinct users with at least N transaction events.';
COMMENT ON COLUMN @extschema@.user_figures.lifetime_users IS 'Active users active in the previous K-1 periods too, with a co-creation in those K periods.';
COMMENT ON COLUMN @extschema@.user_figures.user_makers IS 'Count of customization events.';

-- ---------------------------------------------------------------------------
-- A party's share under its rule, 0 when it has none
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION @extschema@.rule_share(rule @extschema@.sharing_rule, hardware_profit numeric,
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
CREATE OR REPLACE FUNCTION @extschema@.figures_of(money @extschema@.me_ledger_totals[],
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
CREATE OR REPLACE VIEW @extschema@.profit_figures AS
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
COMMENT ON COLUMN @extschema@.profit_figures.hardware_revenue IS '3a.';
COMMENT ON COLUMN @extschema@.profit_figures.ecosystem_revenue IS '3b.';
COMMENT ON COLUMN @extschema@.profit_figures.total_revenue IS '3c = 3a + 3b.';
COMMENT ON COLUMN @extschema@.profit_figures.hardware_cost IS '4a.';
COMMENT ON COLUMN @extschema@.profit_figures.hardware_variable_cost IS 'Variable part of 4a.';
COMMENT ON COLUMN @extschema@.profit_figures.ecosystem_cost IS '4b.';
COMMENT ON COLUMN @extschema@.profit_figures.ecosystem_variable_cost IS 'Variable part of 4b.';
COMMENT ON COLUMN @extschema@.profit_figures.total_cost IS '4a + 4b.';
COMMENT ON COLUMN @extschema@.profit_figures.hardware_profit IS '2a = 3a - 4a.';
COMMENT ON COLUMN @extschema@.profit_figures.ecosystem_profit IS '2b = 3b - 4b.';
COMMENT ON COLUMN @extschema@.profit_figures.total_profit IS '2c = 2a + 2b.';
COMMENT ON COLUMN @extschema@.profit_figures.users_share IS '2d: the users'' sharing rule applied; 0 without a rule.';
COMMENT ON COLUMN @extschema@.profit_figures.investors_share IS '2e: the investors'' sharing rule applied.';
COMMENT ON COLUMN @extschema@.profit_figures.team_share IS '2f: the team''s sharing rule applied.';
COMMENT ON COLUMN @extschema@.profit_figures.total_sharing IS '2g = 2d + 2e + 2f.';

-- ---------------------------------------------------------------------------
-- Everything: money, users and the per-active-user lines
-- ---------------------------------------------------------------------------
CREATE OR REPLACE VIEW @extschema@.figures AS
SELECT f.*
  FROM @extschema@.figures_of(ARRAY(SELECT ROW(f.*)::@extschema@.me_ledger_totals FROM @extschema@.money_figures f),
                              ARRAY(SELECT ROW(u.*)::@extschema@.me_user_resource_counts FROM @extschema@.user_figures u)) f;
COMMENT ON VIEW @extschema@.figures IS
'Every statement line as a column, one row per ME x period: one pass over wwva.ledger and one over wwva.user_event. The section views and wwva.statement read it.';
COMMENT ON COLUMN @extschema@.figures.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.figures.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.figures.period_no IS 'Period position.';
COMMENT ON COLUMN @extschema@.figures.currency IS 'Currency unit of the ME''s amounts.';
COMMENT ON COLUMN @extschema@.figures.interactive_users IS '1a.';
COMMENT ON COLUMN @extschema@.figures.active_users IS '1b.';
COMMENT ON COLUMN @extschema@.figures.lifetime_users IS '1c.';
COMMENT ON COLUMN @extschema@.figures.user_makers IS '1d.';
COMMENT ON COLUMN @extschema@.figures.hardware_profit IS '2a.';
COMMENT ON COLUMN @extschema@.figures.ecosystem_profit IS '2b.';
COMMENT ON COLUMN @extschema@.figures.total_profit IS '2c.';
COMMENT ON COLUMN @extschema@.figures.users_share IS '2d.';
COMMENT ON COLUMN @extschema@.figures.investors_share IS '2e.';
COMMENT ON COLUMN @extschema@.figures.team_share IS '2f.';
COMMENT ON COLUMN @extschema@.figures.total_sharing IS '2g = 2d + 2e + 2f.';
COMMENT ON COLUMN @extschema@.figures.hardware_revenue IS '3a.';
COMMENT ON COLUMN @extschema@.figures.ecosystem_revenue IS '3b.';
COMMENT ON COLUMN @extschema@.figures.total_revenue IS '3c.';
COMMENT ON COLUMN @extschema@.figures.hardware_cost IS '4a.';
COMMENT ON COLUMN @extschema@.figures.hardware_variable_cost IS 'Variable part of 4a.';
COMMENT ON COLUMN @extschema@.figures.ecosystem_cost IS '4b.';
COMMENT ON COLUMN @extschema@.figures.ecosystem_variable_cost IS 'Variable part of 4b.';
COMMENT ON COLUMN @extschema@.figures.total_cost IS '4a + 4b.';
COMMENT ON COLUMN @extschema@.figures.hardware_marginal_cost IS '4c; NULL at 0 active users.';
COMMENT ON COLUMN @extschema@.figures.ecosystem_marginal_cost IS '4d; NULL at 0 active users.';
COMMENT ON COLUMN @extschema@.figures.hardware_marginal_income IS '5a; NULL at 0 active users.';
COMMENT ON COLUMN @extschema@.figures.ecosystem_marginal_income IS '5b; NULL at 0 active users.';
COMMENT ON COLUMN @extschema@.figures.total_marginal_income IS '5c = 5a + 5b, computed as one division of the totals; NULL at 0 active users.';

-- source: sql/statement.sql
-- ===========================================================================
-- The WWVA statement: every line of Table 2, long format, with targets
-- ===========================================================================
-- The lines of Table 2 from per-pair sums and counts: the statement view
-- feeds it the aggregates over the ledgers, wwva.refresh() its stored ones.
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

CREATE OR REPLACE VIEW @extschema@.statement AS
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

-- source: sql/materialize.sql
-- ===========================================================================
-- Materialized statements for scheduled jobs and dashboards.
--
-- Writers leave a trace of every change in the same transaction as the
-- change itself: inserted postings and events as rows to add (pending_posting,
-- pending_event), anything else as a mark on the (ME, period) pairs to
-- recompute (pending_change).  A trace becomes visible exactly when its
-- change commits, however long the writer's transaction ran, so
-- wwva.refresh() never skips a late commit: it consumes the traces its
-- snapshot sees and reads the ledgers in that same snapshot.
--
-- The traces are unlogged, so writers and the refresh pay no WAL for them;
-- so is wwva.materialized_figures, a cache the ledgers can always rebuild.
-- A crash (or a failover, or a restore) empties them, and with them the
-- row of wwva.capture_intact: the next refresh sees that row missing and
-- rebuilds everything from the ledgers, which are crash-safe.  The
-- materialized statement itself is logged, and replicated to standbys.
--
-- wwva.refresh() keeps per ME and period the money sums and the exact user
-- state (wwva.materialized_figures): an append costs the new rows, not the
-- period.  Lines of every pair it touched are rewritten in
-- wwva.materialized_statement, what dashboards read.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- Traces of changes not yet refreshed
-- ---------------------------------------------------------------------------
CREATE UNLOGGED TABLE @extschema@.pending_posting (
    me_id     text NOT NULL,
    booked_on date NOT NULL,
    stream    text NOT NULL,
    kind      text NOT NULL,
    behavior  text,
    amount    numeric NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.pending_posting IS
'Ledger postings inserted, updated or deleted since the last wwva.refresh(), as amounts to add (a deleted posting is its negated amount). Filled by triggers on wwva.ledger; emptied by wwva.refresh().';
COMMENT ON COLUMN @extschema@.pending_posting.logged_at IS 'Start of the writing transaction.';
COMMENT ON COLUMN @extschema@.pending_posting.me_id IS 'ME of the posting.';
COMMENT ON COLUMN @extschema@.pending_posting.booked_on IS 'Booking date of the posting.';
COMMENT ON COLUMN @extschema@.pending_posting.stream IS 'Stream of the posting.';
COMMENT ON COLUMN @extschema@.pending_posting.kind IS 'Kind of the posting.';
COMMENT ON COLUMN @extschema@.pending_posting.behavior IS 'Cost behaviour of the posting.';
COMMENT ON COLUMN @extschema@.pending_posting.amount IS 'Amount to add: the posting''s, negated when it was removed.';

CREATE UNLOGGED TABLE @extschema@.pending_event (
    me_id       text NOT NULL,
    user_id     bigint NOT NULL,
    occurred_at timestamptz NOT NULL,
    kind        text NOT NULL,
    logged_at   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.pending_event IS
'User events inserted since the last wwva.refresh(). Filled by triggers on wwva.user_event; emptied by wwva.refresh().';
COMMENT ON COLUMN @extschema@.pending_event.logged_at IS 'Start of the writing transaction.';
COMMENT ON COLUMN @extschema@.pending_event.me_id IS 'ME of the event.';
COMMENT ON COLUMN @extschema@.pending_event.user_id IS 'User of the event.';
COMMENT ON COLUMN @extschema@.pending_event.occurred_at IS 'When the event happened.';
COMMENT ON COLUMN @extschema@.pending_event.kind IS 'Kind of the event.';

CREATE UNLOGGED TABLE @extschema@.pending_change (
    me_id     text,
    period_id text,
    first_day date,
    last_day  date,
    first_at  timestamptz,
    last_at   timestamptz,
    rebuild   boolean NOT NULL,
    source    text NOT NULL,
    logged_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE @extschema@.pending_change IS
'Marks on (ME, period) pairs to recompute at the next wwva.refresh(): bulk inserts, updated or deleted events, and changes to MEs, periods, targets and sharing rules. Filled by triggers; emptied by wwva.refresh().';
COMMENT ON COLUMN @extschema@.pending_change.me_id IS 'The ME; NULL for every ME.';
COMMENT ON COLUMN @extschema@.pending_change.period_id IS 'The one period concerned, when known by name.';
COMMENT ON COLUMN @extschema@.pending_change.first_day IS 'With last_day: the periods holding these booking dates.';
COMMENT ON COLUMN @extschema@.pending_change.last_day IS 'See first_day.';
COMMENT ON COLUMN @extschema@.pending_change.first_at IS 'With last_at: the periods holding these instants in the ME''s time zone. With no period, day or instant: every period.';
COMMENT ON COLUMN @extschema@.pending_change.last_at IS 'See first_at.';
COMMENT ON COLUMN @extschema@.pending_change.rebuild IS 'true: recompute the pairs from the ledgers; false: only their lines (targets, sharing rules).';
COMMENT ON COLUMN @extschema@.pending_change.source IS 'The table whose change left the mark.';
COMMENT ON COLUMN @extschema@.pending_change.logged_at IS 'Start of the writing transaction.';

CREATE UNLOGGED TABLE @extschema@.capture_intact (
    intact boolean PRIMARY KEY CONSTRAINT capture_intact_one_row CHECK (intact)
);
COMMENT ON TABLE @extschema@.capture_intact IS
'One row while the change traces (pending_posting, pending_event, pending_change) are complete. It is empty after CREATE EXTENSION, a crash, a failover or a restore, all of which lose traces; wwva.refresh() then rebuilds everything and puts the row back.';
COMMENT ON COLUMN @extschema@.capture_intact.intact IS 'Always true: the table has one row or none.';

-- ---------------------------------------------------------------------------
-- What wwva.refresh() keeps
-- ---------------------------------------------------------------------------
CREATE UNLOGGED TABLE @extschema@.materialized_figures (
    me_id                   text NOT NULL,
    period_no               integer NOT NULL,
    period_id               text NOT NULL,
    hardware_revenue        numeric NOT NULL,
    hardware_cost           numeric NOT NULL,
    hardware_variable_cost  numeric NOT NULL,
    ecosystem_revenue       numeric NOT NULL,
    ecosystem_cost          numeric NOT NULL,
    ecosystem_variable_cost numeric NOT NULL,
    interactive_users       bigint NOT NULL,
    active_users            bigint NOT NULL,
    lifetime_users          bigint NOT NULL,
    user_makers             bigint NOT NULL,
    users                   bytea,
    computed_at             timestamptz NOT NULL,
    PRIMARY KEY (me_id, period_no)
);
-- user states are mostly sorted hashes: compressing them costs more than it saves
ALTER TABLE @extschema@.materialized_figures ALTER COLUMN users SET STORAGE EXTERNAL;
COMMENT ON TABLE @extschema@.materialized_figures IS
'Per ME and period, what wwva.refresh() keeps to update wwva.materialized_statement from new rows alone: the money sums (as wwva.money_figures), the section 1 counts (as wwva.user_figures) and the exact set of users behind them. Unlogged: a crash empties it, and the next refresh rebuilds it.';
COMMENT ON COLUMN @extschema@.materialized_figures.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.materialized_figures.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.materialized_figures.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.materialized_figures.hardware_revenue IS 'As in wwva.money_figures.';
COMMENT ON COLUMN @extschema@.materialized_figures.hardware_cost IS 'As in wwva.money_figures.';
COMMENT ON COLUMN @extschema@.materialized_figures.hardware_variable_cost IS 'As in wwva.money_figures.';
COMMENT ON COLUMN @extschema@.materialized_figures.ecosystem_revenue IS 'As in wwva.money_figures.';
COMMENT ON COLUMN @extschema@.materialized_figures.ecosystem_cost IS 'As in wwva.money_figures.';
COMMENT ON COLUMN @extschema@.materialized_figures.ecosystem_variable_cost IS 'As in wwva.money_figures.';
COMMENT ON COLUMN @extschema@.materialized_figures.interactive_users IS 'As in wwva.user_figures.';
COMMENT ON COLUMN @extschema@.materialized_figures.active_users IS 'As in wwva.user_figures.';
COMMENT ON COLUMN @extschema@.materialized_figures.lifetime_users IS 'As in wwva.user_figures.';
COMMENT ON COLUMN @extschema@.materialized_figures.user_makers IS 'As in wwva.user_figures.';
COMMENT ON COLUMN @extschema@.materialized_figures.users IS
'The users of the pair as a wwva.user_resource_state value; NULL when it has no events.';
COMMENT ON COLUMN @extschema@.materialized_figures.computed_at IS 'Start of the transaction of the refresh that last changed the row.';

CREATE TABLE @extschema@.materialized_statement (
    me_id       text NOT NULL,
    period_id   text NOT NULL,
    line        text NOT NULL,
    item        text NOT NULL,
    unit        text NOT NULL,
    actual      numeric,
    target      numeric,
    variance    numeric,
    achievement numeric,
    line_no     integer NOT NULL,
    computed_at timestamptz NOT NULL,
    PRIMARY KEY (me_id, period_id, line_no)
);
COMMENT ON TABLE @extschema@.materialized_statement IS
'wwva.statement as of the last wwva.refresh(), one row per ME, period and Table 2 line, plus when it was computed: what dashboards read. Written only by wwva.refresh().';
COMMENT ON COLUMN @extschema@.materialized_statement.computed_at IS
'Start of the transaction of the refresh that computed the line.';
COMMENT ON COLUMN @extschema@.materialized_statement.me_id IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.period_id IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.line IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.item IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.unit IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.actual IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.target IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.variance IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.achievement IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.line_no IS 'As in wwva.statement.';

-- The pairs one refresh works on; empty between refreshes.
CREATE UNLOGGED TABLE @extschema@.refresh_work (
    me_id                   text NOT NULL,
    period_no               integer NOT NULL,
    rebuild                 boolean NOT NULL DEFAULT false,
    money_changed           boolean NOT NULL DEFAULT false,
    users_changed           boolean NOT NULL DEFAULT false,
    recount                 boolean NOT NULL DEFAULT false,
    hardware_revenue        numeric,
    hardware_cost           numeric,
    hardware_variable_cost  numeric,
    ecosystem_revenue       numeric,
    ecosystem_cost          numeric,
    ecosystem_variable_cost numeric,
    users                   bytea,
    PRIMARY KEY (me_id, period_no)
);
ALTER TABLE @extschema@.refresh_work ALTER COLUMN users SET STORAGE EXTERNAL;
COMMENT ON TABLE @extschema@.refresh_work IS
'Internal to wwva.refresh(): the (ME, period) pairs of the running refresh and what changed in each. Empty outside it.';
COMMENT ON COLUMN @extschema@.refresh_work.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.refresh_work.period_no IS 'Period position.';
COMMENT ON COLUMN @extschema@.refresh_work.rebuild IS 'Recompute the pair from the ledgers.';
COMMENT ON COLUMN @extschema@.refresh_work.money_changed IS 'The sums below are to be added to the stored ones.';
COMMENT ON COLUMN @extschema@.refresh_work.users_changed IS 'users is to be merged into the stored state.';
COMMENT ON COLUMN @extschema@.refresh_work.recount IS 'Recount the section 1 figures (its users or an earlier period''s changed).';
COMMENT ON COLUMN @extschema@.refresh_work.hardware_revenue IS 'New or rebuilt sum.';
COMMENT ON COLUMN @extschema@.refresh_work.hardware_cost IS 'New or rebuilt sum.';
COMMENT ON COLUMN @extschema@.refresh_work.hardware_variable_cost IS 'New or rebuilt sum.';
COMMENT ON COLUMN @extschema@.refresh_work.ecosystem_revenue IS 'New or rebuilt sum.';
COMMENT ON COLUMN @extschema@.refresh_work.ecosystem_cost IS 'New or rebuilt sum.';
COMMENT ON COLUMN @extschema@.refresh_work.ecosystem_variable_cost IS 'New or rebuilt sum.';
COMMENT ON COLUMN @extschema@.refresh_work.users IS 'State of the new events.';

CREATE TABLE @extschema@.refresh_run (
    run_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz NOT NULL,
    pairs         integer NOT NULL,
    rebuilt_pairs integer NOT NULL,
    batches       integer NOT NULL,
    postings      bigint NOT NULL,
    events        bigint NOT NULL,
    changes       bigint NOT NULL
);
COMMENT ON TABLE @extschema@.refresh_run IS
'One row per completed wwva.refresh(), the last 1000 kept.';
COMMENT ON COLUMN @extschema@.refresh_run.run_id IS 'Order of the runs.';
COMMENT ON COLUMN @extschema@.refresh_run.started_at IS 'When the refresh was called.';
COMMENT ON COLUMN @extschema@.refresh_run.finished_at IS 'When it was done (clock time, before its commit).';
COMMENT ON COLUMN @extschema@.refresh_run.pairs IS '(ME, period) pairs whose lines were recomputed.';
COMMENT ON COLUMN @extschema@.refresh_run.rebuilt_pairs IS 'Of those, pairs recomputed from the ledgers rather than from their new rows.';
COMMENT ON COLUMN @extschema@.refresh_run.batches IS 'Batches the pairs were written in.';
COMMENT ON COLUMN @extschema@.refresh_run.postings IS 'Pending postings consumed.';
COMMENT ON COLUMN @extschema@.refresh_run.events IS 'Pending events consumed.';
COMMENT ON COLUMN @extschema@.refresh_run.changes IS 'Pending change marks consumed.';

-- ---------------------------------------------------------------------------
-- Stored user states: keep, merge, split and count them
-- ---------------------------------------------------------------------------
CREATE AGGREGATE @extschema@.user_resource_state(
    me_id text, user_id bigint, kind text, occurred_at timestamptz,
    calendar @extschema@.calendar) (
    SFUNC = @extschema@.me_user_counts_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = @extschema@.user_counts_combine,
    SERIALFUNC = @extschema@.user_counts_serialize,
    DESERIALFUNC = @extschema@.user_counts_deserialize,
    FINALFUNC = @extschema@.user_counts_serialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.user_resource_state(text, bigint, text, timestamptz, @extschema@.calendar) IS
'The exact users behind section 1 of every ME and period of the events, as a value to store or ship: each user''s transaction count and whether it interacted or co-created, and the customization count per pair. Combine with wwva.user_resource_state(bytea); count with wwva.user_resource_state_counts.';

CREATE FUNCTION @extschema@.user_state_union_transition(internal, bytea)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_user_state_union_transition'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.user_state_union_transition(internal, bytea) IS
'Support function of the wwva.user_resource_state(bytea) aggregate.';

CREATE AGGREGATE @extschema@.user_resource_state(state bytea) (
    SFUNC = @extschema@.user_state_union_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = @extschema@.user_counts_combine,
    SERIALFUNC = @extschema@.user_counts_serialize,
    DESERIALFUNC = @extschema@.user_counts_deserialize,
    FINALFUNC = @extschema@.user_counts_serialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.user_resource_state(bytea) IS
'The union of user resource states (of other MEs, periods or rows, say from several shards): the state their events together would give. NULLs are skipped.';

CREATE FUNCTION @extschema@.user_resource_state_counts(state bytea)
RETURNS @extschema@.me_user_resource_counts[]
AS 'MODULE_PATHNAME', 'wwva_user_state_counts'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.user_resource_state_counts(bytea) IS
'Section 1 counts of every ME and period in a user resource state, as wwva.user_resource_counts(me_id, ...) would give for its events. Lifetime users count only the earlier periods the state holds.';

CREATE FUNCTION @extschema@.user_resource_state_pairs(state bytea,
                                                      OUT me_id text, OUT period_no integer,
                                                      OUT users bytea)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'wwva_user_state_pairs'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.user_resource_state_pairs(bytea) IS
'A user resource state cut into one state per ME and period, in me_id and period order.';

-- ---------------------------------------------------------------------------
-- Capturing changes
-- ---------------------------------------------------------------------------
-- Statement triggers with transition tables: one INSERT ... SELECT per
-- writing statement, not a trigger call per row.  A statement of more rows
-- than wwva.capture_row_limit marks its pairs for a rebuild instead: reading
-- them back from the ledgers is then cheaper than keeping a copy.
CREATE FUNCTION @extschema@.capture_row_limit() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT COALESCE(NULLIF(current_setting('wwva.capture_row_limit', true), '')::bigint, 1000000) $$;
COMMENT ON FUNCTION @extschema@.capture_row_limit() IS
'The setting wwva.capture_row_limit (default 1000000): a writing statement with more rows marks its pairs for a rebuild instead of copying its rows.';

CREATE FUNCTION @extschema@.capture_postings() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bulk boolean;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        bulk := (SELECT count(*) FROM new_rows) > @extschema@.capture_row_limit();
        IF bulk THEN
            INSERT INTO @extschema@.pending_change (me_id, first_day, last_day, rebuild, source)
            SELECT n.me_id, min(n.booked_on), max(n.booked_on), true, 'ledger'
              FROM new_rows n GROUP BY n.me_id;
        ELSE
            INSERT INTO @extschema@.pending_posting (me_id, booked_on, stream, kind, behavior, amount)
            SELECT n.me_id, n.booked_on, n.stream, n.kind, n.behavior, n.amount FROM new_rows n;
        END IF;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        bulk := (SELECT count(*) FROM old_rows) > @extschema@.capture_row_limit();
        IF bulk THEN
            INSERT INTO @extschema@.pending_change (me_id, first_day, last_day, rebuild, source)
            SELECT o.me_id, min(o.booked_on), max(o.booked_on), true, 'ledger'
              FROM old_rows o GROUP BY o.me_id;
        ELSE
            INSERT INTO @extschema@.pending_posting (me_id, booked_on, stream, kind, behavior, amount)
            SELECT o.me_id, o.booked_on, o.stream, o.kind, o.behavior, -o.amount FROM old_rows o;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.capture_postings() IS
'Trigger: records the postings a statement inserted, updated or deleted in wwva.pending_posting (or, for a bulk statement, marks their pairs in wwva.pending_change).';

CREATE FUNCTION @extschema@.capture_events() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- An event's user may be the only one of its kind in the pair: a
    -- removed event is recounted from the table, not subtracted.
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO @extschema@.pending_change (me_id, first_at, last_at, rebuild, source)
        SELECT o.me_id, min(o.occurred_at), max(o.occurred_at), true, 'user_event'
          FROM old_rows o GROUP BY o.me_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF TG_OP = 'UPDATE' OR (SELECT count(*) FROM new_rows) > @extschema@.capture_row_limit() THEN
            INSERT INTO @extschema@.pending_change (me_id, first_at, last_at, rebuild, source)
            SELECT n.me_id, min(n.occurred_at), max(n.occurred_at), true, 'user_event'
              FROM new_rows n GROUP BY n.me_id;
        ELSE
            INSERT INTO @extschema@.pending_event (me_id, user_id, occurred_at, kind)
            SELECT n.me_id, n.user_id, n.occurred_at, n.kind FROM new_rows n;
        END IF;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.capture_events() IS
'Trigger: records the events a statement inserted in wwva.pending_event, and marks the pairs of updated or deleted events (or of a bulk insert) in wwva.pending_change.';

CREATE FUNCTION @extschema@.capture_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        -- periods renumber every pair; a TRUNCATE empties every pair
        INSERT INTO @extschema@.pending_change (rebuild, source)
        VALUES (TG_TABLE_NAME IN ('period', 'ledger', 'user_event'), TG_TABLE_NAME);
    ELSIF TG_TABLE_NAME = 'me' THEN
        IF TG_OP = 'UPDATE' AND NOT (OLD.me_id, OLD.timezone, OLD.active_min_transactions,
                                     OLD.lifetime_periods, OLD.currency)
                                IS DISTINCT FROM
                                    (NEW.me_id, NEW.timezone, NEW.active_min_transactions,
                                     NEW.lifetime_periods, NEW.currency) THEN
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO @extschema@.pending_change (me_id, rebuild, source) VALUES (OLD.me_id, true, 'me');
        END IF;
        -- An ME leaves or changes id only without postings and events
        -- (wwva.me_check), so its waiting rows add up to nothing: dropping
        -- them keeps every waiting row's ME known to the refresh.
        IF TG_OP = 'DELETE' OR OLD.me_id IS DISTINCT FROM NEW.me_id THEN
            DELETE FROM @extschema@.pending_posting WHERE me_id = OLD.me_id;
            DELETE FROM @extschema@.pending_event WHERE me_id = OLD.me_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO @extschema@.pending_change (me_id, rebuild, source) VALUES (NEW.me_id, true, 'me');
        END IF;
    ELSIF TG_TABLE_NAME = 'target' THEN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO @extschema@.pending_change (me_id, period_id, rebuild, source)
            VALUES (OLD.me_id, OLD.period_id, false, 'target');
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO @extschema@.pending_change (me_id, period_id, rebuild, source)
            VALUES (NEW.me_id, NEW.period_id, false, 'target');
        END IF;
    ELSE
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO @extschema@.pending_change (me_id, rebuild, source)
            VALUES (OLD.me_id, false, TG_TABLE_NAME);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO @extschema@.pending_change (me_id, rebuild, source)
            VALUES (NEW.me_id, false, TG_TABLE_NAME);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION @extschema@.capture_change() IS
'Trigger: marks in wwva.pending_change the pairs a change to an ME, the periods, a target or a sharing rule, or a TRUNCATE, affects.';

CREATE TRIGGER capture_insert AFTER INSERT ON @extschema@.ledger
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.capture_postings();
CREATE TRIGGER capture_update AFTER UPDATE ON @extschema@.ledger
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.capture_postings();
CREATE TRIGGER capture_delete AFTER DELETE ON @extschema@.ledger
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.capture_postings();
CREATE TRIGGER capture_truncate AFTER TRUNCATE ON @extschema@.ledger
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.capture_change();

CREATE TRIGGER capture_insert AFTER INSERT ON @extschema@.user_event
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.capture_events();
CREATE TRIGGER capture_update AFTER UPDATE ON @extschema@.user_event
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.capture_events();
CREATE TRIGGER capture_delete AFTER DELETE ON @extschema@.user_event
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.capture_events();
CREATE TRIGGER capture_truncate AFTER TRUNCATE ON @extschema@.user_event
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.capture_change();

CREATE TRIGGER capture_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.period
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.capture_change();
CREATE TRIGGER capture_change AFTER INSERT OR UPDATE OR DELETE ON @extschema@.me
    FOR EACH ROW EXECUTE FUNCTION @extschema@.capture_change();
CREATE TRIGGER capture_truncate AFTER TRUNCATE ON @extschema@.me
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.capture_change();
CREATE TRIGGER capture_change AFTER INSERT OR UPDATE OR DELETE ON @extschema@.target
    FOR EACH ROW EXECUTE FUNCTION @extschema@.capture_change();
CREATE TRIGGER capture_truncate AFTER TRUNCATE ON @extschema@.target
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.capture_change();
CREATE TRIGGER capture_change AFTER INSERT OR UPDATE OR DELETE ON @extschema@.sharing_rule
    FOR EACH ROW EXECUTE FUNCTION @extschema@.capture_change();
CREATE TRIGGER capture_truncate AFTER TRUNCATE ON @extschema@.sharing_rule
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.capture_change();

-- ---------------------------------------------------------------------------
-- The refresh
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.refresh(batch_size integer DEFAULT 100)
RETURNS bigint
AS 'MODULE_PATHNAME', 'wwva_refresh'
LANGUAGE C VOLATILE
SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION @extschema@.refresh(integer) IS
'Brings wwva.materialized_statement up to date with every change committed before it started: recomputes the (ME, period) pairs that changed (from their new rows where it can) and returns how many. Safe beside writers and beside itself (a second refresh waits for the first). Writes batch_size MEs at a time, with a NOTICE per batch. Needs READ COMMITTED and a role that sees every ledger row.';

-- ---------------------------------------------------------------------------
-- How fresh is it?
-- ---------------------------------------------------------------------------
CREATE VIEW @extschema@.refresh_status AS
SELECT last.finished_at AS last_refresh_at,
       last.finished_at - last.started_at AS last_duration,
       last.pairs AS last_pairs,
       (SELECT count(*) FROM @extschema@.pending_posting) AS pending_postings,
       (SELECT count(*) FROM @extschema@.pending_event) AS pending_events,
       (SELECT count(*) FROM @extschema@.pending_change) AS pending_changes,
       LEAST((SELECT min(p.logged_at) FROM @extschema@.pending_posting p),
             (SELECT min(e.logged_at) FROM @extschema@.pending_event e),
             (SELECT min(c.logged_at) FROM @extschema@.pending_change c)) AS oldest_pending_at,
       (SELECT min(a.xact_start)
          FROM pg_catalog.pg_locks l
          JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'relation'
           AND l.relation = '@extschema@.materialized_statement'::regclass
           AND l.mode = 'ShareRowExclusiveLock'
           AND l.granted) AS running_since
  FROM (SELECT) AS one
  LEFT JOIN LATERAL (SELECT r.started_at, r.finished_at, r.pairs
                       FROM @extschema@.refresh_run r
                      ORDER BY r.run_id DESC LIMIT 1) last ON true;
COMMENT ON VIEW @extschema@.refresh_status IS
'One row: the last refresh (when, how long, how many pairs), the changes waiting for the next one, and since when a refresh is running (NULL when none is).';
COMMENT ON COLUMN @extschema@.refresh_status.last_refresh_at IS 'When the last completed refresh finished.';
COMMENT ON COLUMN @extschema@.refresh_status.last_duration IS 'How long it took.';
COMMENT ON COLUMN @extschema@.refresh_status.last_pairs IS '(ME, period) pairs it recomputed.';
COMMENT ON COLUMN @extschema@.refresh_status.pending_postings IS 'Committed postings waiting for the next refresh.';
COMMENT ON COLUMN @extschema@.refresh_status.pending_events IS 'Committed events waiting for the next refresh.';
COMMENT ON COLUMN @extschema@.refresh_status.pending_changes IS 'Committed change marks waiting for the next refresh.';
COMMENT ON COLUMN @extschema@.refresh_status.oldest_pending_at IS 'When the oldest waiting change was made (its transaction''s start).';
COMMENT ON COLUMN @extschema@.refresh_status.running_since IS 'Start of the transaction of the refresh running now, if any.';

CREATE VIEW @extschema@.materialized_staleness AS
SELECT m.me_id,
       f.computed_at,
       COALESCE(p.pending, 0) AS pending,
       p.oldest_pending_at,
       COALESCE(pg_catalog.now() - p.oldest_pending_at, interval '0') AS stale_for,
       f.computed_at IS NOT NULL AND p.pending IS NULL AS up_to_date
  FROM @extschema@.me m
  LEFT JOIN (SELECT x.me_id, max(x.computed_at) AS computed_at
               FROM @extschema@.materialized_figures x
              GROUP BY x.me_id) f ON f.me_id = m.me_id
  LEFT JOIN LATERAL (
        SELECT count(*) AS pending, min(q.logged_at) AS oldest_pending_at
          FROM (SELECT pp.logged_at FROM @extschema@.pending_posting pp WHERE pp.me_id = m.me_id
                UNION ALL
                SELECT pe.logged_at FROM @extschema@.pending_event pe WHERE pe.me_id = m.me_id
                UNION ALL
                SELECT pc.logged_at FROM @extschema@.pending_change pc
                 WHERE pc.me_id = m.me_id OR pc.me_id IS NULL) q
        HAVING count(*) > 0) p ON true;
COMMENT ON VIEW @extschema@.materialized_staleness IS
'Per ME: when its materialized statement was last computed, how many committed changes wait for the next wwva.refresh(), and how long the oldest has waited.';
COMMENT ON COLUMN @extschema@.materialized_staleness.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.materialized_staleness.computed_at IS 'Latest computation of any of its pairs; NULL before the first refresh.';
COMMENT ON COLUMN @extschema@.materialized_staleness.pending IS 'Committed changes (postings, events, marks) not yet refreshed.';
COMMENT ON COLUMN @extschema@.materialized_staleness.oldest_pending_at IS 'When the oldest of them was made.';
COMMENT ON COLUMN @extschema@.materialized_staleness.stale_for IS 'now() - oldest_pending_at; 0 when nothing waits.';
COMMENT ON COLUMN @extschema@.materialized_staleness.up_to_date IS 'Computed, and nothing waits.';

-- source: sql/finish.sql
-- ===========================================================================
-- Run last by every install and upgrade script.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- Views run with the privileges and row-level security of the querying
-- analyst (PostgreSQL 15 and later; earlier servers have no such option).
-- ---------------------------------------------------------------------------
DO $$
DECLARE
    v regclass;
BEGIN
    IF pg_catalog.current_setting('server_version_num')::integer >= 150000 THEN
        FOR v IN
            SELECT c.oid::regclass
              FROM pg_catalog.pg_class c
             WHERE c.relnamespace = '@extschema@'::regnamespace AND c.relkind = 'v'
        LOOP
            EXECUTE pg_catalog.format('ALTER VIEW %s SET (security_invoker = true)', v);
        END LOOP;
    END IF;
END
$$;
