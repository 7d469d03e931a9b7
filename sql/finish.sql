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
             WHERE c.relnamespace = '@extschema@'::regnamespace AND c.relkind = 'v'
        LOOP
            EXECUTE pg_catalog.format('ALTER VIEW %s SET (security_invoker = true)', v);
        END LOOP;
    END IF;
END
$$;
