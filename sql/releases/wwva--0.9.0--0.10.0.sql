-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION wwva UPDATE TO '0.10.0'" to load this file. \quit

-- ===========================================================================
-- wwva 0.9.0 -> 0.10.0, written by hand.
--
-- Citus (issue 17): the default partitions' keys hold the ME, the
-- distribution column, so create_distributed_table() accepts the ledgers.
-- ===========================================================================
ALTER TABLE @extschema@.ledger_default
    DROP CONSTRAINT ledger_default_pkey,
    ADD CONSTRAINT ledger_default_pkey PRIMARY KEY (me_id, entry_id);
ALTER TABLE @extschema@.user_event_default
    DROP CONSTRAINT user_event_default_pkey,
    ADD CONSTRAINT user_event_default_pkey PRIMARY KEY (me_id, event_id);

-- Change capture only on the extension's own tables, not on the shards a
-- Citus worker keeps of them (nothing reads the workers' pending tables).
CREATE OR REPLACE FUNCTION wwva_internal.capture_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- only the extension's own tables: on a Citus worker the trigger also
    -- fires on their shards, whose changes no refresh there would read
    IF TG_RELID <> ALL (ARRAY['@extschema@.period'::regclass, '@extschema@.me'::regclass,
                              '@extschema@.target'::regclass, '@extschema@.sharing_rule'::regclass]::oid[])
       AND NOT wwva_internal.in_ledgers(TG_RELID) THEN
        RETURN NULL;
    END IF;
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
COMMENT ON FUNCTION wwva_internal.capture_change() IS
'Trigger: marks in wwva_internal.pending_change the pairs a change to an ME, the periods, a target or a sharing rule, or a TRUNCATE, affects.';

-- Deleting or renaming an ME on Citus: the check that it keeps no rows
-- fires on the shards of wwva.me, on the workers, and reads the ledgers'
-- shards there.
-- Citus keeps a reference table's rows in a shard on every node, and runs a
-- change of wwva.me on each, where the row check fires on the shard; the
-- rows of the distributed ledgers are in shards too, each on one node.  So
-- each node checks the ledgers' shards it keeps, and together they check
-- them all.  The shards of a table are named <table>_<shard id> in its
-- schema (where only the tables' owner creates relations); the partitions'
-- shards are read through their parents'.
CREATE FUNCTION wwva_internal.shards_hold_me(me text) RETURNS boolean
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    shard regclass;
    found boolean;
BEGIN
    FOR shard IN
        SELECT c.oid::regclass
          FROM pg_catalog.pg_class c
         WHERE c.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
           AND c.relname OPERATOR(pg_catalog.~) '^(ledger|user_event)_[0-9]+$'
           AND NOT c.relispartition
         ORDER BY c.oid
    LOOP
        EXECUTE pg_catalog.format('LOCK TABLE %s IN SHARE MODE', shard);
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT FROM %s s WHERE s.me_id OPERATOR(pg_catalog.=) $1)', shard)
            INTO found USING me;
        IF found THEN
            RETURN true;
        END IF;
    END LOOP;
    RETURN false;
END
$$;
COMMENT ON FUNCTION wwva_internal.shards_hold_me(text) IS
'Whether the Citus shards of wwva.ledger or wwva.user_event kept on this node hold rows of the ME (locked in SHARE mode first): the check of wwva_internal.me_check when it fires on a shard of wwva.me.';

CREATE OR REPLACE FUNCTION wwva_internal.me_check() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    reading text;
    users_of text;
    likely_codes text;
    rows_kept boolean;
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
    -- commit are seen by the check below.  Fired on a Citus shard of
    -- wwva.me, the check reads the ledgers' shards on this node instead
    -- (wwva_internal.shards_hold_me).
    IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT'
       AND (TG_OP OPERATOR(pg_catalog.=) 'DELETE' OR NEW.me_id IS DISTINCT FROM OLD.me_id) THEN
        IF TG_RELID OPERATOR(pg_catalog.=) '@extschema@.me'::regclass THEN
            LOCK TABLE @extschema@.ledger, @extschema@.user_event IN SHARE MODE;
            rows_kept := EXISTS (SELECT FROM @extschema@.ledger l WHERE l.me_id OPERATOR(pg_catalog.=) OLD.me_id)
                         OR EXISTS (SELECT FROM @extschema@.user_event e WHERE e.me_id OPERATOR(pg_catalog.=) OLD.me_id);
        ELSE
            rows_kept := wwva_internal.shards_hold_me(OLD.me_id);
        END IF;
        IF rows_kept THEN
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

-- Citus: the policy on wwva.currency without a subquery, which Citus
-- refuses on the tables it distributes (the recipe makes wwva.currency a
-- reference table).
CREATE FUNCTION wwva_internal.currency_in_use(code text) RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN EXISTS (SELECT FROM @extschema@.me m WHERE m.currency OPERATOR(pg_catalog.=) code);
END
$$;
COMMENT ON FUNCTION wwva_internal.currency_in_use(text) IS
'Whether an ME the caller can see in wwva.me keeps its books in the currency: the test of the policy on wwva.currency, run as the reader.';
ALTER POLICY currency_visible ON @extschema@.currency
    USING (shipped
           OR wwva_internal.currency_in_use(code)
           OR pg_catalog.has_table_privilege('@extschema@.me', 'INSERT'));

-- Citus: the policy on wwva.materialized_statement reads the MEs through
-- a function (Citus cannot join this local table with the reference table
-- wwva.me inside a policy).
CREATE FUNCTION wwva_internal.visible_mes() RETURNS SETOF text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT m.me_id FROM @extschema@.me m;
END
$$;
COMMENT ON FUNCTION wwva_internal.visible_mes() IS
'The MEs the caller can see in wwva.me: the test of the policy on wwva.materialized_statement, run as the reader.';
ALTER POLICY me_visible ON @extschema@.materialized_statement
    USING (me_id IN (SELECT wwva_internal.visible_mes()));

-- Citus: the status views say that every refresh rewrites every pair, and
-- materialized_staleness reads the MEs through wwva_internal.visible_mes().
-- On Citus, writes to its tables run on the workers' shards: the
-- coordinator traces none, and the capture triggers skip the shards
-- (capture_change).  Citus's catalog exists only where it is installed,
-- hence the dynamic query.
CREATE FUNCTION wwva_internal.citus_tables() RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    found boolean;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN false;
    END IF;
    EXECUTE 'SELECT EXISTS (SELECT FROM pg_catalog.pg_dist_partition p
                             JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) p.logicalrelid
                            WHERE c.relnamespace OPERATOR(pg_catalog.=) $1)'
        INTO found USING '@extschema@'::regnamespace;
    RETURN found;
