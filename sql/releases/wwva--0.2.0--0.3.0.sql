-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION wwva UPDATE TO '0.3.0'" to load this file. \quit

-- source: sql/calendar.sql
-- ===========================================================================
-- The calendar and the per-ME aggregates (0.3.0).
--
-- A wwva.calendar value carries the periods and every ME's settings and
-- time zone.  Given once per query as (SELECT wwva.current_calendar()), it
-- lets one aggregate over a whole ledger table assign every row to its ME
-- and period in C: no join to wwva.me, no time zone conversion through SQL
-- and no hashing of ME ids by the executor per row.  The aggregates work
-- the same with GROUP BY me_id, which is how a sharded ledger runs them
-- shard by shard.
-- ===========================================================================

CREATE DOMAIN @extschema@.calendar AS bytea;
COMMENT ON DOMAIN @extschema@.calendar IS
'Periods and ME settings (N, K, time zone) in one value, as built by wwva.current_calendar(); the per-ME aggregates read it. Its contents carry their own hash, so a value not built by wwva.make_calendar() is refused.';

CREATE FUNCTION @extschema@.make_calendar(me_ids text[], timezones text[],
                                          min_transactions integer[], lifetime_periods integer[],
                                          starts date[], ends date[])
RETURNS @extschema@.calendar
AS 'MODULE_PATHNAME', 'wwva_make_calendar'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.make_calendar(text[], text[], integer[], integer[], date[], date[]) IS
'A wwva.calendar from one entry per ME (id, time zone, N, K) and the periods'' boundaries sorted by start; refuses NULLs, mismatched arrays, duplicate MEs, out-of-range settings and overlapping periods.';

