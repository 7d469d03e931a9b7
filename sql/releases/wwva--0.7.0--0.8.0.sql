-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION wwva UPDATE TO '0.8.0'" to load this file. \quit

-- ===========================================================================
-- wwva 0.7.0 -> 0.8.0, written by hand: what BI tools, careless analysts and
-- DBAs tripped over (issue 15).  Each part below says what it changes.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- A clean public surface (as sql/ledgers.sql, sql/ledger_totals.sql,
-- sql/user_resources.sql, sql/money.sql, sql/emc.sql, sql/capture.sql,
-- sql/figures.sql, sql/grants.sql and sql/deprecated.sql): the trigger
-- functions, the aggregates' support functions, the capture setting's
-- reader and the per-table passes move to wwva_internal, so \df wwva.* and
-- \dv wwva.* list the interface alone.  Moving keeps every object's OID, so
-- the triggers, aggregates and views that use them, and the grants users
-- gave on them, stay as they are.  The old names of the three views stay
-- for one release.  First of all, so what follows here names them where
-- they now live.
-- ---------------------------------------------------------------------------
ALTER FUNCTION @extschema@.emc_check_trigger() SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.emc_contract_row_check() SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.emc_leader_check() SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.emc_member_check() SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.emc_tier_check() SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.ledger_check() SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.me_check() SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.me_emc_member_check() SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.me_id_check() SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.period_check() SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.sharing_rule_check() SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.target_check() SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.user_event_check() SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.capture_row_limit() SET SCHEMA wwva_internal;
-- only the capture triggers (SECURITY DEFINER) read it
REVOKE EXECUTE ON FUNCTION wwva_internal.capture_row_limit() FROM PUBLIC;
ALTER FUNCTION @extschema@.ledger_totals_by_period_final(internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.ledger_totals_combine(internal,internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.ledger_totals_deserialize(bytea,internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.ledger_totals_final(internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.ledger_totals_serialize(internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.ledger_totals_transition(internal,text,text,text,numeric) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.me_ledger_totals_final(internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.me_ledger_totals_transition(internal,text,date,text,text,text,numeric,@extschema@.calendar) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.me_user_counts_final(internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.me_user_counts_transition(internal,text,bigint,text,timestamp with time zone,@extschema@.calendar) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.split_combine(internal,internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.split_deserialize(bytea,internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.split_final(internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.split_serialize(internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.split_transition(internal,text,numeric,numeric,numeric,numeric,integer) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.user_counts_combine(internal,internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.user_counts_deserialize(bytea,internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.user_counts_final(internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.user_counts_serialize(internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.user_counts_transition(internal,bigint,text,integer,integer,integer) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.user_resource_counts_by_period_final(internal) SET SCHEMA wwva_internal;
ALTER FUNCTION @extschema@.user_state_union_transition(internal,bytea) SET SCHEMA wwva_internal;

-- The grants users gave on the views go to the old names
-- (wwva_internal.restore_grants() reads what is kept here).
SELECT pg_catalog.set_config('wwva_upgrade.grants',
           COALESCE((SELECT pg_catalog.json_object_agg(c.relname, c.relacl::text)
                       FROM pg_catalog.pg_class c
                      WHERE c.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
                        AND c.relname OPERATOR(pg_catalog.=) ANY (ARRAY['money_figures', 'user_figures', 'profit_figures']::name[])
                        AND c.relacl IS NOT NULL)::text, '{}'),
           true);
ALTER VIEW @extschema@.money_figures SET SCHEMA wwva_internal;
ALTER VIEW @extschema@.user_figures SET SCHEMA wwva_internal;
ALTER VIEW @extschema@.profit_figures SET SCHEMA wwva_internal;
-- There, everyone reads them as themselves (the end of this script); the
-- grants users gave on them went to the old names just above.
DO $$
DECLARE
    acl record;
BEGIN
    FOR acl IN
        SELECT DISTINCT c.oid::regclass AS relation,
               CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                    ELSE pg_catalog.quote_ident(g.rolname) END AS grantee
          FROM pg_catalog.pg_class c
         CROSS JOIN LATERAL pg_catalog.aclexplode(c.relacl) a
          LEFT JOIN pg_catalog.pg_roles g ON g.oid OPERATOR(pg_catalog.=) a.grantee
         WHERE c.relnamespace OPERATOR(pg_catalog.=) 'wwva_internal'::regnamespace
           AND c.relname OPERATOR(pg_catalog.=) ANY (ARRAY['money_figures', 'user_figures', 'profit_figures']::name[])
           AND a.grantee OPERATOR(pg_catalog.<>) c.relowner
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM %s CASCADE', acl.relation, acl.grantee);
    END LOOP;
END
$$;

-- (the old names are created at the end of this script, once the views
-- they show have their 0.8.0 columns)

COMMENT ON TABLE wwva_internal.materialized_figures IS
'Per ME and period, what wwva.refresh() keeps to update wwva.materialized_statement from new rows alone: the money sums (as wwva_internal.money_figures), the section 1 counts (as wwva_internal.user_figures) and the exact set of users behind them. Unlogged: a crash empties it, and the next refresh rebuilds it.';
COMMENT ON COLUMN wwva_internal.materialized_figures.hardware_revenue IS 'As in wwva_internal.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.hardware_cost IS 'As in wwva_internal.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.hardware_variable_cost IS 'As in wwva_internal.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.ecosystem_revenue IS 'As in wwva_internal.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.ecosystem_cost IS 'As in wwva_internal.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.ecosystem_variable_cost IS 'As in wwva_internal.money_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.interactive_users IS 'As in wwva_internal.user_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.active_users IS 'As in wwva_internal.user_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.lifetime_users IS 'As in wwva_internal.user_figures.';
COMMENT ON COLUMN wwva_internal.materialized_figures.user_makers IS 'As in wwva_internal.user_figures.';
-- ---------------------------------------------------------------------------
-- Typo guards (as sql/ledgers.sql, sql/money.sql, sql/emc.sql): time zones
-- must be IANA zone names; sharing and tier rates are fractions from 0 to
-- 1; a period whose end looks inclusive is stored with a WARNING.  Rows
-- already stored are not checked again.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION wwva_internal.me_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    reading text;
    users_of text;
    likely_codes text;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT'
       OR NEW.timezone IS DISTINCT FROM OLD.timezone THEN
        BEGIN
            PERFORM pg_catalog.timezone(NEW.timezone, pg_catalog.now());
        EXCEPTION WHEN invalid_parameter_value OR feature_not_supported THEN
            RAISE EXCEPTION 'ME "%" has unknown time zone "%"', NEW.me_id, NEW.timezone
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Use a name from pg_timezone_names, such as ''Asia/Shanghai'' or ''UTC''.';
        END;
        -- PostgreSQL also takes abbreviations and POSIX rules, which read
        -- plausibly and mean something else: 'CST' is US Central, never
        -- China.  Area/Location names pass at once; other names must be
        -- zones of the IANA database (UTC, EST, Japan, ...).
        IF NEW.timezone OPERATOR(pg_catalog.!~*) '^[a-z_]+(/[a-z0-9_+-]+)+$'
           AND NOT EXISTS (SELECT FROM pg_catalog.pg_timezone_names z
                            WHERE pg_catalog.lower(z.name) OPERATOR(pg_catalog.=) pg_catalog.lower(NEW.timezone)) THEN
            -- the hint: what PostgreSQL reads an abbreviation as, and a
            -- zone using it now per UTC offset (the one most people mean,
            -- where it is one)
            SELECT CASE WHEN a.utc_offset OPERATOR(pg_catalog.>=) '0'::interval THEN '+' ELSE '' END
                   OPERATOR(pg_catalog.||) pg_catalog.to_char(a.utc_offset, 'HH24:MI')
              INTO reading
              FROM pg_catalog.pg_timezone_abbrevs a
             WHERE a.abbrev OPERATOR(pg_catalog.=) pg_catalog.upper(NEW.timezone);
            SELECT pg_catalog.string_agg(pg_catalog.format('UTC%s%s as in %L',
                                             CASE WHEN z.utc_offset OPERATOR(pg_catalog.>=) '0'::interval THEN '+' ELSE '' END,
                                             pg_catalog.to_char(z.utc_offset, 'HH24:MI'), z.name),
                                         ', ' ORDER BY z.utc_offset)
              INTO users_of
              FROM (SELECT DISTINCT ON (n.utc_offset) n.utc_offset, n.name
                      FROM pg_catalog.pg_timezone_names n
                     WHERE n.abbrev OPERATOR(pg_catalog.=) pg_catalog.upper(NEW.timezone)
                       AND n.name OPERATOR(pg_catalog.~) '^[A-Z][a-z]+/'
                     ORDER BY n.utc_offset,
                              n.name OPERATOR(pg_catalog.<>) ALL (ARRAY['America/Chicago', 'America/New_York',
                                  'America/Denver', 'America/Los_Angeles', 'Asia/Shanghai', 'Asia/Kolkata',
                                  'Asia/Tokyo', 'Europe/London', 'Europe/Paris', 'Australia/Sydney']),
                              n.name OPERATOR(pg_catalog.~~) 'Etc/%',
                              pg_catalog.length(n.name), n.name) z;
            RAISE EXCEPTION 'ME "%" has time zone "%", which is not a zone name of the IANA database', NEW.me_id, NEW.timezone
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = CASE WHEN reading IS NULL AND users_of IS NULL
                                  THEN 'Give the full name of the ME''s zone from pg_timezone_names, such as ''Asia/Shanghai'' or ''America/Chicago''.'
                                  ELSE pg_catalog.format('"%s" is an abbreviation%s%s. Give the full name of the ME''s zone.', NEW.timezone,
                                                         ', which PostgreSQL reads as UTC' OPERATOR(pg_catalog.||) reading,
                                                         '; zones that use it now: ' OPERATOR(pg_catalog.||) users_of)
                             END;
        END IF;
    END IF;
    IF NEW.kind IS NOT NULL AND NEW.kind OPERATOR(pg_catalog.<>) ALL (ARRAY['user', 'node']) THEN
        RAISE EXCEPTION 'ME "%" has unknown kind "%"', NEW.me_id, NEW.kind
            USING ERRCODE = 'check_violation',
                  HINT = 'kind must be ''user'' (faces users) or ''node'' (supplies other MEs).';
    END IF;
    -- The currency is a code of wwva.currency ('dollars' or 'usd' would
    -- pass as a label), checked here rather than by a foreign key: a
    -- restore may load wwva.currency beside wwva.me, and brings rows that
    -- were checked when they were written.
    IF (TG_OP OPERATOR(pg_catalog.=) 'INSERT'
        OR (TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.currency IS DISTINCT FROM OLD.currency))
       AND pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off'
       AND NOT EXISTS (SELECT FROM @extschema@.currency c WHERE c.code OPERATOR(pg_catalog.=) NEW.currency) THEN
        SELECT pg_catalog.string_agg(pg_catalog.format('''%s'' (%s)', l.code, l.name), ', '
                                     ORDER BY l.exact DESC, pg_catalog.length(l.name), l.code)
          INTO likely_codes
          FROM (SELECT c.code, c.name, c.code OPERATOR(pg_catalog.=) pg_catalog.upper(pg_catalog.btrim(NEW.currency)) AS exact
                  FROM @extschema@.currency c
                 WHERE pg_catalog.length(pg_catalog.btrim(NEW.currency)) OPERATOR(pg_catalog.>=) 3
                   AND (c.code OPERATOR(pg_catalog.=) pg_catalog.upper(pg_catalog.btrim(NEW.currency))
                        OR c.name OPERATOR(pg_catalog.~~*)
                           ('%' OPERATOR(pg_catalog.||) pg_catalog.rtrim(pg_catalog.btrim(NEW.currency), 'sS') OPERATOR(pg_catalog.||) '%'))
                 ORDER BY 3 DESC, pg_catalog.length(c.name), c.code
                 LIMIT 5) l;
        RAISE EXCEPTION 'ME "%" keeps its books in unknown currency "%"', NEW.me_id, NEW.currency
            USING ERRCODE = 'foreign_key_violation',
                  HINT = CASE WHEN likely_codes IS NOT NULL
                              THEN 'currency is a code of wwva.currency (ISO 4217). Did you mean ' OPERATOR(pg_catalog.||) likely_codes OPERATOR(pg_catalog.||) '?'
                              ELSE 'currency is a code of wwva.currency (ISO 4217), such as ''CNY'', ''USD'' or ''EUR''; add a unit of your own to wwva.currency first.'
                         END;
    END IF;
    IF NEW.active_min_transactions OPERATOR(pg_catalog.<) 1
       OR NEW.active_min_transactions OPERATOR(pg_catalog.>) 65535 THEN
        RAISE EXCEPTION 'ME "%" has active_min_transactions %, outside 1 to 65535',
            NEW.me_id, NEW.active_min_transactions
            USING ERRCODE = 'check_violation',
                  HINT = 'active_min_transactions is N: a user is active with at least N transaction events in a period.';
    END IF;
    IF NEW.lifetime_periods OPERATOR(pg_catalog.<) 1
       OR NEW.lifetime_periods OPERATOR(pg_catalog.>) 1000 THEN
        RAISE EXCEPTION 'ME "%" has lifetime_periods %, outside 1 to 1000',
            NEW.me_id, NEW.lifetime_periods
            USING ERRCODE = 'check_violation',
                  HINT = 'lifetime_periods is K: active in the current and previous K-1 periods (default 2).';
    END IF;
    -- Renaming or deleting an ME that still has postings or events would
    -- orphan them.  The SHARE locks wait for in-flight writers, so rows they
    -- commit are seen by the check below.
    IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT'
       AND (TG_OP OPERATOR(pg_catalog.=) 'DELETE' OR NEW.me_id IS DISTINCT FROM OLD.me_id) THEN
        LOCK TABLE @extschema@.ledger, @extschema@.user_event IN SHARE MODE;
        IF EXISTS (SELECT FROM @extschema@.ledger l WHERE l.me_id OPERATOR(pg_catalog.=) OLD.me_id)
           OR EXISTS (SELECT FROM @extschema@.user_event e WHERE e.me_id OPERATOR(pg_catalog.=) OLD.me_id) THEN
            RAISE EXCEPTION 'ME "%" still has ledger postings or user events', OLD.me_id
                USING ERRCODE = 'foreign_key_violation',
                      HINT = 'Delete or move its rows in wwva.ledger and wwva.user_event first.';
        END IF;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.me_check() IS
'Trigger: validates a wwva.me row (a full IANA time zone name, kind, a currency of wwva.currency, N, K) and keeps MEs with postings or events from being deleted or renamed.';

CREATE OR REPLACE FUNCTION wwva_internal.period_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    other record;
BEGIN
    IF NEW.starts_on IS NULL OR NEW.ends_on IS NULL THEN
        RAISE EXCEPTION 'period "%" needs both starts_on and ends_on', NEW.period_id
            USING ERRCODE = 'not_null_violation',
                  HINT = 'Periods are half-open: starts_on is the first day, ends_on the first day after.';
    END IF;
    IF NOT (pg_catalog.isfinite(NEW.starts_on) AND pg_catalog.isfinite(NEW.ends_on))
       OR NEW.starts_on OPERATOR(pg_catalog.>=) NEW.ends_on THEN
        RAISE EXCEPTION 'period "%" [%, %) is empty or unbounded', NEW.period_id, NEW.starts_on, NEW.ends_on
            USING ERRCODE = 'check_violation',
                  HINT = 'starts_on must be a finite date before ends_on, e.g. [2017-01-01, 2018-01-01) for the year 2017.';
    END IF;
    SELECT p.period_id, p.starts_on, p.ends_on INTO other
      FROM @extschema@.period p
     WHERE pg_catalog.daterange(p.starts_on, p.ends_on)
           OPERATOR(pg_catalog.&&) pg_catalog.daterange(NEW.starts_on, NEW.ends_on)
       AND (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR p.period_id OPERATOR(pg_catalog.<>) OLD.period_id)
     ORDER BY p.starts_on
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'period "%" [%, %) overlaps period "%" [%, %)',
            NEW.period_id, NEW.starts_on, NEW.ends_on, other.period_id, other.starts_on, other.ends_on
            USING ERRCODE = 'exclusion_violation',
                  HINT = 'Periods are half-open [starts_on, ends_on): let one period end on the day the next one starts.';
    END IF;
    -- An inclusive end typed by habit leaves a day that no period covers.
    SELECT p.period_id, p.starts_on, p.ends_on INTO other
      FROM @extschema@.period p
     WHERE (p.starts_on OPERATOR(pg_catalog.=) (NEW.ends_on OPERATOR(pg_catalog.+) 1)
            OR p.ends_on OPERATOR(pg_catalog.=) (NEW.starts_on OPERATOR(pg_catalog.-) 1))
       AND (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR p.period_id OPERATOR(pg_catalog.<>) OLD.period_id)
     ORDER BY p.starts_on
     LIMIT 1;
    IF FOUND THEN
        RAISE WARNING 'period "%" [%, %) and period "%" [%, %) leave one day between them that no period covers',
            NEW.period_id, NEW.starts_on, NEW.ends_on, other.period_id, other.starts_on, other.ends_on
            USING HINT = 'ends_on is exclusive, the first day after the period: a month ends on the 1st of the next month.';
    ELSIF pg_catalog.date_part('day', (NEW.ends_on OPERATOR(pg_catalog.+) 1)) OPERATOR(pg_catalog.=) 1
          AND NOT EXISTS (SELECT FROM @extschema@.period p
                           WHERE p.starts_on OPERATOR(pg_catalog.=) NEW.ends_on) THEN
        RAISE WARNING 'period "%" [%, %) leaves out %, the last day of its month',
            NEW.period_id, NEW.starts_on, NEW.ends_on, NEW.ends_on
            USING HINT = 'ends_on is exclusive, the first day after the period: for a whole month give the 1st of the next month.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.period_check() IS
'Trigger: rejects an empty, unbounded or overlapping wwva.period row, naming the period it overlaps; warns when an end looks inclusive (a one-day gap to a neighbour, or an end on the last day of a month).';

CREATE OR REPLACE FUNCTION wwva_internal.sharing_rule_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- (in a restore, the foreign key checks it once wwva.me is in)
    IF pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off'
       AND NOT EXISTS (SELECT FROM @extschema@.me m WHERE m.me_id OPERATOR(pg_catalog.=) NEW.me_id) THEN
        RAISE EXCEPTION 'sharing rule for ME "%", party "%" names an unknown ME', NEW.me_id, NEW.party
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Add the ME to wwva.me first.';
    END IF;
    IF NEW.party IS NULL OR NEW.party OPERATOR(pg_catalog.<>) ALL (ARRAY['users', 'investors', 'team']) THEN
        RAISE EXCEPTION 'sharing rule for ME "%" has unknown party "%"', NEW.me_id, NEW.party
            USING ERRCODE = 'check_violation',
                  HINT = 'party must be ''users'' (2d), ''investors'' (2e) or ''team'' (2f).';
    END IF;
    IF NEW.base IS NULL OR NEW.base OPERATOR(pg_catalog.<>) ALL
           (ARRAY['total_profit', 'ecosystem_profit', 'hardware_profit', 'excess_over_target']) THEN
        RAISE EXCEPTION 'sharing rule for ME "%", party "%" has unknown base "%"', NEW.me_id, NEW.party, NEW.base
            USING ERRCODE = 'check_violation',
                  HINT = 'base must be ''total_profit'', ''ecosystem_profit'', ''hardware_profit'' or ''excess_over_target''.';
    END IF;
    IF NEW.rate IS NULL OR NEW.rate OPERATOR(pg_catalog.<) 0
       OR NEW.rate OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'sharing rule for ME "%", party "%" has rate %, which is not a finite number >= 0',
            NEW.me_id, NEW.party, COALESCE(NEW.rate::text, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'Give the rate as a fraction of the base, e.g. 0.25 for 25%.';
    END IF;
    -- A rate is a fraction of the base: 10 would pay 1,000% of it.
    IF NEW.rate OPERATOR(pg_catalog.>) 1 THEN
        RAISE EXCEPTION 'sharing rule for ME "%", party "%" has rate %, more than the whole base',
            NEW.me_id, NEW.party, NEW.rate
            USING ERRCODE = 'check_violation',
                  HINT = 'Give the rate as a fraction of the base between 0 and 1: 0.10 for 10%, not 10.';
    END IF;
    IF NEW.floor OPERATOR(pg_catalog.<) 0 OR NEW.cap OPERATOR(pg_catalog.<) 0
       OR NEW.floor OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity']::numeric[])
       OR NEW.cap OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'sharing rule for ME "%", party "%" has floor % and cap %; both must be finite and >= 0',
            NEW.me_id, NEW.party, NEW.floor, NEW.cap
            USING ERRCODE = 'check_violation',
                  HINT = 'Use NULL for no floor or no cap.';
    END IF;
    IF NEW.floor OPERATOR(pg_catalog.>) NEW.cap THEN
        RAISE EXCEPTION 'sharing rule for ME "%", party "%" has floor % above cap %',
            NEW.me_id, NEW.party, NEW.floor, NEW.cap
            USING ERRCODE = 'check_violation',
                  HINT = 'The floor is the least and the cap the most the party receives: floor <= cap.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.sharing_rule_check() IS
'Trigger: rejects a wwva.sharing_rule row with an unknown ME, party or base, a rate outside [0, 1], a negative or non-finite floor or cap, or a floor above the cap.';

CREATE OR REPLACE FUNCTION wwva_internal.emc_tier_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.threshold IS NULL
       OR NEW.threshold OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity', '-Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%" has a tier at %, which is not a finite number',
            NEW.emc_id, NEW.period_id, COALESCE(NEW.threshold::text, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'A tier starts at a finite value added, at or above the leading target.';
    END IF;
    IF NEW.rate IS NULL OR NEW.rate OPERATOR(pg_catalog.<) 0
       OR NEW.rate OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%": tier at % has rate %, which is not a finite number >= 0',
            NEW.emc_id, NEW.period_id, NEW.threshold, COALESCE(NEW.rate::text, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'A tier''s rate is the pool''s share of the value added in that tier, e.g. 0.20.';
    END IF;
    IF NEW.rate OPERATOR(pg_catalog.>) 1 THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%": tier at % has rate %, more than the whole value added in the tier',
            NEW.emc_id, NEW.period_id, NEW.threshold, NEW.rate
            USING ERRCODE = 'check_violation',
                  HINT = 'A tier''s rate is a fraction between 0 and 1: 0.20 for 20%, not 20.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.emc_tier_check() IS
'Trigger: rejects a wwva.emc_tier row with a non-finite threshold or a rate outside [0, 1], naming the EMC and period.';

-- ---------------------------------------------------------------------------
-- Granting an analyst or a loader in one step (as sql/grants.sql).
-- ---------------------------------------------------------------------------
-- What a reader of the statement needs: every table and view the extension
-- made in schema wwva, but not the partitions (read through their parents)
-- and not the status views, which read wwva_internal's tables (the
-- extension owner's alone).  The building-block views in wwva_internal
-- need nothing: everyone may read them, as whoever reads them
-- (sql/finish.sql).
CREATE FUNCTION wwva_internal.reader_relations() RETURNS SETOF regclass
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
WITH RECURSIVE member AS (
    SELECT c.oid, c.relkind, c.relispartition, c.relname
      FROM pg_class c
      JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
     WHERE d.refobjid = (SELECT x.oid FROM pg_extension x WHERE x.extname = 'wwva')
       AND c.relnamespace = '@extschema@'::regnamespace
), reads AS (   -- view -> the relations its query names
    SELECT DISTINCT w.ev_class AS view, u.refobjid AS rel
      FROM pg_depend u
      JOIN pg_rewrite w ON w.oid = u.objid
     WHERE u.classid = 'pg_rewrite'::regclass AND u.refclassid = 'pg_class'::regclass
       AND u.refobjid <> w.ev_class
), reads_through AS (   -- view -> everything it reads, through other views
    SELECT view, rel FROM reads
    UNION
    SELECT t.view, r.rel FROM reads_through t JOIN reads r ON r.view = t.rel
)
SELECT m.oid::regclass
  FROM member m
 WHERE m.relkind IN ('r', 'p', 'v') AND NOT m.relispartition
   AND NOT EXISTS (SELECT FROM reads_through t JOIN pg_class r ON r.oid = t.rel
                    WHERE t.view = m.oid
                      AND r.relnamespace = 'wwva_internal'::regnamespace AND r.relkind <> 'v')
 ORDER BY m.relname
$$;
COMMENT ON FUNCTION wwva_internal.reader_relations() IS
'The tables and views wwva.grant_reader() grants SELECT on: those of schema wwva but the partitions and the views that read wwva_internal''s tables.';
REVOKE EXECUTE ON FUNCTION wwva_internal.reader_relations() FROM PUBLIC;

CREATE FUNCTION @extschema@.grant_reader(reader regrole) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rel regclass;
BEGIN
    IF NOT pg_catalog.pg_has_role((SELECT x.extowner FROM pg_catalog.pg_extension x WHERE x.extname OPERATOR(pg_catalog.=) 'wwva'), 'MEMBER') THEN
        RAISE EXCEPTION 'only the owner of extension wwva may grant or revoke what wwva.%() manages', 'grant_reader'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Ask the DBA who owns the extension (or a superuser) to run it.';
    END IF;
    EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA @extschema@ TO %s', reader);
    FOR rel IN SELECT wwva_internal.reader_relations() LOOP
        EXECUTE pg_catalog.format('GRANT SELECT ON %s TO %s', rel, reader);
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.grant_reader(regrole) IS
'Grants a role what reading the statement needs: USAGE on schema wwva and SELECT on its tables and views (not the partitions, not the owner-only status views, nothing in wwva_internal). Rows stay subject to row-level security. Run it again after ALTER EXTENSION wwva UPDATE.';

CREATE FUNCTION @extschema@.revoke_reader(reader regrole) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rel regclass;
BEGIN
    IF NOT pg_catalog.pg_has_role((SELECT x.extowner FROM pg_catalog.pg_extension x WHERE x.extname OPERATOR(pg_catalog.=) 'wwva'), 'MEMBER') THEN
        RAISE EXCEPTION 'only the owner of extension wwva may grant or revoke what wwva.%() manages', 'revoke_reader'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Ask the DBA who owns the extension (or a superuser) to run it.';
    END IF;
    FOR rel IN SELECT wwva_internal.reader_relations() LOOP
        EXECUTE pg_catalog.format('REVOKE SELECT ON %s FROM %s', rel, reader);
    END LOOP;
END
$$;
COMMENT ON FUNCTION @extschema@.revoke_reader(regrole) IS
'Takes back the SELECT privileges wwva.grant_reader() granted (USAGE on schema wwva, which gives nothing by itself, stays: the role may be a loader too).';

CREATE FUNCTION @extschema@.grant_loader(loader regrole) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT pg_catalog.pg_has_role((SELECT x.extowner FROM pg_catalog.pg_extension x WHERE x.extname OPERATOR(pg_catalog.=) 'wwva'), 'MEMBER') THEN
        RAISE EXCEPTION 'only the owner of extension wwva may grant or revoke what wwva.%() manages', 'grant_loader'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Ask the DBA who owns the extension (or a superuser) to run it.';
    END IF;
    EXECUTE pg_catalog.format('GRANT USAGE ON SCHEMA @extschema@ TO %s', loader);
    -- the row checks look the ME up
    EXECUTE pg_catalog.format('GRANT SELECT ON @extschema@.me TO %s', loader);
    EXECUTE pg_catalog.format('GRANT INSERT ON @extschema@.ledger, @extschema@.user_event TO %s', loader);
END
$$;
COMMENT ON FUNCTION @extschema@.grant_loader(regrole) IS
'Grants a role what loading the ledgers needs: USAGE on schema wwva, SELECT on wwva.me and INSERT on wwva.ledger and wwva.user_event. Nothing on the change traces: the capture triggers write them.';

CREATE FUNCTION @extschema@.revoke_loader(loader regrole) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT pg_catalog.pg_has_role((SELECT x.extowner FROM pg_catalog.pg_extension x WHERE x.extname OPERATOR(pg_catalog.=) 'wwva'), 'MEMBER') THEN
        RAISE EXCEPTION 'only the owner of extension wwva may grant or revoke what wwva.%() manages', 'revoke_loader'
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Ask the DBA who owns the extension (or a superuser) to run it.';
    END IF;
    EXECUTE pg_catalog.format('REVOKE INSERT ON @extschema@.ledger, @extschema@.user_event FROM %s', loader);
    EXECUTE pg_catalog.format('REVOKE SELECT ON @extschema@.me FROM %s', loader);
END
$$;
COMMENT ON FUNCTION @extschema@.revoke_loader(regrole) IS
'Takes back the privileges wwva.grant_loader() granted on wwva.me and the ledgers (USAGE on schema wwva stays).';

-- ---------------------------------------------------------------------------
-- Idempotent loads (as sql/ledgers.sql and sql/security.sql): the loader's
-- own reference of a row, unique per ME in every local partition.
-- ---------------------------------------------------------------------------
ALTER TABLE @extschema@.ledger ADD COLUMN source_ref text;
ALTER TABLE @extschema@.user_event ADD COLUMN source_ref text;
ALTER TABLE @extschema@.ledger_default
    ADD CONSTRAINT ledger_default_source_ref_key UNIQUE (me_id, source_ref);
ALTER TABLE @extschema@.user_event_default
    ADD CONSTRAINT user_event_default_source_ref_key UNIQUE (me_id, source_ref);
COMMENT ON COLUMN @extschema@.ledger.source_ref IS 'The loader''s own reference of the posting (file and line, message id), unique per ME when given: a batch sent again with INSERT ... ON CONFLICT DO NOTHING is stored once.';
COMMENT ON COLUMN @extschema@.user_event.source_ref IS 'The loader''s own reference of the event, unique per ME when given: a batch sent again with INSERT ... ON CONFLICT DO NOTHING is stored once.';

CREATE OR REPLACE FUNCTION wwva_internal.guard_ledger_partitions() RETURNS event_trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    part record;
    -- pg_dump's scripts and pg_restore turn check_function_bodies off; a
    -- restored dump creates the partitions' unique indexes itself
    restoring boolean := pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.=) 'off';
BEGIN
    -- Partitions the DDL's role may alter: a DBA who adds one owns the
    -- ledgers, and so the partitions wwva made.  The ledgers are found in
    -- the catalog, not by name, so that roles without the use of schema
    -- wwva can still create tables of their own.
    FOR part IN
        SELECT t.relid::regclass AS rel, t.isleaf AND c.relkind OPERATOR(pg_catalog.=) 'r' AS local_leaf
          FROM pg_catalog.pg_class root
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) root.relnamespace
         CROSS JOIN LATERAL pg_catalog.pg_partition_tree(root.oid) t
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.relid
         WHERE n.nspname OPERATOR(pg_catalog.=) '@extschema@'
           AND root.relname OPERATOR(pg_catalog.=) ANY (ARRAY['ledger', 'user_event']::name[])
           AND t.level OPERATOR(pg_catalog.>) 0
           AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::"char"[])
           AND pg_catalog.pg_has_role(c.relowner, 'USAGE')
    LOOP
        -- Each ALTER and CREATE below fires this trigger again, which may
        -- do the next step first: both tests read the catalog afresh.
        IF NOT (SELECT c.relrowsecurity FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) part.rel) THEN
            EXECUTE pg_catalog.format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', part.rel);
        END IF;
        -- A local leaf partition keeps a loader's references unique per ME,
        -- as the default partitions do (sql/ledgers.sql).
        CONTINUE WHEN restoring OR NOT part.local_leaf;
        IF NOT EXISTS (
               SELECT FROM pg_catalog.pg_index i
                WHERE i.indrelid OPERATOR(pg_catalog.=) part.rel AND i.indisunique AND i.indpred IS NULL
                  AND i.indkey::text OPERATOR(pg_catalog.=) (
                          SELECT pg_catalog.string_agg(a.attnum::text, ' ' ORDER BY k.ord)
                            FROM pg_catalog.unnest(ARRAY['me_id', 'source_ref']::name[]) WITH ORDINALITY AS k(name, ord)
                            JOIN pg_catalog.pg_attribute a
                              ON a.attrelid OPERATOR(pg_catalog.=) part.rel AND a.attname OPERATOR(pg_catalog.=) k.name)) THEN
            EXECUTE pg_catalog.format('CREATE UNIQUE INDEX ON %s (me_id, source_ref)', part.rel);
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION wwva_internal.guard_ledger_partitions() IS
'Event trigger: after CREATE TABLE, ALTER TABLE or CREATE SCHEMA (which may create tables), enables row-level security on every table partition of wwva.ledger and wwva.user_event that lacks it, so no partition shows its rows to a role the ledgers'' policies restrict, and gives every local leaf partition a unique index on (me_id, source_ref), so a re-sent batch is stored once.';

-- the local partitions added before this upgrade
DO $$
DECLARE
    part regclass;
BEGIN
    -- A local leaf partition added later keeps a loader's references
    -- unique per ME, as the default partitions do (sql/ledgers.sql).
    FOR part IN
        SELECT t.relid
          FROM pg_catalog.pg_class root
          JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) root.relnamespace
         CROSS JOIN LATERAL pg_catalog.pg_partition_tree(root.oid) t
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.relid
         WHERE n.nspname OPERATOR(pg_catalog.=) '@extschema@'
           AND root.relname OPERATOR(pg_catalog.=) ANY (ARRAY['ledger', 'user_event']::name[])
           AND t.level OPERATOR(pg_catalog.>) 0 AND t.isleaf
           AND c.relkind OPERATOR(pg_catalog.=) 'r'
           AND pg_catalog.pg_has_role(c.relowner, 'USAGE')
           AND NOT EXISTS (
               SELECT FROM pg_catalog.pg_index i
                WHERE i.indrelid OPERATOR(pg_catalog.=) c.oid AND i.indisunique AND i.indpred IS NULL
                  AND i.indkey::text OPERATOR(pg_catalog.=) (
                          SELECT pg_catalog.string_agg(a.attnum::text, ' ' ORDER BY k.ord)
                            FROM pg_catalog.unnest(ARRAY['me_id', 'source_ref']::name[]) WITH ORDINALITY AS k(name, ord)
                            JOIN pg_catalog.pg_attribute a
                              ON a.attrelid OPERATOR(pg_catalog.=) c.oid AND a.attname OPERATOR(pg_catalog.=) k.name))
    LOOP
        EXECUTE pg_catalog.format('CREATE UNIQUE INDEX ON %s (me_id, source_ref)', part);
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- The default partitions carry their parents' column comments (as
-- sql/ledgers.sql; 0.7.0 had cleared the ones an upgrade through 0.5.0
-- left, which could be stale).
-- ---------------------------------------------------------------------------
-- A BI tool lists the default partitions beside their parents (JDBC's
-- getTables does): they carry the parents' column comments.
DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT p.child, a.attname, pg_catalog.col_description(p.parent, a.attnum) AS description
          FROM (VALUES ('@extschema@.ledger'::regclass, '@extschema@.ledger_default'::regclass),
                       ('@extschema@.user_event'::regclass, '@extschema@.user_event_default'::regclass)) AS p(parent, child)
          JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) p.parent
         WHERE a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
           AND pg_catalog.col_description(p.parent, a.attnum) IS NOT NULL
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', col.child, col.attname, col.description);
    END LOOP;
END
$$;
-- Findings 1 and 9: no row can break another ME's statement; parallel
-- restores lose nothing.  The aggregates (C) skip rows of an ME not in the
-- calendar and the row checks (C) skip the ME lookup in a restore;
-- wwva.unassigned lists the rows whose ME is missing, with a reason;
-- ledger_default loses its foreign key to wwva.me, which refused every
-- posting a parallel restore loaded before wwva.me; TRUNCATE of wwva.me
-- empties both ledgers too.
-- ---------------------------------------------------------------------------
ALTER TABLE @extschema@.ledger_default DROP CONSTRAINT ledger_default_me_id_fkey;
CREATE OR REPLACE VIEW @extschema@.unassigned AS
SELECT 'ledger'::text AS source,
       l.entry_id AS row_id,
       l.me_id,
       l.booked_on AS local_date,
       l.kind,
       l.user_id,
       l.amount,
       CASE WHEN m.me_id IS NULL THEN 'no such ME' ELSE 'no period' END AS reason
  FROM @extschema@.ledger l
  LEFT JOIN @extschema@.me m ON m.me_id = l.me_id
 WHERE m.me_id IS NULL
    OR @extschema@.period_index(l.booked_on,
                                (SELECT b.starts FROM @extschema@.period_bounds b),
                                (SELECT b.ends FROM @extschema@.period_bounds b)) IS NULL
UNION ALL
SELECT 'user_event'::text,
       e.event_id,
       e.me_id,
       (e.occurred_at AT TIME ZONE m.timezone)::date,
       e.kind,
       e.user_id,
       NULL::numeric,
       CASE WHEN m.me_id IS NULL THEN 'no such ME' ELSE 'no period' END
  FROM @extschema@.user_event e
  LEFT JOIN @extschema@.me m ON m.me_id = e.me_id
 WHERE CASE WHEN m.me_id IS NULL THEN true
            ELSE @extschema@.event_period(e.me_id, e.occurred_at,
                                          (SELECT @extschema@.current_calendar())) IS NULL
       END;
ALTER VIEW @extschema@.unassigned SET (security_invoker = true);
COMMENT ON VIEW @extschema@.unassigned IS
'Ledger postings and user events that count in no statement: their date falls in no period, or their ME is not in wwva.me (reason says which).';
COMMENT ON COLUMN @extschema@.unassigned.source IS '''ledger'' or ''user_event''.';
COMMENT ON COLUMN @extschema@.unassigned.row_id IS 'entry_id or event_id of the row.';
COMMENT ON COLUMN @extschema@.unassigned.me_id IS 'ME of the row.';
COMMENT ON COLUMN @extschema@.unassigned.local_date IS 'The date used for assignment: booked_on, or occurred_at in the ME''s time zone (NULL for an event whose ME is not in wwva.me).';
COMMENT ON COLUMN @extschema@.unassigned.kind IS 'Posting kind or event kind.';
COMMENT ON COLUMN @extschema@.unassigned.user_id IS 'User of the row, if any.';
COMMENT ON COLUMN @extschema@.unassigned.amount IS 'Amount of a posting; NULL for events.';
COMMENT ON COLUMN @extschema@.unassigned.reason IS
'''no period'' (add a period that holds local_date) or ''no such ME'' (add the ME to wwva.me, or delete the row).';
CREATE FUNCTION wwva_internal.me_truncate_cascade() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    foreign_partition regclass;
BEGIN
    SELECT t.relid INTO foreign_partition
      FROM (SELECT p.relid FROM pg_catalog.pg_partition_tree('@extschema@.ledger'::regclass) p
            UNION ALL
            SELECT p.relid FROM pg_catalog.pg_partition_tree('@extschema@.user_event'::regclass) p) t
      JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.relid
     WHERE c.relkind OPERATOR(pg_catalog.=) 'f'
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot truncate wwva.me: the rows of foreign partition % would be left without their ME', foreign_partition
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Empty that partition on its own server and detach it first, or DELETE the MEs one by one once their rows are gone.';
    END IF;
    -- a table this TRUNCATE already emptied is left alone (it is still open)
    IF EXISTS (SELECT FROM @extschema@.ledger) THEN
        RAISE NOTICE 'truncate cascades to table "ledger"';
        TRUNCATE @extschema@.ledger;
    END IF;
    IF EXISTS (SELECT FROM @extschema@.user_event) THEN
        RAISE NOTICE 'truncate cascades to table "user_event"';
        TRUNCATE @extschema@.user_event;
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION wwva_internal.me_truncate_cascade() IS
'Trigger: TRUNCATE of wwva.me (CASCADE) empties wwva.ledger and wwva.user_event too; refused while they have a foreign partition.';
CREATE TRIGGER me_truncate_cascade AFTER TRUNCATE ON @extschema@.me
    FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.me_truncate_cascade();
REVOKE EXECUTE ON FUNCTION wwva_internal.me_truncate_cascade() FROM PUBLIC;
-- Issue 15, findings 10-12 (materialized statement): writes straight into a
-- partition are captured, the status views say when the traces cannot be
-- trusted, a refresh writes only the lines that changed and queues on
-- wwva_internal.refresh_lock instead of locking wwva.materialized_statement
-- (which kept autovacuum out).
-- ---------------------------------------------------------------------------
-- A partition keeps the capture triggers when it is detached; what is
-- written into it then is no longer the ledgers'.
CREATE FUNCTION wwva_internal.in_ledgers(rel oid) RETURNS boolean
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT EXISTS (SELECT FROM pg_catalog.pg_partition_ancestors(rel) a
                WHERE a.relid OPERATOR(pg_catalog.=)
                      ANY (ARRAY['@extschema@.ledger'::regclass, '@extschema@.user_event'::regclass]))
$$;
COMMENT ON FUNCTION wwva_internal.in_ledgers(oid) IS
'Whether the table is wwva.ledger, wwva.user_event or one of their partitions (at any level).';
REVOKE EXECUTE ON FUNCTION wwva_internal.in_ledgers(oid) FROM PUBLIC;

CREATE OR REPLACE FUNCTION wwva_internal.capture_postings() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    bulk boolean;
BEGIN
    IF NOT wwva_internal.in_ledgers(TG_RELID) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        bulk := (SELECT count(*) FROM new_rows) > wwva_internal.capture_row_limit();
        IF bulk THEN
            INSERT INTO wwva_internal.pending_change (me_id, first_day, last_day, rebuild, source)
            SELECT n.me_id, min(n.booked_on), max(n.booked_on), true, 'ledger'
              FROM new_rows n GROUP BY n.me_id;
        ELSE
            INSERT INTO wwva_internal.pending_posting (me_id, booked_on, stream, kind, behavior, amount)
            SELECT n.me_id, n.booked_on, n.stream, n.kind, n.behavior, n.amount FROM new_rows n;
        END IF;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        bulk := (SELECT count(*) FROM old_rows) > wwva_internal.capture_row_limit();
        IF bulk THEN
            INSERT INTO wwva_internal.pending_change (me_id, first_day, last_day, rebuild, source)
            SELECT o.me_id, min(o.booked_on), max(o.booked_on), true, 'ledger'
              FROM old_rows o GROUP BY o.me_id;
        ELSE
            INSERT INTO wwva_internal.pending_posting (me_id, booked_on, stream, kind, behavior, amount)
            SELECT o.me_id, o.booked_on, o.stream, o.kind, o.behavior, -o.amount FROM old_rows o;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION wwva_internal.capture_events() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT wwva_internal.in_ledgers(TG_RELID) THEN
        RETURN NULL;
    END IF;
    -- An event's user may be the only one of its kind in the pair: a
    -- removed event is recounted from the table, not subtracted.
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        INSERT INTO wwva_internal.pending_change (me_id, first_at, last_at, rebuild, source)
        SELECT o.me_id, min(o.occurred_at), max(o.occurred_at), true, 'user_event'
          FROM old_rows o GROUP BY o.me_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF TG_OP = 'UPDATE' OR (SELECT count(*) FROM new_rows) > wwva_internal.capture_row_limit() THEN
            INSERT INTO wwva_internal.pending_change (me_id, first_at, last_at, rebuild, source)
            SELECT n.me_id, min(n.occurred_at), max(n.occurred_at), true, 'user_event'
              FROM new_rows n GROUP BY n.me_id;
        ELSE
            INSERT INTO wwva_internal.pending_event (me_id, user_id, occurred_at, kind)
            SELECT n.me_id, n.user_id, n.occurred_at, n.kind FROM new_rows n;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION wwva_internal.capture_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN
        -- periods renumber every pair; a TRUNCATE of a ledger or of one
        -- of its partitions empties pairs
        IF TG_TABLE_NAME IN ('period', 'me', 'target', 'sharing_rule')
           OR wwva_internal.in_ledgers(TG_RELID) THEN
            INSERT INTO wwva_internal.pending_change (rebuild, source)
            VALUES (TG_TABLE_NAME NOT IN ('me', 'target', 'sharing_rule'), TG_TABLE_NAME);
        END IF;
    ELSIF TG_TABLE_NAME = 'me' THEN
        IF TG_OP = 'UPDATE' AND NOT (OLD.me_id, OLD.timezone, OLD.active_min_transactions,
                                     OLD.lifetime_periods, OLD.currency)
                                IS DISTINCT FROM
                                    (NEW.me_id, NEW.timezone, NEW.active_min_transactions,
                                     NEW.lifetime_periods, NEW.currency) THEN
            RETURN NULL;
        END IF;
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO wwva_internal.pending_change (me_id, rebuild, source) VALUES (OLD.me_id, true, 'me');
        END IF;
        -- An ME leaves or changes id only without postings and events
        -- (wwva_internal.me_check), so its waiting rows add up to nothing: dropping
        -- them keeps every waiting row's ME known to the refresh.
        IF TG_OP = 'DELETE' OR OLD.me_id IS DISTINCT FROM NEW.me_id THEN
            DELETE FROM wwva_internal.pending_posting WHERE me_id = OLD.me_id;
            DELETE FROM wwva_internal.pending_event WHERE me_id = OLD.me_id;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO wwva_internal.pending_change (me_id, rebuild, source) VALUES (NEW.me_id, true, 'me');
        END IF;
    ELSIF TG_TABLE_NAME = 'target' THEN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO wwva_internal.pending_change (me_id, period_id, rebuild, source)
            VALUES (OLD.me_id, OLD.period_id, false, 'target');
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO wwva_internal.pending_change (me_id, period_id, rebuild, source)
            VALUES (NEW.me_id, NEW.period_id, false, 'target');
        END IF;
    ELSE
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            INSERT INTO wwva_internal.pending_change (me_id, rebuild, source)
            VALUES (OLD.me_id, false, TG_TABLE_NAME);
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO wwva_internal.pending_change (me_id, rebuild, source)
            VALUES (NEW.me_id, false, TG_TABLE_NAME);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE UNLOGGED TABLE wwva_internal.captured_partition (
    relid oid PRIMARY KEY
);
COMMENT ON TABLE wwva_internal.captured_partition IS
'Local partitions of wwva.ledger and wwva.user_event whose writes the change traces hold: they carry the capture triggers since before the last refresh. wwva.refresh() adds the others and drops detached or dropped ones, rebuilding everything when it does either. Unlogged: a crash empties it with the traces.';
COMMENT ON COLUMN wwva_internal.captured_partition.relid IS 'The partition.';

CREATE FUNCTION wwva_internal.uncaptured_partitions()
RETURNS TABLE (part regclass, root regclass, is_foreign boolean)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT t.relid::regclass, r.root, c.relkind OPERATOR(pg_catalog.=) 'f'
  FROM pg_catalog.unnest(ARRAY['@extschema@.ledger'::regclass, '@extschema@.user_event'::regclass]) r(root)
 CROSS JOIN LATERAL pg_catalog.pg_partition_tree(r.root) t
  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.relid
 WHERE t.level OPERATOR(pg_catalog.>) 0
   AND NOT EXISTS (SELECT FROM wwva_internal.captured_partition k
                    WHERE k.relid OPERATOR(pg_catalog.=) t.relid)
$$;
COMMENT ON FUNCTION wwva_internal.uncaptured_partitions() IS
'Partitions of wwva.ledger and wwva.user_event (foreign ones included) whose writes the change traces may lack: those not in wwva_internal.captured_partition.';
REVOKE EXECUTE ON FUNCTION wwva_internal.uncaptured_partitions() FROM PUBLIC;

CREATE FUNCTION wwva_internal.capture_partitions() RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    p record;
    missed bigint := 0;
BEGIN
    -- a partition detached or dropped took its rows out of the ledgers untraced
    DELETE FROM wwva_internal.captured_partition k WHERE NOT wwva_internal.in_ledgers(k.relid);
    GET DIAGNOSTICS missed = ROW_COUNT;
    FOR p IN SELECT * FROM wwva_internal.uncaptured_partitions() u WHERE NOT u.is_foreign LOOP
        missed := missed OPERATOR(pg_catalog.+) 1;
        -- a partition the refresh's role may not trigger stays uncaptured:
        -- every refresh rebuilds everything and says so
        CONTINUE WHEN NOT pg_catalog.has_table_privilege(p.part, 'TRIGGER');
        PERFORM wwva_internal.add_capture_triggers(p.part, p.root);
        INSERT INTO wwva_internal.captured_partition VALUES (p.part);
    END LOOP;
    RETURN missed;
END
$$;
COMMENT ON FUNCTION wwva_internal.capture_partitions() IS
'Run by wwva.refresh() before its snapshot: gives every local partition of the ledgers that lacks them the capture triggers, forgets detached and dropped partitions, and returns how many partitions came or went untraced since the last refresh (the refresh then rebuilds everything).';
REVOKE EXECUTE ON FUNCTION wwva_internal.capture_partitions() FROM PUBLIC;

CREATE FUNCTION wwva_internal.add_capture_triggers(part regclass, root regclass) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    fn text := CASE WHEN root OPERATOR(pg_catalog.=) '@extschema@.ledger'::regclass
                    THEN 'capture_postings' ELSE 'capture_events' END;
BEGIN
    -- OR REPLACE: a restored partition comes with its triggers
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER capture_insert AFTER INSERT ON %s '
                              'REFERENCING NEW TABLE AS new_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.%I()', part, fn);
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER capture_update AFTER UPDATE ON %s '
                              'REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.%I()', part, fn);
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER capture_delete AFTER DELETE ON %s '
                              'REFERENCING OLD TABLE AS old_rows '
                              'FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.%I()', part, fn);
    EXECUTE pg_catalog.format('CREATE OR REPLACE TRIGGER capture_truncate AFTER TRUNCATE ON %s '
                              'FOR EACH STATEMENT EXECUTE FUNCTION wwva_internal.capture_change()', part);
END
$$;
COMMENT ON FUNCTION wwva_internal.add_capture_triggers(regclass, regclass) IS
'Gives a partition of wwva.ledger or wwva.user_event (root) the statement-level capture triggers of its root.';
REVOKE EXECUTE ON FUNCTION wwva_internal.add_capture_triggers(regclass, regclass) FROM PUBLIC;

-- Every local partition gets them now, the ones users made too; what was
-- written straight into a partition before was never captured, so the
-- next refresh rebuilds everything.
SELECT wwva_internal.capture_partitions();
DELETE FROM wwva_internal.capture_intact;

CREATE UNLOGGED TABLE wwva_internal.refresh_lock ();
COMMENT ON TABLE wwva_internal.refresh_lock IS
'Never holds a row: a running wwva.refresh() holds it in SHARE ROW EXCLUSIVE mode, so refreshes run one at a time while autovacuum can still vacuum what they write.';
COMMENT ON COLUMN @extschema@.materialized_statement.computed_at IS
'Start of the transaction of the refresh that last changed the line (a refresh that computes it again to the same values leaves it).';

-- Whether the traces hold every change: what the next refresh will check.
CREATE FUNCTION wwva_internal.trace_verdict(OUT reason text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE
       WHEN NOT EXISTS (SELECT FROM wwva_internal.capture_intact)
       THEN 'change traces lost (crash, failover or restore) or never taken (new install): the next refresh rebuilds everything'
       WHEN EXISTS (SELECT FROM wwva_internal.uncaptured_partitions() u WHERE u.is_foreign)
       THEN 'foreign partitions: their changes are made on their shards, untraced here; every refresh rebuilds everything'
       WHEN EXISTS (SELECT FROM wwva_internal.captured_partition k
                     WHERE NOT wwva_internal.in_ledgers(k.relid))
       THEN 'partitions detached or dropped since the last refresh: the next refresh rebuilds everything'
       ELSE (SELECT 'partitions not captured until now (' || pg_catalog.string_agg(u.part::text, ', ' ORDER BY u.part::text)
                    || '): the next refresh rebuilds everything'
               FROM wwva_internal.uncaptured_partitions() u)
       END
$$;
COMMENT ON FUNCTION wwva_internal.trace_verdict() IS
'NULL when the change traces hold every change since the last refresh; else why the next wwva.refresh() rebuilds everything.';
REVOKE EXECUTE ON FUNCTION wwva_internal.trace_verdict() FROM PUBLIC;

CREATE OR REPLACE VIEW @extschema@.refresh_status AS
SELECT last.finished_at AS last_refresh_at,
       last.finished_at - last.started_at AS last_duration,
       last.pairs AS last_pairs,
       (SELECT count(*) FROM wwva_internal.pending_posting) AS pending_postings,
       (SELECT count(*) FROM wwva_internal.pending_event) AS pending_events,
       (SELECT count(*) FROM wwva_internal.pending_change) AS pending_changes,
       LEAST((SELECT min(p.logged_at) FROM wwva_internal.pending_posting p),
             (SELECT min(e.logged_at) FROM wwva_internal.pending_event e),
             (SELECT min(c.logged_at) FROM wwva_internal.pending_change c)) AS oldest_pending_at,
       (SELECT min(a.xact_start)
          FROM pg_catalog.pg_locks l
          JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'relation'
           AND l.relation = 'wwva_internal.refresh_lock'::regclass
           AND l.mode = 'ShareRowExclusiveLock'
           AND l.granted) AS running_since,
       v.reason IS NULL AS verified,
       v.reason AS rebuild_reason
  FROM wwva_internal.trace_verdict() v
  LEFT JOIN LATERAL (SELECT r.started_at, r.finished_at, r.pairs
                       FROM wwva_internal.refresh_run r
                      ORDER BY r.run_id DESC LIMIT 1) last ON true;
COMMENT ON VIEW @extschema@.refresh_status IS
'One row: the last refresh (when, how long, how many pairs), the changes waiting for the next one, since when a refresh is running (NULL when none is), and whether the waiting changes are all there is (else the next refresh rebuilds everything, and why).';
COMMENT ON COLUMN @extschema@.refresh_status.verified IS
'true when the change traces hold every change since the last refresh; false when they may not (lost in a crash, a failover or a restore, not yet taken after the install, or partitions not captured), and the pending counts then tell nothing.';
COMMENT ON COLUMN @extschema@.refresh_status.rebuild_reason IS
'Why the next refresh rebuilds every pair from the ledgers; NULL when verified.';

CREATE OR REPLACE VIEW @extschema@.materialized_staleness AS
SELECT m.me_id,
       f.computed_at,
       COALESCE(p.pending, 0) AS pending,
       p.oldest_pending_at,
       CASE WHEN v.reason IS NULL
            THEN COALESCE(pg_catalog.now() - p.oldest_pending_at, interval '0') END AS stale_for,
       f.computed_at IS NOT NULL AND p.pending IS NULL AND v.reason IS NULL AS up_to_date,
       v.reason IS NULL AS verified
  FROM @extschema@.me m
 CROSS JOIN wwva_internal.trace_verdict() v
  LEFT JOIN (SELECT x.me_id, max(x.computed_at) AS computed_at
               FROM wwva_internal.materialized_figures x
              GROUP BY x.me_id) f ON f.me_id = m.me_id
  LEFT JOIN LATERAL (
        SELECT count(*) AS pending, min(q.logged_at) AS oldest_pending_at
          FROM (SELECT pp.logged_at FROM wwva_internal.pending_posting pp WHERE pp.me_id = m.me_id
                UNION ALL
                SELECT pe.logged_at FROM wwva_internal.pending_event pe WHERE pe.me_id = m.me_id
                UNION ALL
                SELECT pc.logged_at FROM wwva_internal.pending_change pc
                 WHERE pc.me_id = m.me_id OR pc.me_id IS NULL) q
        HAVING count(*) > 0) p ON true;
COMMENT ON COLUMN @extschema@.materialized_staleness.stale_for IS 'now() - oldest_pending_at; 0 when nothing waits; NULL when not verified (unknown).';
COMMENT ON COLUMN @extschema@.materialized_staleness.up_to_date IS 'Computed, verified, and nothing waits.';
COMMENT ON COLUMN @extschema@.materialized_staleness.verified IS
'As wwva.refresh_status.verified: false when changes may be missing from the traces (see its rebuild_reason); the next refresh then rebuilds everything.';


-- ---------------------------------------------------------------------------
-- Findings 5 and 7: scales that mean something, and dates on every
-- per-period row (as sql/currency.sql, sql/ledgers.sql, sql/figures.sql,
-- the five section scripts, sql/statement.sql, sql/emc.sql,
-- sql/materialize.sql and src/money.c).  Sharing payouts, EMC pools and
-- shares are rounded to the currency's minor unit; achievement to 4
-- decimals; per-user lines that do not terminate to 6 (in C).  The views
-- gain period_no, starts_on and ends_on as their last columns, so views
-- users built on them stay.
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.currency (
    code        text PRIMARY KEY
                CONSTRAINT currency_code_blank CHECK (code <> '' AND code !~ '\s'),
    minor_unit  smallint
                CONSTRAINT currency_minor_unit_range CHECK (minor_unit BETWEEN 0 AND 6),
    name        text NOT NULL,
    shipped     boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE @extschema@.currency IS
'The currencies an ME may keep its books in: ISO 4217 codes (and RMB for CNY) with their minor units. Add your own units; rows the extension ships have shipped = true.';
COMMENT ON COLUMN @extschema@.currency.code IS 'ISO 4217 alphabetic code, or a unit you add (no blanks).';
COMMENT ON COLUMN @extschema@.currency.minor_unit IS
'Decimals of the minor unit (2 for fen or cents, 0 for yen, 3 for fils): sharing payouts, EMC pools and shares are rounded to it (half away from zero); NULL: no minor unit, kept exact.';
COMMENT ON COLUMN @extschema@.currency.name IS 'The currency''s name.';
COMMENT ON COLUMN @extschema@.currency.shipped IS 'True for the rows the extension installs (pg_dump leaves them to CREATE EXTENSION); false for yours, which pg_dump dumps.';

INSERT INTO @extschema@.currency (code, minor_unit, name) VALUES
    ('AED', 2, 'UAE Dirham'),
    ('AFN', 2, 'Afghani'),
    ('ALL', 2, 'Lek'),
    ('AMD', 2, 'Armenian Dram'),
    ('ANG', 2, 'Netherlands Antillean Guilder'),
    ('AOA', 2, 'Kwanza'),
    ('ARS', 2, 'Argentine Peso'),
    ('AUD', 2, 'Australian Dollar'),
    ('AWG', 2, 'Aruban Florin'),
    ('AZN', 2, 'Azerbaijan Manat'),
    ('BAM', 2, 'Convertible Mark'),
    ('BBD', 2, 'Barbados Dollar'),
    ('BDT', 2, 'Taka'),
    ('BGN', 2, 'Bulgarian Lev'),
    ('BHD', 3, 'Bahraini Dinar'),
    ('BIF', 0, 'Burundi Franc'),
    ('BMD', 2, 'Bermudian Dollar'),
    ('BND', 2, 'Brunei Dollar'),
    ('BOB', 2, 'Boliviano'),
    ('BOV', 2, 'Mvdol'),
    ('BRL', 2, 'Brazilian Real'),
    ('BSD', 2, 'Bahamian Dollar'),
    ('BTN', 2, 'Ngultrum'),
    ('BWP', 2, 'Pula'),
    ('BYN', 2, 'Belarusian Ruble'),
    ('BZD', 2, 'Belize Dollar'),
    ('CAD', 2, 'Canadian Dollar'),
    ('CDF', 2, 'Congolese Franc'),
    ('CHE', 2, 'WIR Euro'),
    ('CHF', 2, 'Swiss Franc'),
    ('CHW', 2, 'WIR Franc'),
    ('CLF', 4, 'Unidad de Fomento'),
    ('CLP', 0, 'Chilean Peso'),
    ('CNY', 2, 'Yuan Renminbi'),
    ('COP', 2, 'Colombian Peso'),
    ('COU', 2, 'Unidad de Valor Real'),
    ('CRC', 2, 'Costa Rican Colon'),
    ('CUC', 2, 'Peso Convertible'),
    ('CUP', 2, 'Cuban Peso'),
    ('CVE', 2, 'Cabo Verde Escudo'),
    ('CZK', 2, 'Czech Koruna'),
    ('DJF', 0, 'Djibouti Franc'),
    ('DKK', 2, 'Danish Krone'),
    ('DOP', 2, 'Dominican Peso'),
    ('DZD', 2, 'Algerian Dinar'),
    ('EGP', 2, 'Egyptian Pound'),
    ('ERN', 2, 'Nakfa'),
    ('ETB', 2, 'Ethiopian Birr'),
    ('EUR', 2, 'Euro'),
    ('FJD', 2, 'Fiji Dollar'),
    ('FKP', 2, 'Falkland Islands Pound'),
    ('GBP', 2, 'Pound Sterling'),
    ('GEL', 2, 'Lari'),
    ('GHS', 2, 'Ghana Cedi'),
    ('GIP', 2, 'Gibraltar Pound'),
    ('GMD', 2, 'Dalasi'),
    ('GNF', 0, 'Guinean Franc'),
    ('GTQ', 2, 'Quetzal'),
    ('GYD', 2, 'Guyana Dollar'),
    ('HKD', 2, 'Hong Kong Dollar'),
    ('HNL', 2, 'Lempira'),
    ('HRK', 2, 'Kuna'),
    ('HTG', 2, 'Gourde'),
    ('HUF', 2, 'Forint'),
    ('IDR', 2, 'Rupiah'),
    ('ILS', 2, 'New Israeli Sheqel'),
    ('INR', 2, 'Indian Rupee'),
    ('IQD', 3, 'Iraqi Dinar'),
    ('IRR', 2, 'Iranian Rial'),
    ('ISK', 0, 'Iceland Krona'),
    ('JMD', 2, 'Jamaican Dollar'),
    ('JOD', 3, 'Jordanian Dinar'),
    ('JPY', 0, 'Yen'),
    ('KES', 2, 'Kenyan Shilling'),
    ('KGS', 2, 'Som'),
    ('KHR', 2, 'Riel'),
    ('KMF', 0, 'Comorian Franc'),
    ('KPW', 2, 'North Korean Won'),
    ('KRW', 0, 'Won'),
    ('KWD', 3, 'Kuwaiti Dinar'),
    ('KYD', 2, 'Cayman Islands Dollar'),
    ('KZT', 2, 'Tenge'),
    ('LAK', 2, 'Lao Kip'),
    ('LBP', 2, 'Lebanese Pound'),
    ('LKR', 2, 'Sri Lanka Rupee'),
    ('LRD', 2, 'Liberian Dollar'),
    ('LSL', 2, 'Loti'),
    ('LYD', 3, 'Libyan Dinar'),
    ('MAD', 2, 'Moroccan Dirham'),
    ('MDL', 2, 'Moldovan Leu'),
    ('MGA', 2, 'Malagasy Ariary'),
    ('MKD', 2, 'Denar'),
    ('MMK', 2, 'Kyat'),
    ('MNT', 2, 'Tugrik'),
    ('MOP', 2, 'Pataca'),
    ('MRU', 2, 'Ouguiya'),
    ('MUR', 2, 'Mauritius Rupee'),
    ('MVR', 2, 'Rufiyaa'),
    ('MWK', 2, 'Malawi Kwacha'),
    ('MXN', 2, 'Mexican Peso'),
    ('MXV', 2, 'Mexican Unidad de Inversion (UDI)'),
    ('MYR', 2, 'Malaysian Ringgit'),
    ('MZN', 2, 'Mozambique Metical'),
    ('NAD', 2, 'Namibia Dollar'),
    ('NGN', 2, 'Naira'),
    ('NIO', 2, 'Cordoba Oro'),
    ('NOK', 2, 'Norwegian Krone'),
    ('NPR', 2, 'Nepalese Rupee'),
    ('NZD', 2, 'New Zealand Dollar'),
    ('OMR', 3, 'Rial Omani'),
    ('PAB', 2, 'Balboa'),
    ('PEN', 2, 'Sol'),
    ('PGK', 2, 'Kina'),
    ('PHP', 2, 'Philippine Peso'),
    ('PKR', 2, 'Pakistan Rupee'),
    ('PLN', 2, 'Zloty'),
    ('PYG', 0, 'Guarani'),
    ('QAR', 2, 'Qatari Rial'),
    ('RON', 2, 'Romanian Leu'),
    ('RSD', 2, 'Serbian Dinar'),
    ('RUB', 2, 'Russian Ruble'),
    ('RWF', 0, 'Rwanda Franc'),
    ('SAR', 2, 'Saudi Riyal'),
    ('SBD', 2, 'Solomon Islands Dollar'),
    ('SCR', 2, 'Seychelles Rupee'),
    ('SDG', 2, 'Sudanese Pound'),
    ('SEK', 2, 'Swedish Krona'),
    ('SGD', 2, 'Singapore Dollar'),
    ('SHP', 2, 'Saint Helena Pound'),
    ('SLE', 2, 'Leone'),
    ('SLL', 2, 'Leone'),
    ('SOS', 2, 'Somali Shilling'),
    ('SRD', 2, 'Surinam Dollar'),
    ('SSP', 2, 'South Sudanese Pound'),
    ('STN', 2, 'Dobra'),
    ('SVC', 2, 'El Salvador Colon'),
    ('SYP', 2, 'Syrian Pound'),
    ('SZL', 2, 'Lilangeni'),
    ('THB', 2, 'Baht'),
    ('TJS', 2, 'Somoni'),
    ('TMT', 2, 'Turkmenistan New Manat'),
    ('TND', 3, 'Tunisian Dinar'),
    ('TOP', 2, 'Pa’anga'),
    ('TRY', 2, 'Turkish Lira'),
    ('TTD', 2, 'Trinidad and Tobago Dollar'),
    ('TWD', 2, 'New Taiwan Dollar'),
    ('TZS', 2, 'Tanzanian Shilling'),
    ('UAH', 2, 'Hryvnia'),
    ('UGX', 0, 'Uganda Shilling'),
    ('USD', 2, 'US Dollar'),
    ('USN', 2, 'US Dollar (Next day)'),
    ('UYI', 0, 'Uruguay Peso en Unidades Indexadas (UI)'),
    ('UYU', 2, 'Peso Uruguayo'),
    ('UYW', 4, 'Unidad Previsional'),
    ('UZS', 2, 'Uzbekistan Sum'),
    ('VED', 2, 'Bolívar Soberano'),
    ('VES', 2, 'Bolívar Soberano'),
    ('VND', 0, 'Dong'),
    ('VUV', 0, 'Vatu'),
    ('WST', 2, 'Tala'),
    ('XAF', 0, 'CFA Franc BEAC'),
    ('XAG', NULL, 'Silver'),
    ('XAU', NULL, 'Gold'),
    ('XBA', NULL, 'Bond Markets Unit European Composite Unit (EURCO)'),
    ('XBB', NULL, 'Bond Markets Unit European Monetary Unit (E.M.U.-6)'),
    ('XBC', NULL, 'Bond Markets Unit European Unit of Account 9 (E.U.A.-9)'),
    ('XBD', NULL, 'Bond Markets Unit European Unit of Account 17 (E.U.A.-17)'),
    ('XCD', 2, 'East Caribbean Dollar'),
    ('XDR', NULL, 'SDR (Special Drawing Right)'),
    ('XOF', 0, 'CFA Franc BCEAO'),
    ('XPD', NULL, 'Palladium'),
    ('XPF', 0, 'CFP Franc'),
    ('XPT', NULL, 'Platinum'),
    ('XSU', NULL, 'Sucre'),
    ('XTS', NULL, 'Codes specifically reserved for testing purposes'),
    ('XUA', NULL, 'ADB Unit of Account'),
    ('XXX', NULL, 'The codes assigned for transactions where no currency is involved'),
    ('YER', 2, 'Yemeni Rial'),
    ('ZAR', 2, 'Rand'),
    ('ZMW', 2, 'Zambian Kwacha'),
    ('ZWL', 2, 'Zimbabwe Dollar'),
    ('RMB', 2, 'Renminbi: the customary name of CNY, wwva''s default');
UPDATE @extschema@.currency SET shipped = true;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.currency', 'WHERE NOT shipped');
-- Reference data every statement reads: anyone may read it, so a reader
-- granted before this table existed keeps reading the statement (which
-- rows: the policies below, as sql/security.sql).
GRANT SELECT ON @extschema@.currency TO PUBLIC;

-- wwva.me refers to these codes through its row check (wwva_internal.me_check),
-- not a foreign key: pg_restore -j loads the two tables in any order.  So
-- a code an ME books in is kept here.
CREATE FUNCTION wwva_internal.currency_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    users_of text;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'DELETE' OR NEW.code IS DISTINCT FROM OLD.code THEN
        SELECT pg_catalog.string_agg(pg_catalog.format('"%s"', m.me_id), ', ' ORDER BY m.me_id)
          INTO users_of
          FROM (SELECT m.me_id FROM @extschema@.me m
                 WHERE m.currency OPERATOR(pg_catalog.=) OLD.code ORDER BY m.me_id LIMIT 5) m;
        IF users_of IS NOT NULL THEN
            RAISE EXCEPTION 'currency "%" is the currency of ME %', OLD.code, users_of
                USING ERRCODE = 'foreign_key_violation',
                      HINT = 'Give those MEs another currency first (UPDATE wwva.me SET currency = ...).';
        END IF;
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION wwva_internal.currency_check() IS
'Trigger: refuses to delete or rename a currency an ME of wwva.me books in.';
CREATE TRIGGER currency_check BEFORE UPDATE OR DELETE ON @extschema@.currency
    FOR EACH ROW EXECUTE FUNCTION wwva_internal.currency_check();
-- a trigger fires without the privilege (as sql/security.sql)
REVOKE EXECUTE ON FUNCTION wwva_internal.currency_check() FROM PUBLIC;
-- Everyone may read wwva.currency (a reader granted before it existed
-- keeps reading the statement), but a unit a DBA added shows only to those
-- who see an ME that books in it, or who may create MEs: its code can be as
-- telling as an ME's name.  The ISO 4217 rows show to everyone.
ALTER TABLE @extschema@.currency ENABLE ROW LEVEL SECURITY;
CREATE POLICY currency_visible ON @extschema@.currency FOR SELECT
    USING (shipped
           OR EXISTS (SELECT FROM @extschema@.me m
                       WHERE m.currency OPERATOR(pg_catalog.=) currency.code)
           OR pg_catalog.has_table_privilege('@extschema@.me', 'INSERT'));
COMMENT ON POLICY currency_visible ON @extschema@.currency IS
'The shipped ISO 4217 rows show to everyone; a unit of your own to those who see an ME that books in it (the policy on wwva.me governs) or who may insert into wwva.me.';
-- writing stays a matter of table privileges (the owner's alone unless granted)
CREATE POLICY currency_written ON @extschema@.currency FOR INSERT WITH CHECK (true);
CREATE POLICY currency_changed ON @extschema@.currency FOR UPDATE USING (true) WITH CHECK (true);
CREATE POLICY currency_removed ON @extschema@.currency FOR DELETE USING (true);
COMMENT ON POLICY currency_written ON @extschema@.currency IS 'Row-level security does not restrict writes: INSERT privilege does.';
COMMENT ON POLICY currency_changed ON @extschema@.currency IS 'Row-level security does not restrict writes: UPDATE privilege does.';
COMMENT ON POLICY currency_removed ON @extschema@.currency IS 'Row-level security does not restrict writes: DELETE privilege does.';

-- MEs that keep their books in a code the list does not have keep it, as a
-- unit of their own (minor unit 2), with a warning: the row check refuses
-- such codes from now on.
DO $$
DECLARE
    unknown record;
BEGIN
    FOR unknown IN
        SELECT m.currency, pg_catalog.string_agg(m.me_id, ', ' ORDER BY m.me_id) AS mes
          FROM @extschema@.me m
         WHERE NOT EXISTS (SELECT FROM @extschema@.currency c WHERE c.code OPERATOR(pg_catalog.=) m.currency)
         GROUP BY m.currency
    LOOP
        INSERT INTO @extschema@.currency (code, minor_unit, name)
        VALUES (unknown.currency, 2, 'kept by the 0.8.0 upgrade: not an ISO 4217 code');
        RAISE WARNING 'wwva.me: ME % keep their books in "%", which is not an ISO 4217 code; it was added to wwva.currency with minor unit 2', unknown.mes, unknown.currency
            USING HINT = 'Set the ISO 4217 code, e.g. UPDATE wwva.me SET currency = ''USD'' WHERE currency = ''...'', then delete the row from wwva.currency; or give it its minor unit there.';
    END LOOP;
END
$$;
COMMENT ON COLUMN @extschema@.me.currency IS
'Currency of the ME''s ledger amounts, a code of wwva.currency (ISO 4217; RMB for CNY); shown in the unit column of wwva.statement, and its minor unit sets the decimals of sharing payouts and EMC pools and shares.';

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
                               c.period_id,
                               c.period_no,
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
                         CROSS JOIN @extschema@.period_calendar c
                          LEFT JOIN pg_catalog.unnest(money) f
                                 ON f.me_id = m.me_id AND f.period_no = c.period_no
                         WHERE me_ids IS NULL
                            OR (m.me_id, c.period_no) IN (SELECT * FROM ROWS FROM (pg_catalog.unnest(me_ids), pg_catalog.unnest(period_nos)))) s) g
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
'Every statement figure (the columns of wwva.figures) for each ME x period, from its money sums and section 1 counts (pairs missing from the arrays count as 0); only the pairs (me_ids[i], period_nos[i]) when me_ids is not NULL.';

CREATE OR REPLACE VIEW wwva_internal.profit_figures AS
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
       c.ends_on
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

CREATE OR REPLACE VIEW @extschema@.figures AS
SELECT f.*,
       c.starts_on,
       c.ends_on
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

CREATE OR REPLACE VIEW @extschema@.user_resources AS
SELECT m.me_id,
       c.period_id,
       COALESCE(u.interactive_users, 0) AS interactive_users,
       COALESCE(u.active_users, 0) AS active_users,
       COALESCE(u.lifetime_users, 0) AS lifetime_users,
       COALESCE(u.user_makers, 0) AS user_makers,
       c.period_no,
       c.starts_on,
       c.ends_on
  FROM @extschema@.me m
 CROSS JOIN @extschema@.period_calendar c
  LEFT JOIN wwva_internal.user_figures u
         ON u.me_id = m.me_id AND u.period_no = c.period_no;
COMMENT ON VIEW @extschema@.user_resources IS
'WWVA section 1, user resources: one row per ME per period, from one pass over wwva.user_event.';
COMMENT ON COLUMN @extschema@.user_resources.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.user_resources.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.user_resources.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.user_resources.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.user_resources.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';

CREATE OR REPLACE VIEW @extschema@.value_added_sharing AS
SELECT p.me_id,
       p.period_id,
       p.hardware_profit,
       p.ecosystem_profit,
       p.total_profit,
       p.users_share,
       p.investors_share,
       p.team_share,
       p.total_sharing,
       p.period_no,
       p.starts_on,
       p.ends_on
  FROM wwva_internal.profit_figures p;
COMMENT ON VIEW @extschema@.value_added_sharing IS
'WWVA section 2, sharing of profits: one row per ME per period, amounts in the ME''s currency unit. Shares follow wwva.sharing_rule.';
COMMENT ON COLUMN @extschema@.value_added_sharing.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.value_added_sharing.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.value_added_sharing.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.value_added_sharing.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.value_added_sharing.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';

CREATE OR REPLACE VIEW @extschema@.revenues AS
SELECT p.me_id,
       p.period_id,
       p.hardware_revenue,
       p.ecosystem_revenue,
       p.total_revenue,
       p.period_no,
       p.starts_on,
       p.ends_on
  FROM wwva_internal.profit_figures p;
COMMENT ON VIEW @extschema@.revenues IS
'WWVA section 3, revenues: one row per ME per period, in the ME''s currency unit.';
COMMENT ON COLUMN @extschema@.revenues.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.revenues.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.revenues.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.revenues.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.revenues.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';

CREATE OR REPLACE VIEW @extschema@.costs AS
SELECT f.me_id,
       f.period_id,
       f.hardware_cost,
       f.hardware_variable_cost,
       f.ecosystem_cost,
       f.ecosystem_variable_cost,
       f.total_cost,
       f.hardware_marginal_cost,
       f.ecosystem_marginal_cost,
       f.period_no,
       f.starts_on,
       f.ends_on
  FROM @extschema@.figures f;
COMMENT ON VIEW @extschema@.costs IS
'WWVA section 4, cost and marginal cost: one row per ME per period. Marginal costs are per active user and NULL at 0 active users.';
COMMENT ON COLUMN @extschema@.costs.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.costs.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.costs.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.costs.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.costs.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';

CREATE OR REPLACE VIEW @extschema@.marginal_income AS
SELECT f.me_id,
       f.period_id,
       f.hardware_marginal_income,
       f.ecosystem_marginal_income,
       f.total_marginal_income,
       f.period_no,
       f.starts_on,
       f.ends_on
  FROM @extschema@.figures f;
COMMENT ON VIEW @extschema@.marginal_income IS
'WWVA section 5, marginal income per active user: one row per ME per period; NULL at 0 active users.';
COMMENT ON COLUMN @extschema@.marginal_income.me_id IS 'ME.';
COMMENT ON COLUMN @extschema@.marginal_income.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.marginal_income.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.marginal_income.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.marginal_income.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';

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

ALTER TABLE @extschema@.emc_contract ALTER COLUMN share_scale DROP DEFAULT;
COMMENT ON COLUMN @extschema@.emc_contract.share_scale IS 'Decimal digits of the pool and of each share; left out, the minor unit of the leader ME''s currency (2 for fen or cents, 0 for yen).';

CREATE OR REPLACE FUNCTION wwva_internal.emc_contract_row_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- A share has as many decimals as the leader's currency has: 2 for
    -- fen or cents, 0 for yen (2 when the currency has no minor unit).
    IF NEW.share_scale IS NULL THEN
        NEW.share_scale := COALESCE((SELECT cu.minor_unit
                                       FROM @extschema@.emc e
                                       JOIN @extschema@.me m ON m.me_id OPERATOR(pg_catalog.=) e.leader_me_id
                                       JOIN @extschema@.currency cu ON cu.code OPERATOR(pg_catalog.=) m.currency
                                      WHERE e.emc_id OPERATOR(pg_catalog.=) NEW.emc_id), 2);
    END IF;
    IF NEW.leading_target IS NULL
       OR NEW.leading_target OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity', '-Infinity']::numeric[])
       OR NEW.value_added OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity', '-Infinity']::numeric[])
       OR NEW.pool_floor OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity']::numeric[])
       OR NEW.pool_cap OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity', '-Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%" has leading target %, value added %, pool floor % and cap %; all must be finite',
            NEW.emc_id, NEW.period_id, COALESCE(NEW.leading_target::text, 'NULL'),
            COALESCE(NEW.value_added::text, 'NULL'), NEW.pool_floor, COALESCE(NEW.pool_cap::text, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'Give the gate and the pool bounds as finite numbers; NULL value_added and pool_cap mean "from the ledgers" and "no cap".';
    END IF;
    IF NEW.pool_floor OPERATOR(pg_catalog.>) NEW.pool_cap THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%" has pool floor % above pool cap %',
            NEW.emc_id, NEW.period_id, NEW.pool_floor, NEW.pool_cap
            USING ERRCODE = 'check_violation',
                  HINT = 'The pool lies in [pool_floor, pool_cap]: pool_floor <= pool_cap.';
    END IF;
    IF NEW.pool_floor IS NULL OR NEW.pool_floor OPERATOR(pg_catalog.<) 0 THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%" has pool floor %, which is not >= 0',
            NEW.emc_id, NEW.period_id, COALESCE(NEW.pool_floor::text, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'pool_floor defaults to 0.';
    END IF;
    IF NEW.share_scale OPERATOR(pg_catalog.<) 0 OR NEW.share_scale OPERATOR(pg_catalog.>) 12 THEN
        RAISE EXCEPTION 'EMC "%" contract for period "%" has share_scale %, outside 0 to 12',
            NEW.emc_id, NEW.period_id, NEW.share_scale
            USING ERRCODE = 'check_violation',
                  HINT = 'share_scale is the number of decimal digits of a share, 2 for fen or cents.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION wwva_internal.emc_contract_row_check() IS
'Trigger: gives a wwva.emc_contract row without share_scale the minor unit of its leader''s currency; rejects one whose pool floor is negative or above its cap, naming the EMC and period.';

CREATE OR REPLACE VIEW @extschema@.emc_pools AS
SELECT c.emc_id,
       c.period_id,
       v.value_added,
       -- a pool is rates times value added: rounded to the shares' decimals
       pg_catalog.round(@extschema@.share_pool(
           v.value_added, c.leading_target,
           ARRAY(SELECT t.threshold FROM @extschema@.emc_tier t
                  WHERE t.emc_id = c.emc_id AND t.period_id = c.period_id ORDER BY t.threshold),
           ARRAY(SELECT t.rate FROM @extschema@.emc_tier t
                  WHERE t.emc_id = c.emc_id AND t.period_id = c.period_id ORDER BY t.threshold),
           c.pool_floor, c.pool_cap), c.share_scale) AS pool,
       c.leading_target,
       c.share_scale,
       pc.period_no,
       pc.starts_on,
       pc.ends_on
  FROM @extschema@.emc_contract c
  JOIN @extschema@.period_calendar pc ON pc.period_id = c.period_id
 CROSS JOIN LATERAL (
        SELECT COALESCE(c.value_added,
                        (SELECT COALESCE(sum(p.total_profit), 0)
                           FROM @extschema@.emc_member m
                           JOIN wwva_internal.profit_figures p
                             ON p.me_id = m.member_id AND p.period_id = c.period_id
                          WHERE m.emc_id = c.emc_id AND m.kind = 'me')) AS value_added) v;
COMMENT ON VIEW @extschema@.emc_pools IS
'Per EMC contract and period: the value added (contract override, else the sum of member MEs'' total profit), the gate and the resulting share pool.';
COMMENT ON COLUMN @extschema@.emc_pools.emc_id IS 'EMC.';
COMMENT ON COLUMN @extschema@.emc_pools.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.emc_pools.value_added IS 'The EMC''s value added for the period.';
COMMENT ON COLUMN @extschema@.emc_pools.pool IS 'The share pool: wwva.share_pool over the contract''s tiers, rounded half away from zero to share_scale decimals; 0 below the gate.';
COMMENT ON COLUMN @extschema@.emc_pools.leading_target IS 'The gate.';
COMMENT ON COLUMN @extschema@.emc_pools.share_scale IS 'Decimal digits of the pool and of each share.';
COMMENT ON COLUMN @extschema@.emc_pools.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.emc_pools.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.emc_pools.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';

CREATE OR REPLACE VIEW @extschema@.emc_shares AS
SELECT s.emc_id,
       s.period_id,
       l.member_id,
       l.kind,
       l.share,
       COALESCE(l.member_id, '(retained)') AS member_label,
       s.period_no,
       s.starts_on,
       s.ends_on
  FROM (SELECT p.emc_id,
               p.period_id,
               p.period_no,
               p.starts_on,
               p.ends_on,
               p.pool,
               (SELECT @extschema@.split(em.member_id, em.weight, em.lower_limit, em.upper_limit,
                                         p.pool, p.share_scale)
                  FROM @extschema@.emc_member em
                 WHERE em.emc_id = p.emc_id) AS shares
          FROM @extschema@.emc_pools p) s
 CROSS JOIN LATERAL (
        SELECT m.member_id, 'member'::text AS kind, m.share
          FROM unnest(s.shares) AS m
        UNION ALL
        SELECT NULL::text, 'retained'::text,
               s.pool - COALESCE((SELECT sum(m.share) FROM unnest(s.shares) AS m), 0)) AS l;
COMMENT ON VIEW @extschema@.emc_shares IS
'For every EMC contract and period: each member''s share of the pool, plus a retained row for what no member could take (all capped, or below the minor unit). Shares + retained = pool, exactly.';
COMMENT ON COLUMN @extschema@.emc_shares.emc_id IS 'EMC.';
COMMENT ON COLUMN @extschema@.emc_shares.period_id IS 'Period.';
COMMENT ON COLUMN @extschema@.emc_shares.member_id IS 'Member; NULL on the retained row.';
COMMENT ON COLUMN @extschema@.emc_shares.kind IS '''member'' or ''retained''.';
COMMENT ON COLUMN @extschema@.emc_shares.share IS 'Amount, rounded to the contract''s share_scale by largest remainder.';
COMMENT ON COLUMN @extschema@.emc_shares.member_label IS 'What to show for the row: the member''s id, or ''(retained)''.';
COMMENT ON COLUMN @extschema@.emc_shares.period_no IS 'Period position (wwva.period_calendar.period_no).';
COMMENT ON COLUMN @extschema@.emc_shares.starts_on IS 'First day of the period.';
COMMENT ON COLUMN @extschema@.emc_shares.ends_on IS 'Day after the period''s last day (periods are half-open: [starts_on, ends_on)).';

-- The materialized statement gets the dates too; its lines are computed
-- again by the next refresh (the scales changed), which the emptied marker
-- below makes a rebuild.
ALTER TABLE @extschema@.materialized_statement
    ADD COLUMN period_no integer,
    ADD COLUMN starts_on date,
    ADD COLUMN ends_on date;
DELETE FROM @extschema@.materialized_statement s
 WHERE NOT EXISTS (SELECT FROM @extschema@.period_calendar c WHERE c.period_id OPERATOR(pg_catalog.=) s.period_id);
UPDATE @extschema@.materialized_statement s
   SET period_no = c.period_no, starts_on = c.starts_on, ends_on = c.ends_on
  FROM @extschema@.period_calendar c
 WHERE c.period_id OPERATOR(pg_catalog.=) s.period_id;
ALTER TABLE @extschema@.materialized_statement
    ALTER COLUMN period_no SET NOT NULL,
    ALTER COLUMN starts_on SET NOT NULL,
    ALTER COLUMN ends_on SET NOT NULL;
COMMENT ON COLUMN @extschema@.materialized_statement.period_no IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.starts_on IS 'As in wwva.statement.';
COMMENT ON COLUMN @extschema@.materialized_statement.ends_on IS 'As in wwva.statement.';
DELETE FROM wwva_internal.capture_intact;
-- ---------------------------------------------------------------------------
-- The definitions written from the statement's catalogue (as
-- sql/statement.sql): achievement at 4 decimals, and the column comments
-- now also reach the wide view that moved to wwva_internal.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION wwva_internal.define_statement_lines() RETURNS void
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

-- ---------------------------------------------------------------------------
-- Finding 9, the small tables (as sql/ledgers.sql and sql/emc.sql): during a
-- restore the row checks of targets, sharing rules and EMCs no longer look
-- up MEs and periods, which pg_restore -j may load beside them; the foreign
-- keys check those rows.
-- ---------------------------------------------------------------------------
CREATE OR REPLACE FUNCTION wwva_internal.target_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- A restore (check_function_bodies off) may load wwva.me and
    -- wwva.period beside this table (pg_restore -j); the foreign keys check
    -- these rows once they are all in.
    IF pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off' THEN
        IF NOT EXISTS (SELECT FROM @extschema@.me m WHERE m.me_id OPERATOR(pg_catalog.=) NEW.me_id) THEN
            RAISE EXCEPTION 'target for ME "%", period "%", item "%" names an unknown ME',
                NEW.me_id, NEW.period_id, NEW.item
                USING ERRCODE = 'foreign_key_violation',
                      HINT = 'Add the ME to wwva.me first.';
        END IF;
        IF NOT EXISTS (SELECT FROM @extschema@.period p WHERE p.period_id OPERATOR(pg_catalog.=) NEW.period_id) THEN
            RAISE EXCEPTION 'target for ME "%", period "%", item "%" names an unknown period',
                NEW.me_id, NEW.period_id, NEW.item
                USING ERRCODE = 'foreign_key_violation',
                      HINT = 'Add the period to wwva.period first.';
        END IF;
    END IF;
    IF NEW.item IS NULL OR NEW.item OPERATOR(pg_catalog.<>) ALL (@extschema@.statement_items()) THEN
        RAISE EXCEPTION 'target for ME "%", period "%" has unknown item "%"',
            NEW.me_id, NEW.period_id, NEW.item
            USING ERRCODE = 'check_violation',
                  HINT = 'item must be a line name of wwva.statement: ' OPERATOR(pg_catalog.||)
                         pg_catalog.array_to_string(@extschema@.statement_items(), ', ') OPERATOR(pg_catalog.||) '.';
    END IF;
    IF NEW.value IS NULL OR NEW.value OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity', '-Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'target for ME "%", period "%", item "%" has value %, which is not a finite number',
            NEW.me_id, NEW.period_id, NEW.item, COALESCE(NEW.value::text, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'Give the target as a finite number in the line''s unit.';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION wwva_internal.emc_member_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.kind IS NULL OR NEW.kind OPERATOR(pg_catalog.<>) ALL (ARRAY['me', 'partner']) THEN
        RAISE EXCEPTION 'EMC "%" member "%" has unknown kind "%"', NEW.emc_id, NEW.member_id, NEW.kind
            USING ERRCODE = 'check_violation',
                  HINT = 'kind must be ''me'' (an ME in wwva.me) or ''partner'' (outside the group).';
    END IF;
    -- (a restore, which may load wwva.me beside this table, brings rows
    -- that were checked when they were written)
    IF NEW.kind OPERATOR(pg_catalog.=) 'me'
       AND pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off'
       AND NOT EXISTS (SELECT FROM @extschema@.me m WHERE m.me_id OPERATOR(pg_catalog.=) NEW.member_id) THEN
        RAISE EXCEPTION 'EMC "%" member "%" is of kind ''me'' but no such ME exists', NEW.emc_id, NEW.member_id
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Add the ME to wwva.me first, or make the member a ''partner''.';
    END IF;
    IF NEW.weight IS NULL OR NEW.weight OPERATOR(pg_catalog.<) 0
       OR NEW.weight OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'EMC "%" member "%" has weight %, which is not a finite number >= 0',
            NEW.emc_id, NEW.member_id, COALESCE(NEW.weight::text, 'NULL')
            USING ERRCODE = 'check_violation',
                  HINT = 'Share weights are 0 or more; the pool is split in proportion to them.';
    END IF;
    IF NEW.lower_limit IS NULL OR NEW.lower_limit OPERATOR(pg_catalog.<) 0
       OR NEW.lower_limit OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity']::numeric[])
       OR NEW.upper_limit OPERATOR(pg_catalog.=) ANY (ARRAY['NaN', 'Infinity', '-Infinity']::numeric[]) THEN
        RAISE EXCEPTION 'EMC "%" member "%" has limits [%, %]; both must be finite and the lower >= 0',
            NEW.emc_id, NEW.member_id, COALESCE(NEW.lower_limit::text, 'NULL'), COALESCE(NEW.upper_limit::text, 'none')
            USING ERRCODE = 'check_violation',
                  HINT = 'lower_limit defaults to 0; use NULL upper_limit for no upper limit.';
    END IF;
    IF NEW.lower_limit OPERATOR(pg_catalog.>) NEW.upper_limit THEN
        RAISE EXCEPTION 'EMC "%" member "%" has lower limit % above upper limit %',
            NEW.emc_id, NEW.member_id, NEW.lower_limit, NEW.upper_limit
            USING ERRCODE = 'check_violation',
                  HINT = 'A member''s share lies in [lower_limit, upper_limit]: lower_limit <= upper_limit.';
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION wwva_internal.emc_leader_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- (in a restore, the foreign key checks the leader once wwva.me is in)
    IF NEW.leader_me_id IS NULL
       OR (pg_catalog.current_setting('check_function_bodies') OPERATOR(pg_catalog.<>) 'off'
           AND NOT EXISTS (SELECT FROM @extschema@.me m WHERE m.me_id OPERATOR(pg_catalog.=) NEW.leader_me_id)) THEN
        RAISE EXCEPTION 'EMC "%" has leader "%", which is not an ME', NEW.emc_id, NEW.leader_me_id
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'The leader is the ME that leads the EMC: add it to wwva.me first.';
    END IF;
    RETURN NEW;
END $$;


-- ---------------------------------------------------------------------------
-- Finding 12, the per-pair cache (as sql/materialize.sql)
-- ---------------------------------------------------------------------------
-- a refresh rewrites the whole user state of a pair that gained users:
-- let autovacuum reclaim the old versions at once, unthrottled (the table
-- is small and unlogged), so they are reused rather than piled up
ALTER TABLE wwva_internal.materialized_figures
    SET (autovacuum_vacuum_cost_delay = 0,
         toast.autovacuum_vacuum_cost_delay = 0,
         toast.autovacuum_vacuum_scale_factor = 0,
         toast.autovacuum_vacuum_threshold = 500);

-- ---------------------------------------------------------------------------
-- The old names of the moved views (as sql/deprecated.sql), now that the
-- views have their 0.8.0 columns; they get the grants users gave.
-- ---------------------------------------------------------------------------
CREATE VIEW @extschema@.money_figures AS SELECT * FROM wwva_internal.money_figures;
COMMENT ON VIEW @extschema@.money_figures IS
'Deprecated since 0.8.0, removed in 0.9.0: the six money sums per ME and period, now wwva_internal.money_figures. Read wwva.figures or wwva.revenues and wwva.costs instead.';

CREATE VIEW @extschema@.user_figures AS SELECT * FROM wwva_internal.user_figures;
COMMENT ON VIEW @extschema@.user_figures IS
'Deprecated since 0.8.0, removed in 0.9.0: the section 1 counts per ME and period, now wwva_internal.user_figures. Read wwva.user_resources instead.';

CREATE VIEW @extschema@.profit_figures AS SELECT * FROM wwva_internal.profit_figures;
COMMENT ON VIEW @extschema@.profit_figures IS
'Deprecated since 0.8.0, removed in 0.9.0: the money lines per ME and period, now wwva_internal.profit_figures. Read wwva.figures instead.';
-- Their columns say what the moved views' columns say.
DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT a.attrelid::regclass AS alias, a.attname, pg_catalog.col_description(b.attrelid, b.attnum) AS comment
          FROM pg_catalog.pg_attribute a
          JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) a.attrelid
          JOIN pg_catalog.pg_attribute b
            ON b.attrelid OPERATOR(pg_catalog.=) pg_catalog.format('wwva_internal.%I', c.relname)::regclass
           AND b.attname OPERATOR(pg_catalog.=) a.attname
         WHERE c.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
           AND c.relname OPERATOR(pg_catalog.=) ANY (ARRAY['money_figures', 'user_figures', 'profit_figures']::name[])
           AND a.attnum OPERATOR(pg_catalog.>) 0
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', col.alias, col.attname, col.comment);
    END LOOP;
END
$$;
SELECT wwva_internal.restore_grants();
-- ---------------------------------------------------------------------------
-- Every view this upgrade created runs as whoever queries it (as
-- sql/finish.sql; PostgreSQL 15 and later).
-- ---------------------------------------------------------------------------
DO $$
DECLARE
    v regclass;
BEGIN
    IF pg_catalog.current_setting('server_version_num')::integer >= 150000 THEN
        FOR v IN
            SELECT c.oid::regclass
              FROM pg_catalog.pg_class c
             WHERE c.relnamespace IN ('@extschema@'::regnamespace, 'wwva_internal'::regnamespace)
               AND c.relkind = 'v'
        LOOP
            EXECUTE pg_catalog.format('ALTER VIEW %s SET (security_invoker = true)', v);
        END LOOP;
        -- The building blocks the public views read: anyone may read them,
        -- as themselves, so a reader needs grants on schema wwva alone
        -- (without USAGE on wwva_internal no one can name them).
        FOR v IN
            SELECT c.oid::regclass
              FROM pg_catalog.pg_class c
             WHERE c.relnamespace = 'wwva_internal'::regnamespace AND c.relkind = 'v'
        LOOP
            EXECUTE pg_catalog.format('GRANT SELECT ON %s TO PUBLIC', v);
        END LOOP;
    END IF;
END
$$;

