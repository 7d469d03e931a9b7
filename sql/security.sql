-- ===========================================================================
-- Who may read and run what (0.6.0).  Run near the end of the install
-- script, once every object exists.
--
-- Analysts read the ledgers and the statement through policies a DBA puts
-- on the tables (README, "Row-level security").  What wwva writes itself
-- must not open a way around those policies, whatever is granted on
-- schema wwva:
--   * the traces, cache and run log live in wwva_internal (sql/internal.sql);
--   * wwva.materialized_statement shows a reader the lines of the MEs that
--     reader can see in wwva.me, so the policy on wwva.me governs it;
--   * every partition of the ledgers has row-level security enabled, with
--     no policy of its own: read directly, a partition shows its rows to
--     no one but its owner, while reads through wwva.ledger and
--     wwva.user_event apply those tables' policies (PostgreSQL applies
--     only the queried table's).  An event trigger keeps it so for the
--     partitions a DBA adds later;
--   * functions only PostgreSQL itself calls (triggers, aggregate support
--     functions) are executable by no one: a trigger fires and an
--     aggregate runs its support functions without that privilege, and no
--     one can attach wwva's triggers to a table of their own.
-- ===========================================================================

DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid::regprocedure
          FROM pg_catalog.pg_proc p
         WHERE p.pronamespace OPERATOR(pg_catalog.=) ANY
                   (ARRAY['@extschema@'::regnamespace, 'wwva_internal'::regnamespace])
           AND p.prokind OPERATOR(pg_catalog.=) 'f'
           AND (p.prorettype OPERATOR(pg_catalog.=) ANY
                    (ARRAY['pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype])
                OR EXISTS (SELECT FROM pg_catalog.pg_aggregate a
                            WHERE p.oid OPERATOR(pg_catalog.=) ANY
                                      (ARRAY[a.aggtransfn, a.aggfinalfn, a.aggcombinefn,
                                             a.aggserialfn, a.aggdeserialfn]::oid[])))
    LOOP
        EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', f);
    END LOOP;
END
$$;

-- The policy reads the MEs through wwva_internal.visible_mes()
-- (sql/materialize.sql): on Citus wwva.me is a reference table, which
-- Citus cannot join with this local table inside a policy, while the
-- function's own query it runs as any other.  The uncorrelated IN makes
-- it one call per query and a hash of the MEs.
ALTER TABLE @extschema@.materialized_statement ENABLE ROW LEVEL SECURITY;
CREATE POLICY me_visible ON @extschema@.materialized_statement FOR SELECT
    USING (me_id IN (SELECT wwva_internal.visible_mes()));
COMMENT ON POLICY me_visible ON @extschema@.materialized_statement IS
'A reader sees the materialized lines of the MEs it can see in wwva.me: the policy on wwva.me governs the materialized statement as the ledgers'' policies govern the live one.';

-- Everyone may read wwva.currency (a reader granted before it existed
-- keeps reading the statement), but a unit a DBA added shows only to those
-- who see an ME that books in it, or who may create MEs: its code can be as
-- telling as an ME's name.  The ISO 4217 rows show to everyone.
--
-- The policy asks a function whether an ME books in the unit, rather than
-- holding the subquery: Citus refuses a policy with a subquery on a table
-- it distributes (the README's recipe makes wwva.currency a reference
-- table).  PL/pgSQL, so that the planner does not inline the subquery
-- back; called only for the units a DBA added, after "shipped".
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

ALTER TABLE @extschema@.currency ENABLE ROW LEVEL SECURITY;
CREATE POLICY currency_visible ON @extschema@.currency FOR SELECT
    USING (shipped
           OR wwva_internal.currency_in_use(code)
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

ALTER TABLE @extschema@.ledger_default ENABLE ROW LEVEL SECURITY;
ALTER TABLE @extschema@.user_event_default ENABLE ROW LEVEL SECURITY;

CREATE FUNCTION wwva_internal.guard_ledger_partitions() RETURNS event_trigger
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
REVOKE EXECUTE ON FUNCTION wwva_internal.guard_ledger_partitions() FROM PUBLIC;
CREATE EVENT TRIGGER wwva_guard_ledger_partitions ON ddl_command_end
    WHEN TAG IN ('CREATE TABLE', 'ALTER TABLE', 'CREATE SCHEMA')
    EXECUTE FUNCTION wwva_internal.guard_ledger_partitions();
COMMENT ON EVENT TRIGGER wwva_guard_ledger_partitions IS
'Keeps row-level security enabled on every table partition of wwva.ledger and wwva.user_event (wwva_internal.guard_ledger_partitions).';