CREATE FUNCTION @extschema@.current_calendar()
RETURNS @extschema@.calendar
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
SELECT @extschema@.make_calendar(
           COALESCE((SELECT pg_catalog.array_agg(m.me_id ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           COALESCE((SELECT pg_catalog.array_agg(m.timezone ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           COALESCE((SELECT pg_catalog.array_agg(m.active_min_transactions ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           COALESCE((SELECT pg_catalog.array_agg(m.lifetime_periods ORDER BY m.me_id) FROM @extschema@.me m), '{}'),
           b.starts, b.ends)
  FROM @extschema@.period_bounds b
$$;
COMMENT ON FUNCTION @extschema@.current_calendar() IS
'The calendar of wwva.me and wwva.period as they are now: pass it as (SELECT wwva.current_calendar()) so it is built once per query.';

CREATE FUNCTION @extschema@.event_period(me_id text, occurred_at timestamptz,
                                         calendar @extschema@.calendar)
RETURNS integer
AS 'MODULE_PATHNAME', 'wwva_event_period'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.event_period(text, timestamptz, @extschema@.calendar) IS
'1-based period (wwva.period_calendar.period_no) holding the event''s date in its ME''s time zone, (occurred_at AT TIME ZONE timezone)::date, or NULL when none does.';

-- ---------------------------------------------------------------------------
-- Section 1 for every ME and period in one pass
-- ---------------------------------------------------------------------------
CREATE TYPE @extschema@.me_user_resource_counts AS (
    me_id             text,
    period_no         integer,
    interactive_users bigint,
    active_users      bigint,
    lifetime_users    bigint,
    user_makers       bigint
);
COMMENT ON TYPE @extschema@.me_user_resource_counts IS
'One ME and period of the per-ME wwva.user_resource_counts aggregate: the section 1 counts.';

CREATE FUNCTION @extschema@.me_user_counts_transition(internal, text, bigint, text, timestamptz,
                                                      @extschema@.calendar)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_me_user_counts_transition'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.me_user_counts_final(internal)
RETURNS @extschema@.me_user_resource_counts[] AS 'MODULE_PATHNAME', 'wwva_me_user_counts_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.user_resource_counts(
    me_id text, user_id bigint, kind text, occurred_at timestamptz,
    calendar @extschema@.calendar) (
    SFUNC = @extschema@.me_user_counts_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = @extschema@.user_counts_combine,
    SERIALFUNC = @extschema@.user_counts_serialize,
    DESERIALFUNC = @extschema@.user_counts_deserialize,
    FINALFUNC = @extschema@.me_user_counts_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.user_resource_counts(text, bigint, text, timestamptz, @extschema@.calendar) IS
'Section 1 for every ME and period in one pass over user events: exact distinct interactive and active users, lifetime users and user-maker events, each event assigned by its date in its ME''s time zone. Works over a whole table or grouped by me_id; parallel and partial-aggregation safe. Returns wwva.me_user_resource_counts[] for the pairs with events.';
COMMENT ON FUNCTION @extschema@.me_user_counts_transition(internal, text, bigint, text, timestamptz, @extschema@.calendar) IS 'Support function of the per-ME wwva.user_resource_counts aggregate.';
COMMENT ON FUNCTION @extschema@.me_user_counts_final(internal) IS 'Support function of the per-ME wwva.user_resource_counts aggregate.';

-- ---------------------------------------------------------------------------
-- All money sums for every ME and period in one pass
-- ---------------------------------------------------------------------------
CREATE TYPE @extschema@.me_ledger_totals AS (
    me_id                   text,
    period_no               integer,
    hardware_revenue        numeric,
    hardware_cost           numeric,
    hardware_variable_cost  numeric,
    ecosystem_revenue       numeric,
    ecosystem_cost          numeric,
    ecosystem_variable_cost numeric
);
COMMENT ON TYPE @extschema@.me_ledger_totals IS
'One ME and period of the per-ME wwva.ledger_totals aggregate: revenue and cost per stream, and the variable part of each stream''s cost.';

CREATE FUNCTION @extschema@.me_ledger_totals_transition(internal, text, date, text, text, text,
                                                        numeric, @extschema@.calendar)
RETURNS internal AS 'MODULE_PATHNAME', 'wwva_me_ledger_totals_transition'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.me_ledger_totals_final(internal)
RETURNS @extschema@.me_ledger_totals[] AS 'MODULE_PATHNAME', 'wwva_me_ledger_totals_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.ledger_totals(
    me_id text, booked_on date, stream text, kind text, behavior text, amount numeric,
    calendar @extschema@.calendar) (
    SFUNC = @extschema@.me_ledger_totals_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = @extschema@.ledger_totals_combine,
    SERIALFUNC = @extschema@.ledger_totals_serialize,
    DESERIALFUNC = @extschema@.ledger_totals_deserialize,
    FINALFUNC = @extschema@.me_ledger_totals_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ledger_totals(text, date, text, text, text, numeric, @extschema@.calendar) IS
'Exact money sums for every ME and period in one pass over ledger postings, by stream, kind and cost behaviour. Works over a whole table or grouped by me_id; parallel and partial-aggregation safe. Returns wwva.me_ledger_totals[] for the pairs with postings.';
COMMENT ON FUNCTION @extschema@.me_ledger_totals_transition(internal, text, date, text, text, text, numeric, @extschema@.calendar) IS 'Support function of the per-ME wwva.ledger_totals aggregate.';
COMMENT ON FUNCTION @extschema@.me_ledger_totals_final(internal) IS 'Support function of the per-ME wwva.ledger_totals aggregate.';

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
-- Every ME x every period, with sections 2 and 3 and the money of section 4
-- ---------------------------------------------------------------------------
CREATE OR REPLACE VIEW @extschema@.profit_figures AS
SELECT q.*,
       q.users_share + q.investors_share + q.team_share AS total_sharing
  FROM (
        SELECT g.me_id,
               g.period_id,
               g.period_no,
               g.currency,
               g.hardware_revenue,
               g.ecosystem_revenue,
               g.hardware_revenue + g.ecosystem_revenue AS total_revenue,
               g.hardware_cost,
               g.hardware_variable_cost,
               g.ecosystem_cost,
               g.ecosystem_variable_cost,
               g.hardware_cost + g.ecosystem_cost AS total_cost,
               g.hardware_revenue - g.hardware_cost AS hardware_profit,
               g.ecosystem_revenue - g.ecosystem_cost AS ecosystem_profit,
               (g.hardware_revenue - g.hardware_cost) + (g.ecosystem_revenue - g.ecosystem_cost) AS total_profit,
               @extschema@.rule_share(ru, g.hardware_revenue - g.hardware_cost,
                                      g.ecosystem_revenue - g.ecosystem_cost, tp.value) AS users_share,
               @extschema@.rule_share(ri, g.hardware_revenue - g.hardware_cost,
                                      g.ecosystem_revenue - g.ecosystem_cost, tp.value) AS investors_share,
               @extschema@.rule_share(rt, g.hardware_revenue - g.hardware_cost,
                                      g.ecosystem_revenue - g.ecosystem_cost, tp.value) AS team_share
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
                  LEFT JOIN @extschema@.money_figures f
                         ON f.me_id = m.me_id AND f.period_no = c.period_no) g
          LEFT JOIN @extschema@.sharing_rule ru ON ru.me_id = g.me_id AND ru.party = 'users'
          LEFT JOIN @extschema@.sharing_rule ri ON ri.me_id = g.me_id AND ri.party = 'investors'
          LEFT JOIN @extschema@.sharing_rule rt ON rt.me_id = g.me_id AND rt.party = 'team'
          LEFT JOIN @extschema@.target tp
                 ON tp.me_id = g.me_id AND tp.period_id = g.period_id AND tp.item = 'total_profit') q;
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
SELECT p.me_id,
       p.period_id,
       p.period_no,
       p.currency,
       COALESCE(u.interactive_users, 0) AS interactive_users,
       COALESCE(u.active_users, 0) AS active_users,
       COALESCE(u.lifetime_users, 0) AS lifetime_users,
       COALESCE(u.user_makers, 0) AS user_makers,
       p.hardware_profit,
       p.ecosystem_profit,
       p.total_profit,
       p.users_share,
       p.investors_share,
       p.team_share,
       p.total_sharing,
       p.hardware_revenue,
       p.ecosystem_revenue,
       p.total_revenue,
       p.hardware_cost,
       p.hardware_variable_cost,
       p.ecosystem_cost,
       p.ecosystem_variable_cost,
       p.total_cost,
       @extschema@.marginal_cost(p.hardware_variable_cost, COALESCE(u.active_users, 0))
           AS hardware_marginal_cost,
       @extschema@.marginal_cost(p.ecosystem_variable_cost, COALESCE(u.active_users, 0))
           AS ecosystem_marginal_cost,
       @extschema@.marginal_income(p.hardware_revenue, p.hardware_variable_cost, COALESCE(u.active_users, 0))
           AS hardware_marginal_income,
       @extschema@.marginal_income(p.ecosystem_revenue, p.ecosystem_variable_cost, COALESCE(u.active_users, 0))
           AS ecosystem_marginal_income,
       -- 5c = 5a + 5b, as one exact division so repeating decimals are not rounded twice
       @extschema@.marginal_income(p.total_revenue, p.hardware_variable_cost + p.ecosystem_variable_cost,
                                   COALESCE(u.active_users, 0))
           AS total_marginal_income
  FROM @extschema@.profit_figures p
  LEFT JOIN @extschema@.user_figures u
         ON u.me_id = p.me_id AND u.period_no = p.period_no;
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

-- source: sql/section2_value_added_sharing.sql
-- ===========================================================================
-- Section 2: sharing of profits (value added and who gets it)
-- ===========================================================================
CREATE OR REPLACE VIEW @extschema@.value_added_sharing AS
SELECT p.me_id,
       p.period_id,
       p.hardware_profit,
       p.ecosystem_profit,
       p.total_profit,
       p.users_share,
       p.investors_share,
       p.team_share,
       p.total_sharing
  FROM @extschema@.profit_figures p;
COMMENT ON VIEW @extschema@.value_added_sharing IS
'WWVA section 2, sharing of profits: one row per ME per period, amounts in the ME''s currency unit. Shares follow wwva.sharing_rule.';
COMMENT ON COLUMN @extschema@.value_added_sharing.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.value_added_sharing.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.value_added_sharing.hardware_profit IS '2a: hardware revenue - hardware cost (3a - 4a).';
COMMENT ON COLUMN @extschema@.value_added_sharing.ecosystem_profit IS '2b: ecosystem revenue - ecosystem cost (3b - 4b).';
COMMENT ON COLUMN @extschema@.value_added_sharing.total_profit IS '2c: 2a + 2b.';
COMMENT ON COLUMN @extschema@.value_added_sharing.users_share IS
'2d: to ecosystem active users, by the ME''s ''users'' sharing rule; 0 without a rule or when the base is <= 0; NULL for an excess rule without a total_profit target.';
COMMENT ON COLUMN @extschema@.value_added_sharing.investors_share IS
'2e: to capital investors, by the ''investors'' sharing rule.';
COMMENT ON COLUMN @extschema@.value_added_sharing.team_share IS
'2f: to the ME team, by the ''team'' sharing rule.';
COMMENT ON COLUMN @extschema@.value_added_sharing.total_sharing IS '2g: 2d + 2e + 2f.';

-- source: sql/required_keys.sql
-- ===========================================================================
-- Keys PostgreSQL would otherwise refuse without a hint (0.3.0): a NULL ME
-- id, and an EMC whose leader is missing or not an ME.  The NOT NULL and
-- foreign key constraints stay; these triggers answer first, with the row
-- named and the fix.
-- ===========================================================================
CREATE FUNCTION @extschema@.me_id_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.me_id IS NULL THEN
        RAISE EXCEPTION 'an ME (name "%") has no me_id', NEW.name
            USING ERRCODE = 'not_null_violation',
                  HINT = 'Give every ME a non-empty id, such as ''xinchu''.';
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION @extschema@.me_id_check() IS
'Trigger: rejects a wwva.me row without an me_id, with a hint.';
CREATE TRIGGER me_id_check BEFORE INSERT OR UPDATE ON @extschema@.me
    FOR EACH ROW EXECUTE FUNCTION @extschema@.me_id_check();

CREATE FUNCTION @extschema@.emc_leader_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.leader_me_id IS NULL
       OR NOT EXISTS (SELECT FROM @extschema@.me m WHERE m.me_id OPERATOR(pg_catalog.=) NEW.leader_me_id) THEN
        RAISE EXCEPTION 'EMC "%" has leader "%", which is not an ME', NEW.emc_id, NEW.leader_me_id
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'The leader is the ME that leads the EMC: add it to wwva.me first.';
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION @extschema@.emc_leader_check() IS
'Trigger: rejects a wwva.emc row whose leader is missing or not in wwva.me, with a hint.';
CREATE TRIGGER emc_leader_check BEFORE INSERT OR UPDATE ON @extschema@.emc
    FOR EACH ROW EXECUTE FUNCTION @extschema@.emc_leader_check();

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
