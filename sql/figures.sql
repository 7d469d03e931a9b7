-- ===========================================================================
-- The statement's arithmetic: every figure of one ME x period from its
-- sums (sql/ledger_totals.sql) and counts (sql/user_resources.sql), and the
-- wide views the section views and the statements read.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- Every statement figure of one ME x period: the one place the statement's
-- arithmetic lives
-- ---------------------------------------------------------------------------
-- One expression of the pair's inputs, so the planner inlines it into the
-- views that call it: they stay relational, a filter on them reaches the
-- ledgers, and each column becomes an expression of its own.
CREATE TYPE @extschema@.pair_figures AS (
    interactive_users bigint,
    active_users bigint,
    lifetime_users bigint,
    user_makers bigint,
    hardware_profit numeric,
    ecosystem_profit numeric,
    total_profit numeric,
    users_share numeric,
    investors_share numeric,
    team_share numeric,
    total_sharing numeric,
    hardware_revenue numeric,
    ecosystem_revenue numeric,
    total_revenue numeric,
    hardware_cost numeric,
    hardware_variable_cost numeric,
    ecosystem_cost numeric,
    ecosystem_variable_cost numeric,
    total_cost numeric,
    hardware_marginal_cost numeric,
    ecosystem_marginal_cost numeric,
    hardware_marginal_income numeric,
    ecosystem_marginal_income numeric,
    total_marginal_income numeric
);
COMMENT ON TYPE @extschema@.pair_figures IS
'Every line of the statement of one ME and period, in Table 2 order: what wwva.pair_figures() returns.';

CREATE FUNCTION @extschema@.pair_figures(
    hardware_revenue numeric, hardware_cost numeric, hardware_variable_cost numeric,
    ecosystem_revenue numeric, ecosystem_cost numeric, ecosystem_variable_cost numeric,
    interactive_users bigint, active_users bigint, lifetime_users bigint, user_makers bigint,
    minor_unit integer,
    users_base text, users_rate numeric, users_floor numeric, users_cap numeric,
    investors_base text, investors_rate numeric, investors_floor numeric, investors_cap numeric,
    team_base text, team_rate numeric, team_floor numeric, team_cap numeric,
    total_profit_target numeric)