END
$$;
COMMENT ON FUNCTION wwva_internal.citus_tables() IS
'Whether a table of schema wwva is a Citus table (distributed or reference): its changes are then made on the workers, untraced here, and wwva.refresh() rewrites every pair.';
REVOKE EXECUTE ON FUNCTION wwva_internal.citus_tables() FROM PUBLIC;
CREATE OR REPLACE FUNCTION wwva_internal.trace_verdict(OUT reason text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT CASE
       WHEN wwva_internal.citus_tables()
       THEN 'Citus tables: their changes are made on the workers, untraced here; every refresh rewrites every pair'
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
CREATE OR REPLACE VIEW @extschema@.materialized_staleness AS
SELECT m.me_id,
       f.computed_at,
       COALESCE(p.pending, 0) AS pending,
       p.oldest_pending_at,
       CASE WHEN v.reason IS NULL
            THEN COALESCE(pg_catalog.now() - p.oldest_pending_at, interval '0') END AS stale_for,
       f.computed_at IS NOT NULL AND p.pending IS NULL AND v.reason IS NULL AS up_to_date,
       v.reason IS NULL AS verified
  FROM wwva_internal.visible_mes() m(me_id)
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
-- CREATE OR REPLACE VIEW resets the view's options
DO $$
BEGIN
    IF pg_catalog.current_setting('server_version_num')::integer >= 150000 THEN
        ALTER VIEW @extschema@.materialized_staleness SET (security_invoker = true);
    END IF;
END
$$;
