-- What BI tools and DBAs see in the catalog: every view and column is
-- documented, views run as the querying user, only the change capture runs
-- as its owner, and what wwva keeps for itself is out of every user's reach.
DROP EXTENSION wwva CASCADE;
CREATE EXTENSION wwva;

-- The public surface: what \dt, \dv and \df wwva.* list (README,
-- "Reference").  Everything else the extension made is in wwva_internal:
-- the trigger functions, the aggregates' support functions, the per-table
-- passes and what the refresh keeps.  The three deprecated views go in 0.9.0.
SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'partitioned table' WHEN 'v' THEN 'view'
                      WHEN 'S' THEN 'sequence' WHEN 'c' THEN 'type' ELSE c.relkind::text END AS kind,
       c.relname AS name,
       coalesce(obj_description(c.oid, 'pg_class') LIKE 'Deprecated since %', false) AS deprecated
  FROM pg_class c
 WHERE c.relnamespace = 'wwva'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'S')
 ORDER BY c.relkind, c.relname;
SELECT CASE p.prokind WHEN 'a' THEN 'aggregate' WHEN 'f' THEN 'function' ELSE p.prokind::text END AS kind,
       p.oid::regprocedure AS name
  FROM pg_proc p
 WHERE p.pronamespace = 'wwva'::regnamespace
 ORDER BY p.prokind, p.oid::regprocedure::text;
SELECT t.typname AS type
  FROM pg_type t
 WHERE t.typnamespace = 'wwva'::regnamespace AND t.typtype IN ('c', 'b', 'd', 'e') AND t.typcategory <> 'A'
   AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c')
 ORDER BY t.typname;


-- views and their columns without a comment (expect none)
SELECT c.relname AS view_without_comment
  FROM pg_class c
 WHERE c.relnamespace = 'wwva'::regnamespace AND c.relkind = 'v'
   AND obj_description(c.oid, 'pg_class') IS NULL;
SELECT c.relname, a.attname AS column_without_comment
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'wwva'::regnamespace AND c.relkind IN ('v', 'r', 'p') AND NOT c.relispartition
   AND col_description(c.oid, a.attnum) IS NULL
 ORDER BY 1, 2;
-- functions and aggregates without a comment (expect none)
SELECT p.oid::regprocedure AS function_without_comment
  FROM pg_proc p
 WHERE p.pronamespace IN ('wwva'::regnamespace, 'wwva_internal'::regnamespace)
   AND obj_description(p.oid, 'pg_proc') IS NULL;
-- internal tables and columns without a comment (expect none)
SELECT c.relname, a.attname AS internal_column_without_comment
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'wwva_internal'::regnamespace AND c.relkind = 'r'
   AND (col_description(c.oid, a.attnum) IS NULL OR obj_description(c.oid, 'pg_class') IS NULL)
 ORDER BY 1, 2;

-- every view is security_invoker, so row-level security on the ledgers
-- applies to whoever queries the statement
SELECT c.relname, c.reloptions
  FROM pg_class c
 WHERE c.relnamespace = 'wwva'::regnamespace AND c.relkind = 'v'
   AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false);
SELECT count(*) AS views FROM pg_class c
 WHERE c.relnamespace = 'wwva'::regnamespace AND c.relkind = 'v';

-- SECURITY DEFINER only for the change capture: in wwva_internal, owned by
-- the extension's owner, search_path pinned, executable by no one; SQL and
-- PL/pgSQL functions pin their search_path or qualify every name
SELECT p.oid::regprocedure AS security_definer,
       p.proowner = e.extowner AS owned_by_extension_owner, p.proconfig,
       has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
  FROM pg_proc p, pg_extension e
 WHERE e.extname = 'wwva'
   AND p.pronamespace IN ('wwva'::regnamespace, 'wwva_internal'::regnamespace) AND p.prosecdef
 ORDER BY p.oid::regprocedure::text;
SELECT p.oid::regprocedure AS plpgsql_without_search_path
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace IN ('wwva'::regnamespace, 'wwva_internal'::regnamespace) AND l.lanname = 'plpgsql'
   AND NOT EXISTS (SELECT FROM unnest(p.proconfig) s WHERE s LIKE 'search_path=%');

-- functions only PostgreSQL calls (triggers, aggregate support) are
-- executable by no one; every other function of schema wwva by everyone,
-- and no other function of wwva_internal by anyone but the owner
SELECT CASE WHEN p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype) THEN 'trigger'
            ELSE 'aggregate support' END AS called_by_postgresql_as, count(*) AS functions,
       count(*) FILTER (WHERE has_function_privilege('public', p.oid, 'EXECUTE')) AS public_may_execute
  FROM pg_proc p
 WHERE p.pronamespace IN ('wwva'::regnamespace, 'wwva_internal'::regnamespace) AND p.prokind = 'f'
   AND (p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype)
        OR EXISTS (SELECT FROM pg_aggregate a
                    WHERE p.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn)))
 GROUP BY 1 ORDER BY 1;
SELECT p.oid::regprocedure AS other_function_public_may_not_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'wwva'::regnamespace
   AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
   AND NOT EXISTS (SELECT FROM pg_aggregate a
                    WHERE p.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn))
   AND NOT has_function_privilege('public', p.oid, 'EXECUTE');
