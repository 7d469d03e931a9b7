-- Granting an analyst or a loader in one step.  A role given nothing but
-- wwva.grant_reader() reads every table and view of schema wwva but the
-- owner-only status views, and nothing of wwva_internal; a role given
-- wwva.grant_loader() loads both ledgers (the capture triggers write the
-- traces for it) and reads nothing else.  A role granted one view alone
-- gets PostgreSQL's error, which the README explains word for word.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET client_min_messages = warning;
\ir ../data/two_mes.sql
SELECT plan(15);

CREATE ROLE wwva_t_reader;
CREATE ROLE wwva_t_loader;
CREATE ROLE wwva_t_one_view;

SELECT lives_ok($$SELECT wwva.grant_reader('wwva_t_reader')$$, 'grant_reader runs');
SELECT lives_ok($$SELECT wwva.grant_reader('wwva_t_reader')$$, '... and again, with nothing new to grant');
SELECT lives_ok($$SELECT wwva.grant_loader('wwva_t_loader')$$, 'grant_loader runs');

-- Every relation of schema wwva, read as the reader: what fails, and why.
CREATE FUNCTION pg_temp.unreadable(reader name) RETURNS TABLE (relation text, error_code text)
LANGUAGE plpgsql AS $$
DECLARE
    rel regclass;
BEGIN
    FOR rel IN SELECT c.oid::regclass FROM pg_class c
                WHERE c.relnamespace = 'wwva'::regnamespace AND c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition
                ORDER BY c.relname
    LOOP
        BEGIN
            EXECUTE format('SET LOCAL ROLE %I', reader);
            EXECUTE format('SELECT count(*) FROM %s', rel);
            RESET ROLE;
        EXCEPTION WHEN OTHERS THEN
            RESET ROLE;
            relation := rel::text;
            error_code := SQLSTATE;
            RETURN NEXT;
        END;
    END LOOP;
END
$$;
SELECT results_eq($$SELECT relation, error_code FROM pg_temp.unreadable('wwva_t_reader') ORDER BY 1$$,
                  $$VALUES ('wwva.materialized_staleness', '42501'), ('wwva.refresh_run', '42501'), ('wwva.refresh_status', '42501')$$,
                  'the reader reads every table and view of schema wwva but the three owner-only status views');

SET LOCAL ROLE wwva_t_reader;
SELECT is((SELECT count(*) FROM wwva.statement WHERE me_id = 'a'), 2 * (SELECT count(*) FROM wwva.statement_line),
          'the reader reads the statement');
SELECT throws_ok($$SELECT count(*) FROM wwva_internal.materialized_figures$$, '42501', NULL,
                 'and nothing of wwva_internal');
SELECT throws_ok($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('a', '2024-01-05', 'hardware', 'revenue', 1)$$,
                 '42501', NULL, 'the reader writes nothing');
RESET ROLE;

SET LOCAL ROLE wwva_t_loader;
SELECT lives_ok($$INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('a', '2024-01-05', 'hardware', 'revenue', 1)$$,
                'the loader inserts a posting');
SELECT lives_ok($$INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES ('a', 1, '2024-01-05 10:00+00', 'transaction')$$,
                'and a user event');
SELECT throws_ok($$SELECT count(*) FROM wwva.ledger$$, '42501', NULL, 'the loader reads no posting');
RESET ROLE;
SELECT is((SELECT count(*) FROM wwva_internal.pending_posting WHERE amount = 1), 1::bigint,
          'the loader''s posting left its change trace');

SET LOCAL ROLE wwva_t_reader;
SELECT throws_ok($$SELECT wwva.grant_loader('wwva_t_reader')$$, '42501',
                 'only the owner of extension wwva may grant or revoke what wwva.grant_loader() manages',
                 'a role that is not the extension''s owner cannot grant itself more');
RESET ROLE;
SELECT lives_ok($$SELECT wwva.revoke_reader('wwva_t_reader'), wwva.revoke_loader('wwva_t_loader')$$, 'revoke_reader and revoke_loader run');
SELECT is((SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a
            WHERE c.relnamespace = 'wwva'::regnamespace
              AND a.grantee IN ('wwva_t_reader'::regrole, 'wwva_t_loader'::regrole))::integer, 0,
          'they take back every privilege on the tables and views');

-- A BI role granted one view alone: PostgreSQL names the first building
-- block it misses.  The README quotes that message and says what to run.
GRANT USAGE ON SCHEMA wwva TO wwva_t_one_view;
GRANT SELECT ON wwva.statement TO wwva_t_one_view;
CREATE TEMP TABLE one_view_error (message text);
GRANT INSERT ON one_view_error TO wwva_t_one_view;
DO $$
BEGIN
    SET LOCAL ROLE wwva_t_one_view;
    PERFORM count(*) FROM wwva.statement;
EXCEPTION WHEN insufficient_privilege THEN
    RESET ROLE;
    INSERT INTO one_view_error VALUES (SQLERRM);
END
$$;
RESET ROLE;
\set readme `cat README.md`
SELECT ok(strpos(:'readme', (SELECT message FROM one_view_error)) > 0,
          format('the README quotes the error a role granted wwva.statement alone gets: %s', (SELECT message FROM one_view_error)));

SELECT * FROM finish();
ROLLBACK;
