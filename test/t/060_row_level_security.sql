-- Row-level security: every ME's analysts see their ME and nothing else,
-- through every view, with exactly the figures an administrator sees for
-- that ME.  The policies are the README's recipe, word for word: a mapping
-- of roles to MEs and EMCs, and one policy per table.
--
-- Runs on its own small ledger inside a transaction that is rolled back,
-- so the Xinchu example the other files use is untouched.
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
SELECT plan(52);

-- ----------------------------------------------------------- the ledger
\ir ../data/two_mes.sql
-- and a calendar of its own beside the months, so that wwva.statement_to_date has rows
INSERT INTO wwva.period (period_id, starts_on, ends_on, calendar)
VALUES ('2024-Q1', '2024-01-01', '2024-04-01', 'quarter');

-- ----------------------------------------------------------- the recipe
CREATE ROLE wwva_rls_a NOLOGIN;
CREATE ROLE wwva_rls_b NOLOGIN;
CREATE ROLE wwva_rls_ab NOLOGIN;
CREATE ROLE wwva_rls_none NOLOGIN;

CREATE TABLE public.wwva_me_access (role_name name NOT NULL, me_id text NOT NULL);
CREATE TABLE public.wwva_emc_access (role_name name NOT NULL, emc_id text NOT NULL);
INSERT INTO public.wwva_me_access VALUES ('wwva_rls_a', 'a'), ('wwva_rls_b', 'b'),
                                         ('wwva_rls_ab', 'a'), ('wwva_rls_ab', 'b');
INSERT INTO public.wwva_emc_access VALUES ('wwva_rls_ab', 'ab');
ALTER TABLE public.wwva_me_access ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.wwva_emc_access ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON public.wwva_me_access FOR SELECT USING (role_name = current_user);
CREATE POLICY own_rows ON public.wwva_emc_access FOR SELECT USING (role_name = current_user);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['me', 'ledger', 'user_event', 'target', 'sharing_rule'] LOOP
        EXECUTE format('ALTER TABLE wwva.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY me_access ON wwva.%I FOR SELECT
                          USING (me_id IN (SELECT a.me_id FROM public.wwva_me_access a
                                            WHERE a.role_name = current_user))$p$, t);
    END LOOP;
    FOREACH t IN ARRAY ARRAY['emc', 'emc_member', 'emc_contract', 'emc_tier'] LOOP
        EXECUTE format('ALTER TABLE wwva.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY emc_access ON wwva.%I FOR SELECT
                          USING (emc_id IN (SELECT a.emc_id FROM public.wwva_emc_access a
                                             WHERE a.role_name = current_user))$p$, t);
    END LOOP;
END $$;
GRANT USAGE ON SCHEMA wwva TO wwva_rls_a, wwva_rls_b, wwva_rls_ab, wwva_rls_none;
GRANT SELECT ON ALL TABLES IN SCHEMA wwva TO wwva_rls_a, wwva_rls_b, wwva_rls_ab, wwva_rls_none;
GRANT SELECT ON public.wwva_me_access, public.wwva_emc_access
   TO wwva_rls_a, wwva_rls_b, wwva_rls_ab, wwva_rls_none;

-- ----------------------------------------------------------- what the administrator sees
CREATE SCHEMA rls_expected;
GRANT USAGE ON SCHEMA rls_expected TO wwva_rls_a, wwva_rls_b, wwva_rls_ab, wwva_rls_none;
CREATE TABLE rls_expected.views (name text, keyed_by text);
INSERT INTO rls_expected.views VALUES
    ('user_resources', 'me'), ('value_added_sharing', 'me'), ('revenues', 'me'), ('costs', 'me'),
    ('marginal_income', 'me'), ('statement', 'me'), ('statement_to_date', 'me'), ('figures', 'me'),
    ('unassigned', 'me'),
    ('emc_pools', 'emc'), ('emc_shares', 'emc');
DO $$
DECLARE
    v record;
BEGIN
    FOR v IN SELECT name FROM rls_expected.views LOOP
        EXECUTE format('CREATE TABLE rls_expected.%I AS SELECT * FROM wwva.%I', v.name, v.name);
    END LOOP;
END $$;
GRANT SELECT ON ALL TABLES IN SCHEMA rls_expected TO wwva_rls_a, wwva_rls_b, wwva_rls_ab, wwva_rls_none;

