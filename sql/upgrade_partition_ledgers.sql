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
