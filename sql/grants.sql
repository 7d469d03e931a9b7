-- ===========================================================================
-- Granting an analyst or a loader in one step (0.8.0).
--
-- The views run with the privileges of whoever queries them
-- (security_invoker), so a role granted a view alone still needs the
-- tables and views behind it, and PostgreSQL's error names the first one it
-- misses, often a building block the role never heard of.  These functions
-- grant exactly what reading the statement (or loading the ledgers) needs,
-- and nothing in wwva_internal.  They run with the caller's rights and
-- refuse any caller but the extension's owner (or a member of its role, or
-- a superuser), who alone may grant these privileges: another role's GRANT
-- would only warn that nothing was granted.  Which rows a reader sees stays the business of
-- the row-level security policies (README, section 7).
-- ===========================================================================

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
