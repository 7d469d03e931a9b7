-- The public surface is the documented one.  Every table, view, sequence,
-- function, aggregate and type of schema wwva is in the README's
-- Reference; every `wwva.<name>` the README mentions is one of them (or a
-- setting); what moved to wwva_internal is documented only under its new
-- name, or as deprecated; and a deprecated name still answers as before.
-- test/sql/06_catalog.sql pins the list itself.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET client_min_messages = warning;
SELECT plan(4);

\set readme `cat README.md`
CREATE TEMP TABLE readme AS SELECT :'readme'::text AS body;
CREATE TEMP TABLE reference AS
SELECT substr(body, strpos(body, E'\n## Reference\n')) AS body FROM readme;

CREATE TEMP VIEW public_object AS
SELECT c.relname::text AS name, 'relation' AS kind
  FROM pg_class c WHERE c.relnamespace = 'wwva'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'S')
UNION
SELECT p.proname::text, 'routine' FROM pg_proc p WHERE p.pronamespace = 'wwva'::regnamespace
UNION
SELECT t.typname::text, 'type'
  FROM pg_type t
 WHERE t.typnamespace = 'wwva'::regnamespace AND t.typcategory <> 'A'
   AND (t.typrelid = 0 OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c');

SELECT is_empty(
    $$SELECT o.kind || ' wwva.' || o.name FROM public_object o, reference r
       WHERE strpos(r.body, '`wwva.' || o.name) = 0 ORDER BY 1$$,
    'every object of schema wwva is in the README''s Reference');

-- the names the README writes as `wwva.<name>`: objects, or settings (the
-- library defines its settings when it loads)
SELECT wwva.marginal_cost(1, 1) IS NOT NULL AS loaded \gset
SELECT is_empty(
    $$SELECT DISTINCT m[1]
        FROM readme, regexp_matches(body, '`wwva\.([a-z_]+)', 'g') AS m
       WHERE m[1] NOT IN (SELECT name FROM public_object)
         AND m[1] NOT IN (SELECT substr(s.name, 6) FROM pg_settings s WHERE s.name LIKE 'wwva.%')
         AND m[1] <> 'control'   -- the file wwva.control
       ORDER BY 1$$,
    'every `wwva.<name>` in the README is an object of schema wwva or a setting');

SELECT is(
    (SELECT count(*)::integer FROM pg_proc p
      WHERE p.pronamespace = 'wwva'::regnamespace
        AND (p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype)
             OR EXISTS (SELECT FROM pg_aggregate a
                         WHERE p.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn)))),
    0, 'no trigger function and no aggregate support function is in schema wwva');

SELECT is_empty(
    $$SELECT c.oid::regclass::text FROM pg_class c
       WHERE c.relnamespace = 'wwva'::regnamespace AND c.relkind = 'v'
         AND obj_description(c.oid, 'pg_class') LIKE 'Deprecated since %'
         AND strpos((SELECT body FROM reference),
                    format('| `%s` | `wwva_internal.%s` |', c.oid::regclass, c.relname)) = 0$$,
    'every deprecated view is in the README''s table of deprecated names, with where it moved');

SELECT * FROM finish();
ROLLBACK;
