-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION wwva UPDATE TO '0.7.0'" to load this file. \quit

-- ===========================================================================
-- wwva 0.6.0 -> 0.7.0, written by hand: the statement's lines declared once.
-- ===========================================================================

-- ---------------------------------------------------------------------------
-- The lines of the statement, declared once: the catalogue wwva.statement_line,
-- and the function that writes wwva.statement_items(), wwva.statement_of()
-- and the line columns' comments from it (as sql/statement_lines.sql and
-- sql/statement.sql).
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.statement_line (
    item text PRIMARY KEY,
    line text NOT NULL UNIQUE,
    line_no integer NOT NULL,
    section integer NOT NULL CHECK (section BETWEEN 1 AND 5),
    unit text NOT NULL CHECK (unit IN ('users', 'interactions', 'currency', 'currency per active user')),
    formula text NOT NULL,
    -- deferrable, so that inserting a line can shift the numbers after it
    -- in one UPDATE
    CONSTRAINT statement_line_line_no_key UNIQUE (line_no) DEFERRABLE
);
COMMENT ON TABLE @extschema@.statement_line IS
'The lines of the WWVA statement (Table 2), in order: what wwva.statement lists, wwva.statement_items() returns and the wide and section views carry as columns.';
COMMENT ON COLUMN @extschema@.statement_line.item IS 'Line name: the column of wwva.figures and of its section view, the item of wwva.statement and wwva.target.';
COMMENT ON COLUMN @extschema@.statement_line.line IS 'Table 2 label (1a, 2c, 4a_var, ...): wwva.statement.line.';
COMMENT ON COLUMN @extschema@.statement_line.line_no IS 'Position in Table 2 order: wwva.statement.line_no.';
COMMENT ON COLUMN @extschema@.statement_line.section IS 'WWVA section 1-5.';
COMMENT ON COLUMN @extschema@.statement_line.unit IS 'users, interactions, currency (the ME''s) or currency per active user.';
COMMENT ON COLUMN @extschema@.statement_line.formula IS 'What the line counts or how it is computed, in Table 2''s terms; the column comments repeat it.';

INSERT INTO @extschema@.statement_line (line_no, line, item, section, unit, formula) VALUES
    ( 1, '1a',      'interactive_users',         1, 'users',
     'distinct users with at least one interaction (design iteration) event in the period'),
    ( 2, '1b',      'active_users',              1, 'users',
     'distinct users with at least N transaction events in the period (N = wwva.me.active_min_transactions)'),
    ( 3, '1c',      'lifetime_users',            1, 'users',
     'active users who were also active in each of the previous K-1 periods and co-created within those K periods (K = wwva.me.lifetime_periods)'),
    ( 4, '1d',      'user_makers',               1, 'interactions',
     'volume of user-customization interactions (a count of events, not of users)'),
    ( 5, '2a',      'hardware_profit',           2, 'currency', 'hardware revenue - hardware cost (3a - 4a)'),
    ( 6, '2b',      'ecosystem_profit',          2, 'currency', 'ecosystem revenue - ecosystem cost (3b - 4b)'),
    ( 7, '2c',      'total_profit',              2, 'currency', '2a + 2b'),
    ( 8, '2d',      'users_share',               2, 'currency',
     'to ecosystem active users, by the ME''s ''users'' sharing rule; 0 without a rule or when the base is <= 0; NULL for an excess rule without a total_profit target'),
    ( 9, '2e',      'investors_share',           2, 'currency', 'to capital investors, by the ''investors'' sharing rule'),
    (10, '2f',      'team_share',                2, 'currency', 'to the ME team, by the ''team'' sharing rule'),
    (11, '2g',      'total_sharing',             2, 'currency', '2d + 2e + 2f'),
    (12, '3a',      'hardware_revenue',          3, 'currency', 'revenue from selling networked appliances'),
    (13, '3b',      'ecosystem_revenue',         3, 'currency',
     'differential revenue from the ecosystem (partners'' services, commissions, ads, data services)'),
    (14, '3c',      'total_revenue',             3, 'currency', '3a + 3b'),
    (15, '4a',      'hardware_cost',             4, 'currency', 'all hardware cost, fixed and variable'),
    (16, '4a_var',  'hardware_variable_cost',    4, 'currency', 'variable part of 4a'),
    (17, '4b',      'ecosystem_cost',            4, 'currency', 'all ecosystem cost, fixed and variable'),
    (18, '4b_var',  'ecosystem_variable_cost',   4, 'currency', 'variable part of 4b'),
    (19, '4_total', 'total_cost',                4, 'currency', '4a + 4b'),
    (20, '4c',      'hardware_marginal_cost',    4, 'currency per active user',
     'variable hardware cost / active users (1b); NULL at 0 active users'),
    (21, '4d',      'ecosystem_marginal_cost',   4, 'currency per active user',
     'variable ecosystem cost / active users (1b); NULL at 0 active users'),
    (22, '5a',      'hardware_marginal_income',  5, 'currency per active user',
     '(3a - variable hardware cost) / 1b; NULL at 0 active users'),
    (23, '5b',      'ecosystem_marginal_income', 5, 'currency per active user',
     '(3b - variable ecosystem cost) / 1b; NULL at 0 active users'),
    (24, '5c',      'total_marginal_income',     5, 'currency per active user',
     '5a + 5b, computed as one division of the totals; NULL at 0 active users');

CREATE FUNCTION wwva_internal.define_statement_lines() RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $define$
DECLARE
    lines text;
    items text[];
    commented record;
