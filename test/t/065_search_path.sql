-- search_path safety: a schema of hostile look-alikes placed before
-- pg_catalog changes nothing the extension computes or checks.
--
-- The look-alikes have the names and argument types of what SQL would
-- otherwise resolve by search_path: comparison and arithmetic operators,
-- sum, count, unnest, array_agg, round, timezone, now, isfinite.  Each
-- returns nonsense.  The views were bound to their operators when they
-- were created, the SQL functions' bodies qualify every operator, and the
-- PL/pgSQL trigger functions pin search_path to pg_catalog; this file
-- checks the outcome, not the means.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET LOCAL client_min_messages = warning;
-- the tables are truncated below: their statistics still describe the
-- shared Xinchu example, and would make every small query look worth a JIT
SET LOCAL jit = off;
SELECT plan(12);

\ir ../data/two_mes.sql

-- Runs a statement and says how it ended: 'accepted' or its SQLSTATE.  Its
-- body uses no operator, so the look-alikes cannot bend it.
CREATE FUNCTION pg_temp.outcome(statement text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE statement;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
CREATE TEMP TABLE refusals (what text, statement text);
INSERT INTO refusals VALUES
    ('an unknown time zone', $$INSERT INTO wwva.me (me_id, timezone) VALUES ('d', 'Mars/Olympus')$$),
    ('an overlapping period', $$INSERT INTO wwva.period VALUES ('overlap', '2024-01-15', '2024-02-15')$$),
    ('an event of an unknown ME', $$INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
                                    VALUES ('nobody', 1, '2024-01-05', 'interaction')$$),
    ('a cost without behaviour', $$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount)
                                   VALUES ('a', '2024-01-05', 'hardware', 'cost', NULL, 1)$$),
    ('a target for an unknown item', $$INSERT INTO wwva.target VALUES ('a', '2024-01', 'no_such_item', 1)$$),
    ('lower limits above the pool floor', $$INSERT INTO wwva.emc_member (emc_id, member_id, kind, weight, lower_limit)
                                            VALUES ('ab', 'b2', 'partner', 1, 1000000)$$);

-- what the extension computes and refuses with an ordinary search_path
CREATE TEMP TABLE before_statement AS SELECT * FROM wwva.statement;
CREATE TEMP TABLE before_shares AS SELECT * FROM wwva.emc_shares;
CREATE TEMP TABLE before_unassigned AS SELECT * FROM wwva.unassigned;
CREATE TEMP TABLE before_refusals AS SELECT what, pg_temp.outcome(statement) AS result FROM refusals;
CREATE TEMP TABLE before_calls AS
SELECT wwva.allocate(100, '{1,1,1}', NULL, NULL) AS allocate,
       wwva.share_pool(200, 100, '{100,150}', '{0.20,0.50}', 0, NULL) AS pool,
       wwva.marginal_income(10, 3, 7) AS income,
       wwva.sharing_amount(1000, 0.1, 5, 50) AS sharing,
       wwva.sharing_base('excess_over_target', 10, 20, 5) AS base,
       wwva.period_index('2024-01-15', '{2024-01-01,2024-02-01}', '{2024-02-01,2024-03-01}') AS period_no,
       wwva.event_period('b', '2024-02-01 03:00+00', wwva.current_calendar()) AS event_period,
       wwva.statement_items() AS items;
-- ----------------------------------------------------------- the look-alikes
CREATE SCHEMA hostile;
CREATE FUNCTION hostile.always_true(text, text) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE FUNCTION hostile.always_true(date, date) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE FUNCTION hostile.always_true(integer, integer) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE FUNCTION hostile.always_true(numeric, numeric) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE FUNCTION hostile.zero(numeric, numeric) RETURNS numeric LANGUAGE sql AS 'SELECT 0::numeric';
CREATE FUNCTION hostile.zero(bigint, bigint) RETURNS bigint LANGUAGE sql AS 'SELECT 0::bigint';
CREATE FUNCTION hostile.zero(integer, integer) RETURNS integer LANGUAGE sql AS 'SELECT 0';
CREATE OPERATOR hostile.= (FUNCTION = hostile.always_true, LEFTARG = text, RIGHTARG = text);
CREATE OPERATOR hostile.<> (FUNCTION = hostile.always_true, LEFTARG = text, RIGHTARG = text);
CREATE OPERATOR hostile.< (FUNCTION = hostile.always_true, LEFTARG = date, RIGHTARG = date);
CREATE OPERATOR hostile.>= (FUNCTION = hostile.always_true, LEFTARG = date, RIGHTARG = date);
CREATE OPERATOR hostile.= (FUNCTION = hostile.always_true, LEFTARG = integer, RIGHTARG = integer);
CREATE OPERATOR hostile.< (FUNCTION = hostile.always_true, LEFTARG = numeric, RIGHTARG = numeric);
CREATE OPERATOR hostile.> (FUNCTION = hostile.always_true, LEFTARG = numeric, RIGHTARG = numeric);
CREATE OPERATOR hostile.<= (FUNCTION = hostile.always_true, LEFTARG = numeric, RIGHTARG = numeric);
CREATE OPERATOR hostile.>= (FUNCTION = hostile.always_true, LEFTARG = numeric, RIGHTARG = numeric);
CREATE OPERATOR hostile.+ (FUNCTION = hostile.zero, LEFTARG = numeric, RIGHTARG = numeric);
CREATE OPERATOR hostile.- (FUNCTION = hostile.zero, LEFTARG = numeric, RIGHTARG = numeric);
CREATE OPERATOR hostile.* (FUNCTION = hostile.zero, LEFTARG = numeric, RIGHTARG = numeric);
CREATE OPERATOR hostile./ (FUNCTION = hostile.zero, LEFTARG = numeric, RIGHTARG = numeric);
CREATE OPERATOR hostile.+ (FUNCTION = hostile.zero, LEFTARG = bigint, RIGHTARG = bigint);
CREATE OPERATOR hostile.- (FUNCTION = hostile.zero, LEFTARG = integer, RIGHTARG = integer);
CREATE FUNCTION hostile.zero_state(numeric, numeric) RETURNS numeric LANGUAGE sql AS 'SELECT 0::numeric';
CREATE AGGREGATE hostile.sum(numeric) (SFUNC = hostile.zero_state, STYPE = numeric);
CREATE FUNCTION hostile.count_state(bigint) RETURNS bigint LANGUAGE sql AS 'SELECT 0::bigint';
CREATE AGGREGATE hostile.count(*) (SFUNC = hostile.count_state, STYPE = bigint, INITCOND = '0');
CREATE FUNCTION hostile.unnest(anyarray) RETURNS SETOF anyelement LANGUAGE sql AS 'SELECT NULL::anyelement WHERE false';
CREATE FUNCTION hostile.round(numeric, integer) RETURNS numeric LANGUAGE sql AS 'SELECT 0::numeric';
CREATE FUNCTION hostile.timezone(text, timestamptz) RETURNS timestamp LANGUAGE sql AS $$SELECT '2000-01-01'::timestamp$$;
CREATE FUNCTION hostile.now() RETURNS timestamptz LANGUAGE sql AS $$SELECT '2000-01-01'::timestamptz$$;
CREATE FUNCTION hostile.isfinite(date) RETURNS boolean LANGUAGE sql AS 'SELECT false';
CREATE FUNCTION hostile.array_agg_state(anycompatiblearray, anycompatible) RETURNS anycompatiblearray
LANGUAGE sql AS 'SELECT $1';
CREATE AGGREGATE hostile.array_agg(anycompatible) (SFUNC = hostile.array_agg_state, STYPE = anycompatiblearray,
                                                   INITCOND = '{}');

