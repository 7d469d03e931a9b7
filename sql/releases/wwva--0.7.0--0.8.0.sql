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
'Trigger: validates a wwva.me row (a full IANA time zone name, kind, N, K) and keeps MEs with postings or events from being deleted or renamed.';

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
    IF NOT EXISTS (SELECT FROM @extschema@.me m WHERE m.me_id OPERATOR(pg_catalog.=) NEW.me_id) THEN
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

-- ---------------------------------------------------------------------------
-- The definitions written from the statement's catalogue (as
-- sql/statement.sql): the column comments now also reach the wide view
-- that moved to wwva_internal.
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
       CASE WHEN t.value <> 0 THEN l.actual / t.value END AS achievement,
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
