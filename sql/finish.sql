-- ===========================================================================
-- Run last by the install script (a hand-written upgrade that adds a view
-- sets its options itself).
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