SELECT ok((SELECT count(DISTINCT me_id) = 2 AND count(*) > 0 FROM rls_expected.statement),
          'the administrator sees both MEs in the statement');
SELECT ok((SELECT count(DISTINCT me_id) = 2 AND count(*) > 0 FROM rls_expected.statement_to_date),
          'and in the statements to date');
SELECT ok((SELECT count(*) > 0 FROM rls_expected.emc_shares WHERE kind = 'member' AND share > 0),
          'and a non-zero EMC split');
SELECT ok((SELECT count(DISTINCT me_id) = 2 FROM rls_expected.unassigned),
          'and unassigned rows of both MEs');

-- Each analyst: every view equals the administrator's rows of the MEs (and
-- EMCs) the analyst may see, and nothing else.  The views run as the
-- analyst; pgTAP records the result as the administrator.
CREATE FUNCTION rls_expected.check_views(analyst name) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    v record;
    allowed text[];
    seen bigint;
    differ bigint;
    expected bigint;
BEGIN
    FOR v IN SELECT name, keyed_by FROM rls_expected.views ORDER BY name LOOP
        IF v.keyed_by = 'me' THEN
            SELECT coalesce(array_agg(me_id), '{}') INTO allowed
              FROM public.wwva_me_access WHERE role_name = analyst;
        ELSE
            SELECT coalesce(array_agg(emc_id), '{}') INTO allowed
              FROM public.wwva_emc_access WHERE role_name = analyst;
        END IF;
        EXECUTE format('SELECT count(*) FROM rls_expected.%I WHERE %s = ANY (%L)', v.name,
                       CASE v.keyed_by WHEN 'me' THEN 'me_id' ELSE 'emc_id' END, allowed)
           INTO expected;
        EXECUTE format('SET LOCAL ROLE %I', analyst);
        EXECUTE format('SELECT count(*) FROM wwva.%I', v.name) INTO seen;
        EXECUTE format($q$SELECT count(*) FROM ((SELECT * FROM wwva.%1$I
                                                 EXCEPT ALL SELECT * FROM rls_expected.%1$I WHERE %2$s = ANY (%3$L))
                                                UNION ALL
                                                (SELECT * FROM rls_expected.%1$I WHERE %2$s = ANY (%3$L)
                                                 EXCEPT ALL SELECT * FROM wwva.%1$I)) d$q$,
                       v.name, CASE v.keyed_by WHEN 'me' THEN 'me_id' ELSE 'emc_id' END, allowed)
           INTO differ;
        RESET ROLE;
        RETURN NEXT is(format('%s rows, %s differ', seen, differ),
                       format('%s rows, 0 differ', expected),
                       format('%s sees exactly its rows of wwva.%s', analyst, v.name));
    END LOOP;
END $$;

SELECT * FROM rls_expected.check_views('wwva_rls_a');
SELECT * FROM rls_expected.check_views('wwva_rls_b');
SELECT * FROM rls_expected.check_views('wwva_rls_ab');
SELECT * FROM rls_expected.check_views('wwva_rls_none');

-- The figures of ME a do not depend on who else is visible: an analyst of a
-- alone and one of a and b see the same statement lines for a.
SET LOCAL ROLE wwva_rls_a;
CREATE TEMP TABLE seen_by_a AS SELECT * FROM wwva.statement;
CREATE TEMP TABLE b_rows_seen_by_a AS
SELECT (SELECT count(*) FROM wwva.user_event WHERE me_id = 'b') AS events,
       (SELECT count(*) FROM wwva.ledger WHERE me_id = 'b') AS postings;
RESET ROLE;
SET LOCAL ROLE wwva_rls_ab;
CREATE TEMP TABLE a_seen_by_ab AS SELECT * FROM wwva.statement WHERE me_id = 'a';
RESET ROLE;
SELECT ok((SELECT count(*) > 0 FROM seen_by_a), 'a''s analyst has statement lines');
SELECT set_eq('SELECT * FROM seen_by_a', 'SELECT * FROM a_seen_by_ab',
              'ME a''s statement is the same for its own analyst and for one who sees more');

-- Nothing of b reaches a's analyst directly either.
SELECT is((SELECT events FROM b_rows_seen_by_a), 0::bigint, 'a''s analyst reads no event of b');
SELECT is((SELECT postings FROM b_rows_seen_by_a), 0::bigint, 'nor a posting of b');

SELECT * FROM finish();
ROLLBACK;