-- Everything below runs under the look-alikes and is kept in temp tables;
-- pgTAP, which resolves its own operators by search_path, checks it after.
SET LOCAL search_path = hostile, pg_catalog, public;
CREATE TEMP TABLE shadowed AS SELECT 'x'::text = 'y'::text AS x_equals_y, 2::numeric + 2::numeric AS two_plus_two;
CREATE TEMP TABLE after_statement AS SELECT * FROM wwva.statement;
CREATE TEMP TABLE after_shares AS SELECT * FROM wwva.emc_shares;
CREATE TEMP TABLE after_unassigned AS SELECT * FROM wwva.unassigned;
CREATE TEMP TABLE after_calls AS
SELECT wwva.allocate(100, '{1,1,1}', NULL, NULL) AS allocate,
       wwva.share_pool(200, 100, '{100,150}', '{0.20,0.50}', 0, NULL) AS pool,
       wwva.marginal_income(10, 3, 7) AS income,
       wwva.sharing_amount(1000, 0.1, 5, 50) AS sharing,
       wwva.sharing_base('excess_over_target', 10, 20, 5) AS base,
       wwva.period_index('2024-01-15', '{2024-01-01,2024-02-01}', '{2024-02-01,2024-03-01}') AS period_no,
       wwva.event_period('b', '2024-02-01 03:00+00', wwva.current_calendar()) AS event_period,
       wwva.statement_items() AS items;
CREATE TEMP TABLE after_refusals AS SELECT what, pg_temp.outcome(statement) AS result FROM refusals;
CREATE TEMP TABLE after_accepted AS
SELECT pg_temp.outcome($$INSERT INTO wwva.me (me_id, timezone) VALUES ('c', 'Europe/Berlin')$$) AS me,
       pg_temp.outcome($$INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
                         VALUES ('c', 1, '2024-01-05', 'interaction')$$) AS event;
CREATE TEMP TABLE after_counted AS
SELECT interactive_users FROM wwva.user_resources
 WHERE me_id OPERATOR(pg_catalog.=) 'c' AND period_id OPERATOR(pg_catalog.=) '2024-01';
RESET search_path;

SELECT is((SELECT x_equals_y FROM shadowed), true, 'the look-alikes were in force: ''x'' = ''y''');
SELECT is((SELECT two_plus_two FROM shadowed), 0::numeric, 'and 2 + 2 = 0');

-- ----------------------------------------------------------- nothing changed
SELECT set_eq('SELECT * FROM after_statement', 'SELECT * FROM before_statement',
              'wwva.statement is unchanged');
SELECT ok((SELECT count(*) > 40 FROM after_statement), 'and not empty');
SELECT set_eq('SELECT * FROM after_shares', 'SELECT * FROM before_shares',
              'wwva.emc_shares is unchanged');
SELECT set_eq('SELECT * FROM after_unassigned', 'SELECT * FROM before_unassigned',
              'wwva.unassigned is unchanged');
SELECT set_eq('SELECT * FROM after_calls', 'SELECT * FROM before_calls',
              'the functions return what they did');
SELECT set_eq('SELECT * FROM after_refusals', 'SELECT * FROM before_refusals',
              'the triggers refuse the same bad rows with the same SQLSTATE');
SELECT ok((SELECT bool_and(result <> 'accepted') AND count(*) = 6 FROM after_refusals),
          'all six bad rows were refused');
SELECT is((SELECT me FROM after_accepted), 'accepted', 'a good ME is accepted');
SELECT is((SELECT event FROM after_accepted), 'accepted', 'a good event is accepted');
SELECT is((SELECT interactive_users FROM after_counted), 1::bigint, 'and counted');

SELECT * FROM finish();
ROLLBACK;
