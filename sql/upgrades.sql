-- ===========================================================================
-- What hand-written upgrade scripts call when they drop views and create
-- them again (0.7.0): a view whose column list changes cannot be replaced
-- in place.  README "Adding a statement line" shows the two in use:
--
--   SELECT wwva_internal.keep_grants(ARRAY['figures', 'costs']);
--   DROP ... CASCADE;  CREATE VIEW ...;  (as in their source files)
--   SELECT wwva_internal.restore_grants();
--
-- Without them an upgrade would drop, without a word, the views users built
-- on wwva's views, and lose the grants users gave on wwva's views (a GRANT
-- run by an extension script is also recorded as the extension's own
-- initial privilege, which pg_dump leaves out).  Both functions are the
-- owner's alone.
-- ===========================================================================
CREATE FUNCTION wwva_internal.keep_grants(relations text[]) RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    blocker record;
BEGIN
    SELECT pg_catalog.format('%I.%I', '@extschema@', c.relname) AS relation,
           pg_catalog.pg_describe_object(CASE WHEN w.oid IS NULL THEN d.classid ELSE 'pg_catalog.pg_class'::regclass END,
                                         COALESCE(w.ev_class, d.objid), 0) AS dependent
      INTO blocker
      FROM pg_catalog.unnest(relations) AS r(name)
      JOIN pg_catalog.pg_class c
        ON c.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
       AND c.relname OPERATOR(pg_catalog.=) r.name
      JOIN pg_catalog.pg_depend d
        ON d.refclassid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
       AND d.refobjid OPERATOR(pg_catalog.=) c.oid
       AND d.deptype OPERATOR(pg_catalog.=) 'n'
      LEFT JOIN pg_catalog.pg_rewrite w
        ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::regclass
       AND w.oid OPERATOR(pg_catalog.=) d.objid
     WHERE w.ev_class IS DISTINCT FROM c.oid
       AND NOT EXISTS (
           SELECT FROM pg_catalog.pg_depend e
            WHERE e.classid OPERATOR(pg_catalog.=)
                      CASE WHEN w.oid IS NULL THEN d.classid ELSE 'pg_catalog.pg_class'::regclass END
              AND e.objid OPERATOR(pg_catalog.=) COALESCE(w.ev_class, d.objid)
              AND e.deptype OPERATOR(pg_catalog.=) 'e'
              AND e.refobjid OPERATOR(pg_catalog.=)
                      (SELECT x.oid FROM pg_catalog.pg_extension x WHERE x.extname OPERATOR(pg_catalog.=) 'wwva'))
     ORDER BY 1, 2
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'this upgrade of wwva creates view % again, and % depends on it', blocker.relation, blocker.dependent
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Save its definition (pg_get_viewdef), drop it, run ALTER EXTENSION wwva UPDATE, then create it again.';
    END IF;
    PERFORM pg_catalog.set_config('wwva_upgrade.grants',
        COALESCE((SELECT pg_catalog.json_object_agg(c.relname, c.relacl::text)
                    FROM pg_catalog.pg_class c
                   WHERE c.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
                     AND c.relname OPERATOR(pg_catalog.=) ANY (relations::name[])
                     AND c.relacl IS NOT NULL)::text, '{}'),
        true);
END
$$;
COMMENT ON FUNCTION wwva_internal.keep_grants(text[]) IS
'For upgrade scripts, before they drop views of schema wwva: refuses when an object outside the extension depends on one of the named views, and keeps their table privileges until wwva_internal.restore_grants() in the same transaction.';

CREATE FUNCTION wwva_internal.restore_grants() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    acl record;
BEGIN
    FOR acl IN
        SELECT c.oid::regclass AS relation, a.privilege_type, a.is_grantable,
               CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC'
                    ELSE pg_catalog.quote_ident(g.rolname) END AS grantee
          FROM pg_catalog.json_each_text(
                   COALESCE(NULLIF(pg_catalog.current_setting('wwva_upgrade.grants', true), ''), '{}')::json) s
          JOIN pg_catalog.pg_class c
            ON c.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
           AND c.relname OPERATOR(pg_catalog.=) s.key
         CROSS JOIN LATERAL pg_catalog.aclexplode(s.value::aclitem[]) a
          LEFT JOIN pg_catalog.pg_roles g ON g.oid OPERATOR(pg_catalog.=) a.grantee
         WHERE a.grantee OPERATOR(pg_catalog.<>) c.relowner
    LOOP
        EXECUTE pg_catalog.format('GRANT %s ON %s TO %s%s', acl.privilege_type, acl.relation, acl.grantee,
                                  CASE WHEN acl.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
    -- A fresh install records no initial privileges on relations; without
    -- this, pg_dump would leave the grants just given out.
    DELETE FROM pg_catalog.pg_init_privs i
     WHERE i.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
       AND i.objoid IN (SELECT c.oid FROM pg_catalog.pg_class c
                         WHERE c.relnamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
                           AND c.relname OPERATOR(pg_catalog.=) ANY (
                               SELECT s.key::name
                                 FROM pg_catalog.json_each_text(
                                          COALESCE(NULLIF(pg_catalog.current_setting('wwva_upgrade.grants', true), ''), '{}')::json) s));
    PERFORM pg_catalog.set_config('wwva_upgrade.grants', '', true);
END
$$;
COMMENT ON FUNCTION wwva_internal.restore_grants() IS
'For upgrade scripts, after they created views again: gives back the table privileges wwva_internal.keep_grants() kept, as privileges pg_dump dumps.';

REVOKE EXECUTE ON FUNCTION wwva_internal.keep_grants(text[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION wwva_internal.restore_grants() FROM PUBLIC;
