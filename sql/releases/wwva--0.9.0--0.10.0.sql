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
