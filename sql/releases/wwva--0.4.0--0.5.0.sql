-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION wwva UPDATE TO '0.5.0'" to load this file. \quit

-- source: sql/upgrade_partition_ledgers.sql
-- ===========================================================================
-- Upgrade to 0.5.0 only: wwva.ledger and wwva.user_event become tables
-- partitioned by me_id, and the tables they were, rows and all, become
-- their DEFAULT partitions.  No row is copied or rewritten.
--
-- Privileges, row-level security and policies are copied to the new
-- parents, where analysts' queries now meet them; the partitions keep
-- theirs as well.  The views over the tables are re-created after this
-- (sql/figures.sql), so they read the parents.
-- ===========================================================================

-- The row checks and capture triggers are re-created on the parents,
-- which clone the row checks onto every partition.
DROP TRIGGER ledger_check ON @extschema@.ledger;
DROP TRIGGER capture_insert ON @extschema@.ledger;
DROP TRIGGER capture_update ON @extschema@.ledger;
DROP TRIGGER capture_delete ON @extschema@.ledger;
DROP TRIGGER capture_truncate ON @extschema@.ledger;
DROP TRIGGER user_event_check ON @extschema@.user_event;
DROP TRIGGER capture_insert ON @extschema@.user_event;
DROP TRIGGER capture_update ON @extschema@.user_event;
DROP TRIGGER capture_delete ON @extschema@.user_event;
DROP TRIGGER capture_truncate ON @extschema@.user_event;

-- Names as a fresh install gives them.
ALTER TABLE @extschema@.ledger RENAME TO ledger_default;
ALTER TABLE @extschema@.ledger_default RENAME CONSTRAINT ledger_pkey TO ledger_default_pkey;
ALTER TABLE @extschema@.ledger_default RENAME CONSTRAINT ledger_me_id_fkey TO ledger_default_me_id_fkey;
ALTER INDEX @extschema@.ledger_me_booked_on_idx RENAME TO ledger_default_me_id_booked_on_idx;
ALTER SEQUENCE @extschema@.ledger_entry_id_seq RENAME TO ledger_default_entry_id_seq;
ALTER TABLE @extschema@.user_event RENAME TO user_event_default;
ALTER TABLE @extschema@.user_event_default RENAME CONSTRAINT user_event_pkey TO user_event_default_pkey;
ALTER INDEX @extschema@.user_event_me_occurred_at_idx RENAME TO user_event_default_me_id_occurred_at_idx;
ALTER SEQUENCE @extschema@.user_event_event_id_seq RENAME TO user_event_default_event_id_seq;

-- The parents: the same columns, NOT NULLs, checks and identity (their
-- comments come from sql/ledger_comments.sql).
CREATE TABLE @extschema@.ledger
    (LIKE @extschema@.ledger_default INCLUDING CONSTRAINTS INCLUDING IDENTITY)
    PARTITION BY LIST (me_id);
CREATE TABLE @extschema@.user_event
    (LIKE @extschema@.user_event_default INCLUDING CONSTRAINTS INCLUDING IDENTITY)
    PARTITION BY LIST (me_id);

-- Ids go on from where they were; the parents' sequences number new rows.
SELECT pg_catalog.setval('@extschema@.ledger_entry_id_seq', s.last_value, s.is_called)
  FROM @extschema@.ledger_default_entry_id_seq s;
SELECT pg_catalog.setval('@extschema@.user_event_event_id_seq', s.last_value, s.is_called)
  FROM @extschema@.user_event_default_event_id_seq s;
ALTER TABLE @extschema@.ledger_default ALTER COLUMN entry_id DROP IDENTITY;
ALTER TABLE @extschema@.user_event_default ALTER COLUMN event_id DROP IDENTITY;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.ledger_entry_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.user_event_event_id_seq', '');

ALTER TABLE @extschema@.ledger ATTACH PARTITION @extschema@.ledger_default DEFAULT;
ALTER TABLE @extschema@.user_event ATTACH PARTITION @extschema@.user_event_default DEFAULT;
-- These adopt the partitions' existing indexes rather than build new ones.
CREATE INDEX ledger_me_booked_on_idx ON @extschema@.ledger (me_id, booked_on);
CREATE INDEX user_event_me_occurred_at_idx ON @extschema@.user_event (me_id, occurred_at);

CREATE TRIGGER ledger_check BEFORE INSERT OR UPDATE ON @extschema@.ledger
    FOR EACH ROW EXECUTE FUNCTION @extschema@.ledger_check();
CREATE TRIGGER user_event_check BEFORE INSERT OR UPDATE ON @extschema@.user_event
    FOR EACH ROW EXECUTE FUNCTION @extschema@.user_event_check();

-- What guarded the old tables now guards the parents.
DO $$
DECLARE
    moved record;
    acl record;
    pol record;
