-- What BI tools and DBAs see in the catalog: every view and column is
-- documented, views run as the querying user, nothing runs as its owner.
DROP EXTENSION wwva CASCADE;
CREATE EXTENSION wwva;

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
 WHERE p.pronamespace = 'wwva'::regnamespace
   AND obj_description(p.oid, 'pg_proc') IS NULL;

-- every view is security_invoker, so row-level security on the ledgers
-- applies to whoever queries the statement
SELECT c.relname, c.reloptions
  FROM pg_class c
 WHERE c.relnamespace = 'wwva'::regnamespace AND c.relkind = 'v'
   AND NOT coalesce('security_invoker=true' = ANY (c.reloptions), false);
SELECT count(*) AS views FROM pg_class c
 WHERE c.relnamespace = 'wwva'::regnamespace AND c.relkind = 'v';

-- no SECURITY DEFINER; SQL and PL/pgSQL functions pin their search_path or
-- qualify every name
SELECT p.oid::regprocedure AS security_definer FROM pg_proc p
 WHERE p.pronamespace = 'wwva'::regnamespace AND p.prosecdef;
SELECT p.oid::regprocedure AS plpgsql_without_search_path
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'wwva'::regnamespace AND l.lanname = 'plpgsql'
   AND NOT EXISTS (SELECT FROM unnest(p.proconfig) s WHERE s LIKE 'search_path=%');

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