RETURNS @extschema@.pair_figures
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
SELECT ROW(
    COALESCE(interactive_users, 0),
    COALESCE(active_users, 0),
    COALESCE(lifetime_users, 0),
    COALESCE(user_makers, 0),
    -- 2a, 2b, 2c
    COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(hardware_cost, 0),
    COALESCE(ecosystem_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(ecosystem_cost, 0),
    (COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.+) COALESCE(ecosystem_revenue, 0))
        OPERATOR(pg_catalog.-) (COALESCE(hardware_cost, 0) OPERATOR(pg_catalog.+) COALESCE(ecosystem_cost, 0)),
    -- 2d, 2e, 2f at the currency's minor unit, and 2g their sum
    @extschema@.sharing_payout(users_base, users_rate, users_floor, users_cap,
        COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(hardware_cost, 0),
        COALESCE(ecosystem_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(ecosystem_cost, 0),
        total_profit_target, minor_unit),
    @extschema@.sharing_payout(investors_base, investors_rate, investors_floor, investors_cap,
        COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(hardware_cost, 0),
        COALESCE(ecosystem_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(ecosystem_cost, 0),
        total_profit_target, minor_unit),
    @extschema@.sharing_payout(team_base, team_rate, team_floor, team_cap,
        COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(hardware_cost, 0),
        COALESCE(ecosystem_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(ecosystem_cost, 0),
        total_profit_target, minor_unit),
    @extschema@.sharing_payout(users_base, users_rate, users_floor, users_cap,
        COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(hardware_cost, 0),
        COALESCE(ecosystem_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(ecosystem_cost, 0),
        total_profit_target, minor_unit)
    OPERATOR(pg_catalog.+) @extschema@.sharing_payout(investors_base, investors_rate, investors_floor, investors_cap,
        COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(hardware_cost, 0),
        COALESCE(ecosystem_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(ecosystem_cost, 0),
        total_profit_target, minor_unit)
    OPERATOR(pg_catalog.+) @extschema@.sharing_payout(team_base, team_rate, team_floor, team_cap,
        COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(hardware_cost, 0),
        COALESCE(ecosystem_revenue, 0) OPERATOR(pg_catalog.-) COALESCE(ecosystem_cost, 0),
        total_profit_target, minor_unit),
    -- 3a, 3b, 3c
    COALESCE(hardware_revenue, 0),
    COALESCE(ecosystem_revenue, 0),
    COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.+) COALESCE(ecosystem_revenue, 0),
    -- 4a, 4a_var, 4b, 4b_var, 4_total
    COALESCE(hardware_cost, 0),
    COALESCE(hardware_variable_cost, 0),
    COALESCE(ecosystem_cost, 0),
    COALESCE(ecosystem_variable_cost, 0),
    COALESCE(hardware_cost, 0) OPERATOR(pg_catalog.+) COALESCE(ecosystem_cost, 0),
    -- 4c, 4d, 5a, 5b per active user
    @extschema@.marginal_cost(COALESCE(hardware_variable_cost, 0), COALESCE(active_users, 0)),
    @extschema@.marginal_cost(COALESCE(ecosystem_variable_cost, 0), COALESCE(active_users, 0)),
    @extschema@.marginal_income(COALESCE(hardware_revenue, 0), COALESCE(hardware_variable_cost, 0),
                                COALESCE(active_users, 0)),
    @extschema@.marginal_income(COALESCE(ecosystem_revenue, 0), COALESCE(ecosystem_variable_cost, 0),
                                COALESCE(active_users, 0)),
    -- 5c = 5a + 5b, as one exact division so repeating decimals are not rounded twice
    @extschema@.marginal_income(COALESCE(hardware_revenue, 0) OPERATOR(pg_catalog.+) COALESCE(ecosystem_revenue, 0),
                                COALESCE(hardware_variable_cost, 0) OPERATOR(pg_catalog.+) COALESCE(ecosystem_variable_cost, 0),
                                COALESCE(active_users, 0))
)::@extschema@.pair_figures
$$;
COMMENT ON FUNCTION @extschema@.pair_figures(numeric, numeric, numeric, numeric, numeric, numeric, bigint, bigint, bigint, bigint, integer, text, numeric, numeric, numeric, text, numeric, numeric, numeric, text, numeric, numeric, numeric, numeric) IS
'Every line of one ME and period (wwva.pair_figures) from its six money sums and four section 1 counts (NULL counts as 0), its currency''s minor unit (NULL: payouts stay exact), the base, rate, floor and cap of its users'', investors'' and team''s sharing rules (a NULL base: no rule) and its total_profit target.';

-- ---------------------------------------------------------------------------
-- Every statement figure of every ME x period, from per-pair sums and counts
-- ---------------------------------------------------------------------------
-- What wwva.refresh() computes the lines of its stored sums and counts with.
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
SELECT m.me_id, c.target_period_id, c.span_no, m.currency, (x.f).*
  FROM @extschema@.me m
 CROSS JOIN (SELECT pc.period_no AS span_no, pc.period_id AS target_period_id, false AS to_date
               FROM @extschema@.period_calendar pc
             UNION ALL
             SELECT ts.span_no, ts.to_date_of, true
               FROM @extschema@.to_date_spans ts) c
  LEFT JOIN @extschema@.currency cu ON cu.code = m.currency
  LEFT JOIN @extschema@.sharing_rule ru ON ru.me_id = m.me_id AND ru.party = 'users'
  LEFT JOIN @extschema@.sharing_rule ri ON ri.me_id = m.me_id AND ri.party = 'investors'
  LEFT JOIN @extschema@.sharing_rule rt ON rt.me_id = m.me_id AND rt.party = 'team'
  LEFT JOIN @extschema@.target tp
         ON tp.me_id = m.me_id AND tp.period_id = c.target_period_id AND tp.item = 'total_profit'
  LEFT JOIN pg_catalog.unnest(money) f ON f.me_id = m.me_id AND f.period_no = c.span_no
  LEFT JOIN pg_catalog.unnest(users) u ON u.me_id = m.me_id AND u.period_no = c.span_no
 CROSS JOIN LATERAL (
        SELECT @extschema@.pair_figures(
                   f.hardware_revenue, f.hardware_cost, f.hardware_variable_cost,
                   f.ecosystem_revenue, f.ecosystem_cost, f.ecosystem_variable_cost,
                   u.interactive_users, u.active_users, u.lifetime_users, u.user_makers,
                   cu.minor_unit, ru.base, ru.rate, ru.floor, ru.cap, ri.base, ri.rate, ri.floor, ri.cap,
                   rt.base, rt.rate, rt.floor, rt.cap, tp.value) AS f) x
 WHERE (me_ids IS NULL AND NOT c.to_date)
    OR (m.me_id, c.span_no) IN (SELECT * FROM ROWS FROM (pg_catalog.unnest(me_ids), pg_catalog.unnest(period_nos)))
$$;
COMMENT ON FUNCTION @extschema@.figures_of(@extschema@.me_ledger_totals[], @extschema@.me_user_resource_counts[], text[], integer[]) IS
'Every statement figure (the columns of wwva.figures) for each ME x period, from its money sums and section 1 counts (pairs missing from the arrays count as 0); only the pairs (me_ids[i], period_nos[i]) when me_ids is not NULL, where a period_no may also be the span_no of a to-date span (its period_id is then the period whose targets apply).';

-- ---------------------------------------------------------------------------
-- What each ME's figures need besides its sums and counts
-- ---------------------------------------------------------------------------
-- The ME with its currency's minor unit and its sharing rules as columns.
CREATE VIEW wwva_internal.me_frame AS
SELECT m.me_id,
       m.currency,
       cu.minor_unit,
       ru.base AS users_base, ru.rate AS users_rate, ru.floor AS users_floor, ru.cap AS users_cap,
       ri.base AS investors_base, ri.rate AS investors_rate, ri.floor AS investors_floor,
       ri.cap AS investors_cap,
       rt.base AS team_base, rt.rate AS team_rate, rt.floor AS team_floor, rt.cap AS team_cap
  FROM @extschema@.me m
  LEFT JOIN @extschema@.currency cu ON cu.code = m.currency
  LEFT JOIN @extschema@.sharing_rule ru ON ru.me_id = m.me_id AND ru.party = 'users'
  LEFT JOIN @extschema@.sharing_rule ri ON ri.me_id = m.me_id AND ri.party = 'investors'
  LEFT JOIN @extschema@.sharing_rule rt ON rt.me_id = m.me_id AND rt.party = 'team';
COMMENT ON VIEW wwva_internal.me_frame IS
'Every ME with its currency''s minor unit and its three sharing rules as columns: the inputs of wwva.pair_figures() that are the ME''s own.';

-- ---------------------------------------------------------------------------
-- Every ME x every period, with sections 2 and 3 and the money of section 4
-- ---------------------------------------------------------------------------
-- Relational, so that a filter on me_id reaches the ledgers' scan: the
-- ME's sums (one row per ME) join it on me_id, and the planner carries the
-- ME to the grouped pass over wwva.ledger.  The periods come after, per
-- ME (LATERAL), each taking its row out of the ME's matrix once, so the
-- pass over the ledger runs once whatever the plan.  No user counts: the
-- sections that read this view do not pass over wwva.user_event.
CREATE VIEW wwva_internal.profit_figures AS
SELECT p.me_id,
       s.period_id,
       s.period_no,
       p.currency,
       (x.f).hardware_revenue,
       (x.f).ecosystem_revenue,
       (x.f).total_revenue,
       (x.f).hardware_cost,
       (x.f).hardware_variable_cost,
       (x.f).ecosystem_cost,
       (x.f).ecosystem_variable_cost,
       (x.f).total_cost,
       (x.f).hardware_profit,
       (x.f).ecosystem_profit,
       (x.f).total_profit,
       (x.f).users_share,
       (x.f).investors_share,
       (x.f).team_share,
       (x.f).total_sharing,
       s.starts_on,
       s.ends_on,
       s.calendar
  FROM wwva_internal.me_frame p
  LEFT JOIN wwva_internal.me_money g ON g.me_id = p.me_id
 CROSS JOIN LATERAL (
        SELECT c.period_id, c.period_no, c.starts_on, c.ends_on, c.calendar,
               wwva_internal.matrix_row(g.totals, c.period_no) AS money
          FROM @extschema@.period_calendar c OFFSET 0) s
  LEFT JOIN @extschema@.target tp
         ON tp.me_id = p.me_id AND tp.period_id = s.period_id AND tp.item = 'total_profit'
 CROSS JOIN LATERAL (
        SELECT @extschema@.pair_figures(
                   s.money[2], s.money[3], s.money[4], s.money[5], s.money[6], s.money[7],
                   NULL, NULL, NULL, NULL, p.minor_unit,
                   p.users_base, p.users_rate, p.users_floor, p.users_cap,
                   p.investors_base, p.investors_rate, p.investors_floor, p.investors_cap,
                   p.team_base, p.team_rate, p.team_floor, p.team_cap,
                   tp.value) AS f) x;
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
SELECT p.me_id,
       s.period_id,
       s.period_no,
       p.currency,
       (x.f).*,
       s.starts_on,
       s.ends_on,
       s.calendar
  FROM wwva_internal.me_frame p
  LEFT JOIN wwva_internal.me_money g ON g.me_id = p.me_id
  LEFT JOIN wwva_internal.me_users u ON u.me_id = p.me_id
 CROSS JOIN LATERAL (
        SELECT c.period_id, c.period_no, c.starts_on, c.ends_on, c.calendar,
               wwva_internal.matrix_row(g.totals, c.period_no) AS money,
               wwva_internal.matrix_row(u.counts, c.period_no) AS counts
          FROM @extschema@.period_calendar c OFFSET 0) s
  LEFT JOIN @extschema@.target tp
         ON tp.me_id = p.me_id AND tp.period_id = s.period_id AND tp.item = 'total_profit'
 CROSS JOIN LATERAL (
        SELECT @extschema@.pair_figures(
                   s.money[2], s.money[3], s.money[4], s.money[5], s.money[6], s.money[7],
                   s.counts[2], s.counts[3], s.counts[4], s.counts[5], p.minor_unit,
                   p.users_base, p.users_rate, p.users_floor, p.users_cap,
                   p.investors_base, p.investors_rate, p.investors_floor, p.investors_cap,
                   p.team_base, p.team_rate, p.team_floor, p.team_cap,
                   tp.value) AS f) x;
COMMENT ON VIEW @extschema@.figures IS
'Every statement line as a column, one row per ME x period: one pass over wwva.ledger and one over wwva.user_event, restricted to the MEs a filter on me_id names. The section views and wwva.statement read it.';
COMMENT ON COLUMN @extschema@.figures.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.figures.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.figures.period_no IS 'Period position.';
COMMENT ON COLUMN @extschema@.figures.currency IS 'Currency unit of the ME''s amounts.';
COMMENT ON COLUMN @extschema@.figures.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.figures.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';
COMMENT ON COLUMN @extschema@.figures.calendar IS 'Calendar of the period.';
-- The line columns' comments are written from wwva.statement_line (sql/statement.sql);
-- the columns after currency are its lines, in line_no order, then the period's dates and calendar.

-- ---------------------------------------------------------------------------
-- Every ME x every to-date span
-- ---------------------------------------------------------------------------
-- The passes of wwva_internal.me_money and me_users with the to-date
-- calendar (sql/calendar.sql): their period numbers are span numbers.
CREATE VIEW wwva_internal.to_date_me_money AS
SELECT l.me_id,
       @extschema@.ledger_totals_by_period(l.me_id, l.booked_on, l.stream, l.kind,
                                           l.behavior, l.amount,
                                           (SELECT c.calendar FROM wwva_internal.to_date_calendar c)) AS totals
  FROM @extschema@.ledger l
 GROUP BY l.me_id;
COMMENT ON VIEW wwva_internal.to_date_me_money IS
'Per ME with postings, the money sums of its to-date spans (by span_no) as a matrix, from one pass over wwva.ledger grouped by ME.';

CREATE VIEW wwva_internal.to_date_me_users AS
SELECT e.me_id,
       @extschema@.user_resource_counts_by_period(e.me_id, e.user_id, e.kind, e.occurred_at,
                                                  (SELECT c.calendar FROM wwva_internal.to_date_calendar c)) AS counts
  FROM @extschema@.user_event e
 GROUP BY e.me_id;
COMMENT ON VIEW wwva_internal.to_date_me_users IS
'Per ME with events, the section 1 counts of its to-date spans (by span_no) as a matrix, from one pass over wwva.user_event grouped by ME.';

-- As wwva.figures, over the to-date spans: period_id is the period the
-- span is held against (Y), period_no its span_no.
CREATE VIEW wwva_internal.to_date_figures AS
SELECT p.me_id,
       s.period_id,
       s.period_no,
       p.currency,
       (x.f).*
  FROM wwva_internal.me_frame p
  LEFT JOIN wwva_internal.to_date_me_money g ON g.me_id = p.me_id
  LEFT JOIN wwva_internal.to_date_me_users u ON u.me_id = p.me_id
 CROSS JOIN LATERAL (
        SELECT t.to_date_of AS period_id, t.span_no AS period_no,
               wwva_internal.matrix_row(g.totals, t.span_no) AS money,
               wwva_internal.matrix_row(u.counts, t.span_no) AS counts
          FROM @extschema@.to_date_spans t OFFSET 0) s
  LEFT JOIN @extschema@.target tp
         ON tp.me_id = p.me_id AND tp.period_id = s.period_id AND tp.item = 'total_profit'
 CROSS JOIN LATERAL (
        SELECT @extschema@.pair_figures(
                   s.money[2], s.money[3], s.money[4], s.money[5], s.money[6], s.money[7],
                   s.counts[2], s.counts[3], s.counts[4], s.counts[5], p.minor_unit,
                   p.users_base, p.users_rate, p.users_floor, p.users_cap,
                   p.investors_base, p.investors_rate, p.investors_floor, p.investors_cap,
                   p.team_base, p.team_rate, p.team_floor, p.team_cap,
                   tp.value) AS f) x;
COMMENT ON VIEW wwva_internal.to_date_figures IS
'Every ME x to-date span: the columns of wwva.figures, period_id being the longer period the span states (whose targets apply) and period_no the span_no.';