BEGIN
    FOR moved IN
        SELECT o.oid AS old_table, n.oid::regclass AS new_table, o.relname AS old_name,
               o.relacl, o.relrowsecurity, o.relforcerowsecurity
          FROM pg_catalog.pg_class o
          JOIN pg_catalog.pg_class n
            ON n.relnamespace OPERATOR(pg_catalog.=) o.relnamespace
           AND n.relname OPERATOR(pg_catalog.=) pg_catalog.replace(o.relname, '_default', '')
         WHERE o.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
           AND o.relname OPERATOR(pg_catalog.=) ANY (ARRAY['ledger_default', 'user_event_default'])
    LOOP
        FOR acl IN
            SELECT a.privilege_type, a.is_grantable,
                   CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                        ELSE pg_catalog.quote_ident(r.rolname) END AS grantee
              FROM pg_catalog.aclexplode(moved.relacl) a
              LEFT JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) a.grantee
        LOOP
            EXECUTE pg_catalog.format('GRANT %s ON %s TO %s%s', acl.privilege_type, moved.new_table,
                                      acl.grantee,
                                      CASE WHEN acl.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
        FOR pol IN
            SELECT p.* FROM pg_catalog.pg_policies p
             WHERE p.schemaname OPERATOR(pg_catalog.=) '@extschema@'
               AND p.tablename OPERATOR(pg_catalog.=) moved.old_name
        LOOP
            EXECUTE pg_catalog.format(
                'CREATE POLICY %I ON %s AS %s FOR %s TO %s%s%s',
                pol.policyname, moved.new_table, pol.permissive, pol.cmd,
                (SELECT pg_catalog.string_agg(CASE WHEN r OPERATOR(pg_catalog.=) 'public' THEN 'PUBLIC'
                                                   ELSE pg_catalog.quote_ident(r) END, ', ')
                   FROM pg_catalog.unnest(pol.roles) r),
                CASE WHEN pol.qual IS NOT NULL THEN ' USING (' OPERATOR(pg_catalog.||) pol.qual OPERATOR(pg_catalog.||) ')' ELSE '' END,
                CASE WHEN pol.with_check IS NOT NULL
                     THEN ' WITH CHECK (' OPERATOR(pg_catalog.||) pol.with_check OPERATOR(pg_catalog.||) ')' ELSE '' END);
        END LOOP;
        IF moved.relrowsecurity THEN
            EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', moved.new_table);
        END IF;
        IF moved.relforcerowsecurity THEN
            EXECUTE pg_catalog.format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', moved.new_table);
        END IF;
    END LOOP;
END
$$;

-- source: sql/ledger_comments.sql
-- ===========================================================================
-- What the two large tables and their columns hold.  Shared by the install
-- script and the upgrade that made the tables partitioned (0.5.0), so both
-- describe the partitioned parents the same way.
-- ===========================================================================

COMMENT ON TABLE @extschema@.ledger IS
'Ledger postings of revenue and cost by ME, stream and cost behaviour; amounts in the ME''s currency unit. Partitioned by me_id: rows of MEs without a partition of their own are kept in wwva.ledger_default.';
COMMENT ON TABLE @extschema@.ledger_default IS
'The local DEFAULT partition of wwva.ledger: the rows of every ME that has no partition of its own. Read and write wwva.ledger, not this table.';
COMMENT ON COLUMN @extschema@.ledger.entry_id IS 'Generated identifier of the posting (unique through its sequence).';
COMMENT ON COLUMN @extschema@.ledger.me_id IS 'ME the posting belongs to (must exist in wwva.me).';
COMMENT ON COLUMN @extschema@.ledger.booked_on IS 'Booking date; assigns the posting to the period that holds it.';
COMMENT ON COLUMN @extschema@.ledger.stream IS '''hardware'' (own networked appliances) or ''ecosystem'' (differential income from partners'' services).';
COMMENT ON COLUMN @extschema@.ledger.kind IS '''revenue'' or ''cost''.';
COMMENT ON COLUMN @extschema@.ledger.behavior IS 'For costs only: ''variable'' or ''fixed''; marginal figures use the variable part.';
COMMENT ON COLUMN @extschema@.ledger.amount IS 'Exact amount (numeric) in the ME''s currency unit; reversing entries are negative.';
COMMENT ON COLUMN @extschema@.ledger.category IS 'Free breakdown, e.g. materials, logistics, salaries, fresh_food, advertising.';
COMMENT ON COLUMN @extschema@.ledger.user_id IS 'User the posting concerns, when known.';
COMMENT ON COLUMN @extschema@.ledger.partner_id IS 'Ecosystem partner the posting concerns, when known.';
COMMENT ON COLUMN @extschema@.ledger.memo IS 'Free text.';

COMMENT ON TABLE @extschema@.user_event IS
'User actions, one row each; assigned to a period by the date of occurred_at in the ME''s time zone. Partitioned by me_id: rows of MEs without a partition of their own are kept in wwva.user_event_default.';
COMMENT ON TABLE @extschema@.user_event_default IS
'The local DEFAULT partition of wwva.user_event: the rows of every ME that has no partition of its own. Read and write wwva.user_event, not this table.';
COMMENT ON COLUMN @extschema@.user_event.event_id IS 'Generated identifier of the event.';
COMMENT ON COLUMN @extschema@.user_event.me_id IS 'ME whose ecosystem the action happened in (must exist in wwva.me).';
COMMENT ON COLUMN @extschema@.user_event.user_id IS 'The acting user.';
COMMENT ON COLUMN @extschema@.user_event.occurred_at IS 'When the action happened.';
COMMENT ON COLUMN @extschema@.user_event.kind IS
'''interaction'' (design iteration), ''transaction'' (reservation, presale, purchase), ''customization'' (user-maker interaction) or ''co_creation'' (community or platform-evolution contribution).';

-- source: sql/scale_out.sql
-- ===========================================================================
-- Scale-out (0.5.0): the per-ME aggregates in the form a shard computes.
--
-- wwva.ledger and wwva.user_event are partitioned by me_id, so each ME's
-- rows can live on another server (a postgres_fdw foreign partition) or on
-- a Citus worker.  The section views group by me_id; with
-- enable_partitionwise_aggregate each partition is then aggregated on its
-- own, and postgres_fdw sends that aggregation to the shard whole.
--
-- postgres_fdw ships an expression only when its result type is built in
-- or a member of an extension the server lists in its `extensions` option,
-- and a composite type's (or an array type's) pg_type row is neither.  So
-- these two aggregates return one ME's periods as a built-in matrix: a
-- numeric[] or bigint[] with one row per period.  They share the
-- transition, combine and serialization functions of wwva.ledger_totals
-- and wwva.user_resource_counts.
-- ===========================================================================

CREATE FUNCTION @extschema@.ledger_totals_by_period_final(internal)
RETURNS numeric[] AS 'MODULE_PATHNAME', 'wwva_ledger_totals_by_period_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.ledger_totals_by_period_final(internal) IS
'Support function of the wwva.ledger_totals_by_period aggregate.';

CREATE AGGREGATE @extschema@.ledger_totals_by_period(
    me_id text, booked_on date, stream text, kind text, behavior text, amount numeric,
    calendar @extschema@.calendar) (
    SFUNC = @extschema@.me_ledger_totals_transition,
    STYPE = internal,
    SSPACE = 4096,
    COMBINEFUNC = @extschema@.ledger_totals_combine,
    SERIALFUNC = @extschema@.ledger_totals_serialize,
    DESERIALFUNC = @extschema@.ledger_totals_deserialize,
    FINALFUNC = @extschema@.ledger_totals_by_period_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.ledger_totals_by_period(text, date, text, text, text, numeric, @extschema@.calendar) IS
'wwva.ledger_totals for one ME, grouped by me_id: a numeric matrix with one row per period with postings, {period_no, hardware_revenue, hardware_cost, hardware_variable_cost, ecosystem_revenue, ecosystem_cost, ecosystem_variable_cost}. Built-in result type, so postgres_fdw can run it on a shard. Refuses a group holding two MEs.';

CREATE FUNCTION @extschema@.user_resource_counts_by_period_final(internal)
RETURNS bigint[] AS 'MODULE_PATHNAME', 'wwva_user_counts_by_period_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.user_resource_counts_by_period_final(internal) IS
'Support function of the wwva.user_resource_counts_by_period aggregate.';

CREATE AGGREGATE @extschema@.user_resource_counts_by_period(
    me_id text, user_id bigint, kind text, occurred_at timestamptz,
    calendar @extschema@.calendar) (
    SFUNC = @extschema@.me_user_counts_transition,
    STYPE = internal,
    SSPACE = 65536,
    COMBINEFUNC = @extschema@.user_counts_combine,
    SERIALFUNC = @extschema@.user_counts_serialize,
    DESERIALFUNC = @extschema@.user_counts_deserialize,
    FINALFUNC = @extschema@.user_resource_counts_by_period_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.user_resource_counts_by_period(text, bigint, text, timestamptz, @extschema@.calendar) IS
'wwva.user_resource_counts for one ME, grouped by me_id: a bigint matrix with one row per period with events, {period_no, interactive_users, active_users, lifetime_users, user_makers}. Built-in result type, so postgres_fdw can run it on a shard. Refuses a group holding two MEs.';

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
-- Grouped by me_id, the ME of the partition key: with
-- enable_partitionwise_aggregate each partition is aggregated on its own,
-- a foreign one on its shard (see sql/scale_out.sql).
CREATE OR REPLACE VIEW @extschema@.money_figures AS
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

CREATE OR REPLACE VIEW @extschema@.user_figures AS
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

-- source: sql/ledger_capture.sql
-- ===========================================================================
-- Change capture on the two large tables (0.4.0; on their partitioned
-- parents since 0.5.0).
--
-- Statement-level triggers on the parent see every row written through it,
-- whichever local partition the row lands in.  PostgreSQL cannot collect
-- transition rows from a foreign partition, so rows of an ME kept on a
-- shard are written on the shard (the row checks say so).
-- ===========================================================================

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