SELECT p.oid::regprocedure AS internal_function, has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
  FROM pg_proc p
 WHERE p.pronamespace = 'wwva_internal'::regnamespace
   AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
   AND NOT EXISTS (SELECT FROM pg_aggregate a
                    WHERE p.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn))
 ORDER BY p.oid::regprocedure::text;

-- wwva_internal: no privilege for anyone but the owner
SELECT n.nspname, n.nspacl FROM pg_namespace n WHERE n.nspname = 'wwva_internal';
SELECT c.oid::regclass AS internal_relation, c.relkind, c.relacl
  FROM pg_class c
 WHERE c.relnamespace = 'wwva_internal'::regnamespace AND c.relkind IN ('r', 'S', 'v')
 ORDER BY c.oid::regclass::text;

-- row-level security the extension itself enables: the materialized
-- statement (policy me_visible) and the ledgers' partitions (no policy:
-- read directly they show nothing; through the parent, its policies apply)
SELECT c.oid::regclass AS row_security_on, c.relforcerowsecurity,
       (SELECT string_agg(pol.polname || ': ' || pg_get_expr(pol.polqual, pol.polrelid), '; ')
          FROM pg_policy pol WHERE pol.polrelid = c.oid) AS policies
  FROM pg_class c
 WHERE c.relnamespace IN ('wwva'::regnamespace, 'wwva_internal'::regnamespace) AND c.relrowsecurity
 ORDER BY c.oid::regclass::text;
SELECT evtname, evtevent, evtfoid::regproc, evttags FROM pg_event_trigger WHERE evtname LIKE 'wwva%';

-- the aggregates are parallel safe and have combine, serialize, deserialize
SELECT a.aggfnoid::regprocedure AS aggregate, p.proparallel,
       a.aggcombinefn <> 0 AS combines, a.aggserialfn <> 0 AS serializes,
       a.aggdeserialfn <> 0 AS deserializes
  FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
 WHERE p.pronamespace = 'wwva'::regnamespace
 ORDER BY a.aggfnoid::regprocedure::text;

-- user tables and sequences are dumped with the data
SELECT c::regclass AS dumped
  FROM pg_extension e, unnest(e.extconfig) AS c
 WHERE e.extname = 'wwva'
 ORDER BY c::regclass::text;

-- the two large tables are partitioned by ME; out of the box every row is
-- kept in the local DEFAULT partition
SELECT c.oid::regclass AS partitioned_table, pg_get_partkeydef(c.oid) AS partition_key,
       (SELECT string_agg(i.inhrelid::regclass || ' ' || pg_get_expr(p.relpartbound, p.oid), ', ')
          FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid
         WHERE i.inhparent = c.oid) AS partitions
  FROM pg_class c
 WHERE c.relnamespace = 'wwva'::regnamespace AND c.relkind = 'p'
 ORDER BY 1;
-- the row checks run on every partition, the change capture on the parents
SELECT t.tgrelid::regclass AS on_table, t.tgname, t.tgparentid <> 0 AS cloned_from_parent
  FROM pg_trigger t
 WHERE t.tgrelid IN ('wwva.ledger'::regclass, 'wwva.ledger_default'::regclass,
                     'wwva.user_event'::regclass, 'wwva.user_event_default'::regclass)
   AND NOT t.tgisinternal
 ORDER BY 1, 2;

-- the partition guard runs after every CREATE TABLE and ALTER TABLE: a role
-- without the use of schema wwva still creates and alters tables of its
-- own, and a partition added to the ledgers keeps row-level security
CREATE ROLE wwva_catalog_stranger;
GRANT CREATE ON SCHEMA public TO wwva_catalog_stranger;
SET ROLE wwva_catalog_stranger;
CREATE TABLE public.stranger_table (x int);
ALTER TABLE public.stranger_table ADD COLUMN y int;
DROP TABLE public.stranger_table;
RESET ROLE;
REVOKE CREATE ON SCHEMA public FROM wwva_catalog_stranger;
DROP ROLE wwva_catalog_stranger;
INSERT INTO wwva.me (me_id) VALUES ('guarded');
CREATE TABLE wwva.ledger_guarded PARTITION OF wwva.ledger FOR VALUES IN ('guarded');
SELECT relrowsecurity AS new_partition_guarded FROM pg_class WHERE oid = 'wwva.ledger_guarded'::regclass;
ALTER TABLE wwva.ledger_guarded DISABLE ROW LEVEL SECURITY;
SELECT relrowsecurity AS guarded_again FROM pg_class WHERE oid = 'wwva.ledger_guarded'::regclass;
DROP TABLE wwva.ledger_guarded;
DELETE FROM wwva.me WHERE me_id = 'guarded';

-- the default partitions, which BI tools list beside their parents, carry
-- the parents' column comments
SELECT p.child AS partition, a.attname AS column_without_parents_comment
  FROM (VALUES ('wwva.ledger'::regclass, 'wwva.ledger_default'::regclass),
               ('wwva.user_event'::regclass, 'wwva.user_event_default'::regclass)) AS p(parent, child)
  JOIN pg_attribute a ON a.attrelid = p.parent AND a.attnum > 0 AND NOT a.attisdropped
 WHERE col_description(p.child, a.attnum) IS DISTINCT FROM col_description(p.parent, a.attnum)
    OR col_description(p.parent, a.attnum) IS NULL
 ORDER BY p.child::text, a.attname;
