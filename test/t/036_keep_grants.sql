-- What a hand-written upgrade script calls when it drops views and creates
-- them again (README "Adding a statement line"): wwva_internal.keep_grants()
-- refuses when a user's object depends on one of the views (the CASCADE
-- would drop it without a word) and keeps the views' grants;
-- wwva_internal.restore_grants() gives them back on the new views, as
-- privileges pg_dump dumps (none recorded as the extension's own).
-- The drop and the creation are done here as an upgrade would, outside one.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(11);

CREATE ROLE wwva_keep_reader;
CREATE ROLE wwva_keep_granter;
GRANT SELECT ON wwva.costs TO wwva_keep_reader;
GRANT SELECT ON wwva.costs TO wwva_keep_granter WITH GRANT OPTION;
GRANT SELECT ON wwva.revenues TO PUBLIC;

SELECT lives_ok($$SELECT wwva_internal.keep_grants(ARRAY['profit_figures', 'value_added_sharing', 'revenues', 'costs', 'emc_pools', 'emc_shares'])$$,
                'views that only the extension''s own views depend on may be dropped');

ALTER EXTENSION wwva DROP VIEW wwva.costs;
ALTER EXTENSION wwva DROP VIEW wwva.revenues;
DROP VIEW wwva.costs;
DROP VIEW wwva.revenues;
CREATE VIEW wwva.costs AS SELECT 1 AS hardware_cost;
CREATE VIEW wwva.revenues AS SELECT 1 AS hardware_revenue;
SELECT ok(NOT has_table_privilege('wwva_keep_reader', 'wwva.costs', 'SELECT'), 'a view created again has lost its grants');

SELECT lives_ok($$SELECT wwva_internal.restore_grants()$$, 'restore_grants() runs');
SELECT ok(has_table_privilege('wwva_keep_reader', 'wwva.costs', 'SELECT'), 'the reader may read the new wwva.costs');
SELECT ok(NOT has_table_privilege('wwva_keep_reader', 'wwva.costs', 'SELECT WITH GRANT OPTION'), '... without the grant option');
SELECT ok(has_table_privilege('wwva_keep_granter', 'wwva.costs', 'SELECT WITH GRANT OPTION'), 'the grant option comes back where it was');
SELECT ok(has_table_privilege('public', 'wwva.revenues', 'SELECT'), 'a grant to PUBLIC comes back');
SELECT is_empty($$SELECT * FROM pg_init_privs WHERE classoid = 'pg_class'::regclass
                     AND objoid IN ('wwva.costs'::regclass, 'wwva.revenues'::regclass)$$,
                'none of them is recorded as the extension''s initial privilege, so pg_dump dumps them');
SELECT lives_ok($$SELECT wwva_internal.restore_grants()$$, 'a second restore_grants() has nothing to give back');

CREATE VIEW public.wwva_keep_dashboard AS SELECT me_id, total_profit FROM wwva.figures;
SELECT throws_ok($$SELECT wwva_internal.keep_grants(ARRAY['figures', 'costs'])$$, '2BP01',
                 'this upgrade of wwva creates view wwva.figures again, and view public.wwva_keep_dashboard depends on it',
                 'a user''s view on a view the upgrade drops stops the upgrade, named');
SELECT is(has_function_privilege('public', 'wwva_internal.keep_grants(text[])', 'EXECUTE')
          OR has_function_privilege('public', 'wwva_internal.restore_grants()', 'EXECUTE'), false,
          'only the owner may run them');

SELECT * FROM finish();
ROLLBACK;