BEGIN
    SELECT pg_catalog.array_agg(l.item ORDER BY l.line_no),
           pg_catalog.string_agg(pg_catalog.format('(%s, %L, %L, %s, f.%I::numeric)',
                                                   l.line_no, l.line, l.item,
                                                   CASE l.unit
                                                       WHEN 'currency' THEN 'f.currency'
                                                       WHEN 'currency per active user' THEN 'f.currency || '' per active user'''
                                                       ELSE pg_catalog.quote_literal(l.unit)
                                                   END,
                                                   l.item),
                                 E',\n        ' ORDER BY l.line_no)
      INTO items, lines
      FROM @extschema@.statement_line l;

    EXECUTE pg_catalog.format($items$
CREATE OR REPLACE FUNCTION @extschema@.statement_items() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT %L::text[] $$$items$, items);
    COMMENT ON FUNCTION @extschema@.statement_items() IS
    'The item names of wwva.statement, in Table 2 order (wwva.statement_line): the valid values of wwva.target.item.';

    -- The lines from per-pair sums and counts: the statement view feeds it
    -- the aggregates over the ledgers, wwva.refresh() its stored ones.
    EXECUTE pg_catalog.format($statement_of$
CREATE OR REPLACE FUNCTION @extschema@.statement_of(money @extschema@.me_ledger_totals[],
                                                    users @extschema@.me_user_resource_counts[],
                                                    me_ids text[] DEFAULT NULL,
                                                    period_nos integer[] DEFAULT NULL)
RETURNS TABLE (me_id text, period_id text, line text, item text, unit text, actual numeric,
               target numeric, variance numeric, achievement numeric, line_no integer)
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
SELECT f.me_id,
       f.period_id,
       l.line,
       l.item,
       l.unit,
       l.actual,
       t.value AS target,
       l.actual - t.value AS variance,
       CASE WHEN t.value <> 0 THEN l.actual / t.value END AS achievement,
       l.line_no
  FROM @extschema@.figures_of(money, users, me_ids, period_nos) f
 CROSS JOIN LATERAL (VALUES
        %s
      ) AS l(line_no, line, item, unit, actual)
  LEFT JOIN @extschema@.target t
         ON t.me_id = f.me_id AND t.period_id = f.period_id AND t.item = l.item
 ORDER BY f.me_id, f.period_no, l.line_no
$$$statement_of$, lines);
    COMMENT ON FUNCTION @extschema@.statement_of(@extschema@.me_ledger_totals[], @extschema@.me_user_resource_counts[], text[], integer[]) IS
    'The rows of wwva.statement, in its order, computed by wwva.figures_of from the given money sums and section 1 counts; only the pairs (me_ids[i], period_nos[i]) when me_ids is not NULL.';

    -- the columns named for a line, in the wide views and the section views
    FOR commented IN
        SELECT c.oid::regclass AS view, a.attname, l.line, l.formula
          FROM pg_catalog.pg_class c
          JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
          JOIN @extschema@.statement_line l ON l.item = a.attname
         WHERE c.relnamespace = '@extschema@'::regnamespace
           AND c.relname IN ('figures', 'profit_figures', 'user_resources', 'value_added_sharing',
                             'revenues', 'costs', 'marginal_income')
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', commented.view, commented.attname,
                                  commented.line || ': ' || commented.formula || '.');
    END LOOP;
END
$define$;
COMMENT ON FUNCTION wwva_internal.define_statement_lines() IS
'Writes wwva.statement_items(), wwva.statement_of() and the statement columns'' comments from wwva.statement_line; run by the install script and by every upgrade that changes the catalogue.';
REVOKE EXECUTE ON FUNCTION wwva_internal.define_statement_lines() FROM PUBLIC;

SELECT wwva_internal.define_statement_lines();

COMMENT ON COLUMN @extschema@.statement.line IS 'Table 2 line (wwva.statement_line.line).';
COMMENT ON COLUMN @extschema@.statement.item IS 'Line name (wwva.statement_line.item): the matching column of the section views, and the item of wwva.target.';
COMMENT ON COLUMN @extschema@.statement.line_no IS 'Position of the line in Table 2 order (wwva.statement_line.line_no), for sorting and pivoting.';

-- ---------------------------------------------------------------------------
-- A database upgraded through 0.5.0 kept the old tables' column comments on
-- the default partitions; a fresh install comments only the parents.
-- ---------------------------------------------------------------------------
DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT a.attrelid::regclass AS rel, a.attname
          FROM pg_catalog.pg_attribute a
         WHERE a.attrelid IN ('@extschema@.ledger_default'::regclass, '@extschema@.user_event_default'::regclass)
           AND a.attnum > 0 AND NOT a.attisdropped
           AND pg_catalog.col_description(a.attrelid, a.attnum) IS NOT NULL
    LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS NULL', col.rel, col.attname);
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- What later upgrade scripts call when they drop views and create them
-- again (as sql/upgrades.sql).
-- ---------------------------------------------------------------------------
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

-- ---------------------------------------------------------------------------
-- The upgrade to 0.5.0 granted again, from its own script, what users had
-- granted on the old wwva.ledger and wwva.user_event, so those grants were
-- recorded as the extension's initial privileges, which pg_dump leaves out.
-- A fresh install records no initial privileges on relations.
-- ---------------------------------------------------------------------------
DELETE FROM pg_catalog.pg_init_privs i
 WHERE i.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::regclass
   AND i.privtype OPERATOR(pg_catalog.=) 'e'
   AND i.objoid IN (SELECT c.oid FROM pg_catalog.pg_class c
                     WHERE c.relnamespace OPERATOR(pg_catalog.=) ANY
                               (ARRAY['@extschema@'::regnamespace, 'wwva_internal'::regnamespace]));
