-- Invalid EMC contracts are refused, and no input crashes the backend.
--
-- A contract is agreed before production starts and decides who is paid
-- what, so an inconsistent one must never be stored: every invalid class
-- (negative weight or rate, lower > upper, lower limits above the pool
-- floor, tiers below the gate, an unknown member ME, a member twice, pool
-- floor above cap, NaN or infinite numbers, unknown member kind) is refused
-- with an error naming the EMC and the member or period, and the caller's
-- data (including the loaded example's EMC) is left exactly as it was.  A
-- change that is valid only once all its steps are done succeeds under SET
-- CONSTRAINTS ALL DEFERRED.
--
-- The C functions are called by anyone with anything, so the second half
-- feeds wwva.allocate, wwva.share_pool and the wwva.split aggregate NULLs
-- in every position, empty, mismatched and multi-dimensional arrays, NaN
-- and infinities, absurd scales, 10^15 and 1e-20, and malformed groups,
-- expecting a documented result or an error with the right SQLSTATE.  A
-- crash would abort this file and fail its plan; "backend still alive"
-- closes each group so the output shows how far it got.
--
-- Limits are validated as the split uses them, rounded to the contract's
-- share_scale, and an ME that is an EMC member cannot be deleted or renamed.

BEGIN;
SELECT plan(222);

-- ------------------------------------------------------------- a contract
INSERT INTO wwva.me (me_id) VALUES ('t045_lead'), ('t045_node');
INSERT INTO wwva.period VALUES ('t045_p', '2091-01-01', '2092-01-01'),
                               ('t045_q', '2092-01-01', '2093-01-01');
INSERT INTO wwva.emc VALUES ('t045_emc', 'test EMC of 045', 't045_lead');
INSERT INTO wwva.emc_member VALUES ('t045_emc', 't045_lead', 'me', 2, 10, NULL),
                                   ('t045_emc', 't045_node', 'me', 1, 0, 500),
                                   ('t045_emc', 't045_partner', 'partner', 0.5, 5, 100);
INSERT INTO wwva.emc_contract (emc_id, period_id, leading_target, pool_floor, pool_cap, value_added)
VALUES ('t045_emc', 't045_p', 100, 50, 1000, 200);
INSERT INTO wwva.emc_tier VALUES ('t045_emc', 't045_p', 100, 0.2), ('t045_emc', 't045_p', 150, 0.5);

-- Everything in the four EMC tables, the loaded example included.
CREATE FUNCTION pg_temp.emc_data() RETURNS text LANGUAGE sql AS $$
    SELECT format('%s EMCs, %s members, %s contracts, %s tiers, content %s',
                  (SELECT count(*) FROM wwva.emc), (SELECT count(*) FROM wwva.emc_member),
                  (SELECT count(*) FROM wwva.emc_contract), (SELECT count(*) FROM wwva.emc_tier),
                  md5(concat_ws('|',
                      (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM wwva.emc t),
                      (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM wwva.emc_member t),
                      (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM wwva.emc_contract t),
                      (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM wwva.emc_tier t))))
$$;
CREATE TEMP TABLE before AS SELECT pg_temp.emc_data() AS data;

-- Run action (then probe, a query of one value) and undo both: returns
-- the probe's value, or 'error SQLSTATE: message'.
CREATE FUNCTION pg_temp.try(action text, probe text DEFAULT $$SELECT 'done'$$) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    outcome text;
BEGIN
    BEGIN
        EXECUTE action;
        EXECUTE probe INTO outcome;
        RAISE EXCEPTION 'undo' USING ERRCODE = 'WWUND';
    EXCEPTION WHEN OTHERS THEN
        IF SQLSTATE <> 'WWUND' THEN
            outcome := format('error %s: %s', SQLSTATE, SQLERRM);
        END IF;
    END;
    RETURN outcome;
END
$$;

-- The full error of a statement, detail included.
CREATE FUNCTION pg_temp.error_of(statement text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    state text; message text; detail text;
BEGIN
    EXECUTE statement;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN format('%s: %s (%s)', state, message, detail);
END
$$;

SELECT is((SELECT count(*) FROM wwva.emc_shares WHERE emc_id = 't045_emc'), 4::bigint,
          'the test contract is valid: three shares and a retained line');

-- -------------------------------------------------------- negative weight
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'p2', 'partner', -1, 0, NULL)$$,
                 '23514', 'EMC "t045_emc" member "p2" has weight -1, which is not a finite number >= 0',
                 'a new member with a negative weight is refused, naming EMC and member');
SELECT throws_ok($$UPDATE wwva.emc_member SET weight = -0.001 WHERE emc_id = 't045_emc' AND member_id = 't045_node'$$,
                 '23514', 'EMC "t045_emc" member "t045_node" has weight -0.001, which is not a finite number >= 0',
                 'making a weight negative is refused');
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'p2', 'partner', 1, 0, NULL),
                                                      ('t045_emc', 'p3', 'partner', -2, 0, NULL)$$,
                 '23514', 'EMC "t045_emc" member "p3" has weight -2, which is not a finite number >= 0',
                 'one bad row refuses the whole statement');
SELECT is(pg_temp.emc_data(), (SELECT data FROM before), 'negative weights: data untouched');

-- ---------------------------------------------------------- negative rate
SELECT throws_ok($$INSERT INTO wwva.emc_tier VALUES ('t045_emc', 't045_p', 200, -0.5)$$,
                 '23514', 'EMC "t045_emc" contract for period "t045_p": tier at 200 has rate -0.5, which is not a finite number >= 0',
                 'a tier with a negative rate is refused, naming EMC, period and tier');
SELECT throws_ok($$UPDATE wwva.emc_tier SET rate = -1 WHERE emc_id = 't045_emc' AND threshold = 150$$,
                 '23514', 'EMC "t045_emc" contract for period "t045_p": tier at 150 has rate -1, which is not a finite number >= 0',
                 'making a rate negative is refused');
SELECT is(pg_temp.emc_data(), (SELECT data FROM before), 'negative rates: data untouched');

-- ---------------------------------------------------------- lower > upper
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'p2', 'partner', 1, 20, 10)$$,
                 '23514', 'EMC "t045_emc" member "p2" has lower limit 20 above upper limit 10',
                 'a new member with lower > upper is refused');
SELECT throws_ok($$UPDATE wwva.emc_member SET lower_limit = 600 WHERE emc_id = 't045_emc' AND member_id = 't045_node'$$,
                 '23514', 'EMC "t045_emc" member "t045_node" has lower limit 600 above upper limit 500',
                 'raising a lower limit above the upper limit is refused');
SELECT throws_ok($$UPDATE wwva.emc_member SET upper_limit = 4.99 WHERE emc_id = 't045_emc' AND member_id = 't045_partner'$$,
                 '23514', 'EMC "t045_emc" member "t045_partner" has lower limit 5 above upper limit 4.99',
                 'lowering an upper limit below the lower limit is refused');
SELECT is(pg_temp.emc_data(), (SELECT data FROM before), 'lower > upper: data untouched');

-- ------------------------------------------- lower limits above pool floor
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'x', 'partner', 1, 35.01, NULL)$$,
                 '23514', 'EMC "t045_emc" contract for period "t045_p": members'' lower limits add up to 50.01, more than the pool floor 50 (members "t045_lead" 10, "t045_partner" 5, "x" 35.01)',
                 'a member whose lower limit pushes the sum over the pool floor is refused, naming EMC, period and members');
SELECT is(pg_temp.try($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'x', 'partner', 1, 35, NULL)$$),
          'done', 'a member whose lower limit brings the sum exactly to the pool floor is accepted');
SELECT throws_ok($$UPDATE wwva.emc_member SET lower_limit = 45.5 WHERE emc_id = 't045_emc' AND member_id = 't045_lead'$$,
                 '23514', 'EMC "t045_emc" contract for period "t045_p": members'' lower limits add up to 50.50, more than the pool floor 50 (members "t045_lead" 45.5, "t045_partner" 5)',
                 'raising a lower limit over the pool floor is refused');
SELECT throws_ok($$UPDATE wwva.emc_contract SET pool_floor = 14 WHERE emc_id = 't045_emc'$$,
                 '23514', 'EMC "t045_emc" contract for period "t045_p": members'' lower limits add up to 15.00, more than the pool floor 14 (members "t045_lead" 10, "t045_partner" 5)',
                 'lowering the pool floor under the lower limits is refused');
SELECT throws_ok($$INSERT INTO wwva.emc_contract (emc_id, period_id, leading_target, pool_floor) VALUES ('t045_emc', 't045_q', 0, 10)$$,
                 '23514', 'EMC "t045_emc" contract for period "t045_q": members'' lower limits add up to 15.00, more than the pool floor 10 (members "t045_lead" 10, "t045_partner" 5)',
                 'a new period''s contract whose floor does not cover the lower limits is refused, naming that period');
SELECT is(pg_temp.emc_data(), (SELECT data FROM before), 'lower limits above the pool floor: data untouched');

-- ------------------------------------------------------ tiers below gate
SELECT throws_ok($$INSERT INTO wwva.emc_tier VALUES ('t045_emc', 't045_p', 99, 0.1)$$,
                 '23514', 'EMC "t045_emc" contract for period "t045_p": tier at 99 starts below the leading target 100',
                 'a tier below the gate is refused');
SELECT throws_ok($$UPDATE wwva.emc_tier SET threshold = 50 WHERE emc_id = 't045_emc' AND threshold = 150$$,
                 '23514', 'EMC "t045_emc" contract for period "t045_p": tier at 50 starts below the leading target 100',
                 'moving a tier below the gate is refused');
SELECT throws_ok($$UPDATE wwva.emc_contract SET leading_target = 120 WHERE emc_id = 't045_emc'$$,
                 '23514', 'EMC "t045_emc" contract for period "t045_p": tier at 100 starts below the leading target 120',
                 'raising the gate above a tier is refused');
SELECT is(pg_temp.emc_data(), (SELECT data FROM before), 'tiers below the gate: data untouched');

-- ------------------------------------------------------ unknown member ME
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'ghost', 'me', 1, 0, NULL)$$,
                 '23503', 'EMC "t045_emc" member "ghost" is of kind ''me'' but no such ME exists',
                 'a kind ''me'' member that is not an ME is refused');
SELECT throws_ok($$UPDATE wwva.emc_member SET kind = 'me' WHERE emc_id = 't045_emc' AND member_id = 't045_partner'$$,
                 '23503', 'EMC "t045_emc" member "t045_partner" is of kind ''me'' but no such ME exists',
                 'turning a partner that is not an ME into kind ''me'' is refused');
SELECT throws_ok($$UPDATE wwva.emc_member SET member_id = 'ghost' WHERE emc_id = 't045_emc' AND member_id = 't045_node'$$,
                 '23503', 'EMC "t045_emc" member "ghost" is of kind ''me'' but no such ME exists',
                 'renaming a kind ''me'' member to an unknown ME is refused');
SELECT is(pg_temp.emc_data(), (SELECT data FROM before), 'unknown member ME: data untouched');

-- ------------------------------------------------------- a member twice
SELECT is(pg_temp.error_of($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 't045_node', 'me', 1, 0, NULL)$$),
          '23505: duplicate key value violates unique constraint "emc_member_pkey" (Key (emc_id, member_id)=(t045_emc, t045_node) already exists.)',
          'a member twice is refused; the detail names EMC and member');
SELECT is(pg_temp.error_of($$UPDATE wwva.emc_member SET member_id = 't045_lead' WHERE emc_id = 't045_emc' AND member_id = 't045_node'$$),
          '23505: duplicate key value violates unique constraint "emc_member_pkey" (Key (emc_id, member_id)=(t045_emc, t045_lead) already exists.)',
          'renaming a member onto another is refused');
SELECT is(pg_temp.emc_data(), (SELECT data FROM before), 'a member twice: data untouched');

-- --------------------------------------------------- pool floor above cap
SELECT throws_ok($$UPDATE wwva.emc_contract SET pool_floor = 2000 WHERE emc_id = 't045_emc'$$,
                 '23514', 'EMC "t045_emc" contract for period "t045_p" has pool floor 2000 above pool cap 1000',
                 'raising the pool floor above the cap is refused');
SELECT throws_ok($$UPDATE wwva.emc_contract SET pool_cap = 49.99 WHERE emc_id = 't045_emc'$$,
                 '23514', 'EMC "t045_emc" contract for period "t045_p" has pool floor 50 above pool cap 49.99',
                 'lowering the cap below the pool floor is refused');
SELECT throws_ok($$INSERT INTO wwva.emc_contract (emc_id, period_id, leading_target, pool_floor, pool_cap) VALUES ('t045_emc', 't045_q', 0, 100, 20)$$,
                 '23514', 'EMC "t045_emc" contract for period "t045_q" has pool floor 100 above pool cap 20',
                 'a new contract with floor above cap is refused');
SELECT throws_ok($$UPDATE wwva.emc_contract SET pool_floor = -1, pool_cap = NULL WHERE emc_id = 't045_emc'$$,
                 '23514', 'EMC "t045_emc" contract for period "t045_p" has pool floor -1, which is not >= 0',
                 'a negative pool floor is refused');
SELECT is(pg_temp.emc_data(), (SELECT data FROM before), 'pool floor above cap: data untouched');

-- ---------------------------------------------------- NaN and infinities
SELECT throws_ok(v.statement, '23514', v.message, v.description)
  FROM (VALUES
    ($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'p2', 'partner', 'NaN', 0, NULL)$$,
     'EMC "t045_emc" member "p2" has weight NaN, which is not a finite number >= 0', 'NaN weight'),
    ($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'p2', 'partner', 'Infinity', 0, NULL)$$,
     'EMC "t045_emc" member "p2" has weight Infinity, which is not a finite number >= 0', 'infinite weight'),
    ($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'p2', 'partner', '-Infinity', 0, NULL)$$,
     'EMC "t045_emc" member "p2" has weight -Infinity, which is not a finite number >= 0', '-infinite weight'),
    ($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'p2', 'partner', 1, 'NaN', NULL)$$,
     'EMC "t045_emc" member "p2" has limits [NaN, none]; both must be finite and the lower >= 0', 'NaN lower limit'),
    ($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'p2', 'partner', 1, 'Infinity', NULL)$$,
     'EMC "t045_emc" member "p2" has limits [Infinity, none]; both must be finite and the lower >= 0', 'infinite lower limit'),
    ($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'p2', 'partner', 1, '-Infinity', NULL)$$,
     'EMC "t045_emc" member "p2" has limits [-Infinity, none]; both must be finite and the lower >= 0', '-infinite lower limit'),
    ($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'p2', 'partner', 1, 0, 'NaN')$$,
     'EMC "t045_emc" member "p2" has limits [0, NaN]; both must be finite and the lower >= 0', 'NaN upper limit'),
    ($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'p2', 'partner', 1, 0, 'Infinity')$$,
     'EMC "t045_emc" member "p2" has limits [0, Infinity]; both must be finite and the lower >= 0', 'infinite upper limit'),
    ($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'p2', 'partner', 1, 0, '-Infinity')$$,
     'EMC "t045_emc" member "p2" has limits [0, -Infinity]; both must be finite and the lower >= 0', '-infinite upper limit'),
    ($$UPDATE wwva.emc_member SET upper_limit = 'Infinity' WHERE emc_id = 't045_emc' AND member_id = 't045_node'$$,
     'EMC "t045_emc" member "t045_node" has limits [0, Infinity]; both must be finite and the lower >= 0', 'making an upper limit infinite'),
    ($$INSERT INTO wwva.emc_tier VALUES ('t045_emc', 't045_p', 200, 'NaN')$$,
     'EMC "t045_emc" contract for period "t045_p": tier at 200 has rate NaN, which is not a finite number >= 0', 'NaN rate'),
    ($$INSERT INTO wwva.emc_tier VALUES ('t045_emc', 't045_p', 200, 'Infinity')$$,
     'EMC "t045_emc" contract for period "t045_p": tier at 200 has rate Infinity, which is not a finite number >= 0', 'infinite rate'),
    ($$INSERT INTO wwva.emc_tier VALUES ('t045_emc', 't045_p', 'NaN', 0.1)$$,
     'EMC "t045_emc" contract for period "t045_p" has a tier at NaN, which is not a finite number', 'NaN threshold'),
    ($$INSERT INTO wwva.emc_tier VALUES ('t045_emc', 't045_p', 'Infinity', 0.1)$$,
     'EMC "t045_emc" contract for period "t045_p" has a tier at Infinity, which is not a finite number', 'infinite threshold'),
    ($$INSERT INTO wwva.emc_tier VALUES ('t045_emc', 't045_p', '-Infinity', 0.1)$$,
     'EMC "t045_emc" contract for period "t045_p" has a tier at -Infinity, which is not a finite number', '-infinite threshold'),
    ($$UPDATE wwva.emc_contract SET leading_target = 'NaN' WHERE emc_id = 't045_emc'$$,
     'EMC "t045_emc" contract for period "t045_p" has leading target NaN, value added 200, pool floor 50 and cap 1000; all must be finite', 'NaN leading target'),
    ($$UPDATE wwva.emc_contract SET leading_target = 'Infinity' WHERE emc_id = 't045_emc'$$,
     'EMC "t045_emc" contract for period "t045_p" has leading target Infinity, value added 200, pool floor 50 and cap 1000; all must be finite', 'infinite leading target'),
    ($$UPDATE wwva.emc_contract SET leading_target = '-Infinity' WHERE emc_id = 't045_emc'$$,
     'EMC "t045_emc" contract for period "t045_p" has leading target -Infinity, value added 200, pool floor 50 and cap 1000; all must be finite', '-infinite leading target'),
    ($$UPDATE wwva.emc_contract SET value_added = 'NaN' WHERE emc_id = 't045_emc'$$,
     'EMC "t045_emc" contract for period "t045_p" has leading target 100, value added NaN, pool floor 50 and cap 1000; all must be finite', 'NaN value added'),
    ($$UPDATE wwva.emc_contract SET value_added = 'Infinity' WHERE emc_id = 't045_emc'$$,
     'EMC "t045_emc" contract for period "t045_p" has leading target 100, value added Infinity, pool floor 50 and cap 1000; all must be finite', 'infinite value added'),
    ($$UPDATE wwva.emc_contract SET value_added = '-Infinity' WHERE emc_id = 't045_emc'$$,
     'EMC "t045_emc" contract for period "t045_p" has leading target 100, value added -Infinity, pool floor 50 and cap 1000; all must be finite', '-infinite value added'),
    ($$UPDATE wwva.emc_contract SET pool_floor = 'NaN', pool_cap = NULL WHERE emc_id = 't045_emc'$$,
     'EMC "t045_emc" contract for period "t045_p" has leading target 100, value added 200, pool floor NaN and cap NULL; all must be finite', 'NaN pool floor (no cap)'),
    ($$UPDATE wwva.emc_contract SET pool_floor = 'Infinity', pool_cap = NULL WHERE emc_id = 't045_emc'$$,
     'EMC "t045_emc" contract for period "t045_p" has leading target 100, value added 200, pool floor Infinity and cap NULL; all must be finite', 'infinite pool floor (no cap)'),
    ($$UPDATE wwva.emc_contract SET pool_cap = 'NaN' WHERE emc_id = 't045_emc'$$,
     'EMC "t045_emc" contract for period "t045_p" has leading target 100, value added 200, pool floor 50 and cap NaN; all must be finite', 'NaN pool cap'),
    ($$UPDATE wwva.emc_contract SET pool_cap = 'Infinity' WHERE emc_id = 't045_emc'$$,
     'EMC "t045_emc" contract for period "t045_p" has leading target 100, value added 200, pool floor 50 and cap Infinity; all must be finite', 'infinite pool cap')
  ) AS v(statement, message, description);
-- With a cap the floor-above-cap rule fires first today (NaN sorts above
-- every number: "has pool floor NaN above pool cap 1000"); either way the
-- EMC, the period and the bad number are named.
SELECT throws_like($$UPDATE wwva.emc_contract SET pool_floor = 'NaN' WHERE emc_id = 't045_emc'$$,
                   'EMC "t045_emc" contract for period "t045_p"%pool floor NaN%',
                   'NaN pool floor with a cap is refused');
SELECT throws_like($$UPDATE wwva.emc_contract SET pool_floor = 'Infinity' WHERE emc_id = 't045_emc'$$,
                   'EMC "t045_emc" contract for period "t045_p"%pool floor Infinity%',
                   'infinite pool floor with a cap is refused');
SELECT is(pg_temp.emc_data(), (SELECT data FROM before), 'NaN and infinities: data untouched');

-- --------------------------------------------------- unknown member kind
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'p2', 'alien', 1, 0, NULL)$$,
                 '23514', 'EMC "t045_emc" member "p2" has unknown kind "alien"',
                 'an unknown member kind is refused');
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t045_emc', 'p2', NULL, 1, 0, NULL)$$,
                 '23514', 'EMC "t045_emc" member "p2" has unknown kind "<NULL>"',
                 'a NULL member kind is refused');
SELECT throws_ok($$UPDATE wwva.emc_member SET kind = 'ME' WHERE emc_id = 't045_emc' AND member_id = 't045_node'$$,
                 '23514', 'EMC "t045_emc" member "t045_node" has unknown kind "ME"',
                 'kinds are case-sensitive');
SELECT is(pg_temp.emc_data(), (SELECT data FROM before), 'unknown member kind: data untouched');

-- ----------------------------------- rounding to share_scale, ME members
SELECT matches(pg_temp.try($$UPDATE wwva.emc_member SET lower_limit = CASE member_id WHEN 't045_lead' THEN 45.001 ELSE 4.999 END
                              WHERE emc_id = 't045_emc' AND member_id IN ('t045_lead', 't045_partner')$$,
                           $$SELECT count(*)::text FROM wwva.emc_shares$$),
               '^error 23514: EMC "t045_emc" .*$',
               'lower limits that exceed the pool floor only after rounding up are refused');
SELECT matches(pg_temp.try($$UPDATE wwva.emc_member SET lower_limit = 0.001, upper_limit = 0.009
                              WHERE emc_id = 't045_emc' AND member_id = 't045_node'$$,
                           $$SELECT count(*)::text FROM wwva.emc_shares$$),
               '^error 23514: EMC "t045_emc" .*member "t045_node".*$',
               'limits 0.001 <= 0.009 that cross when rounded to cents are refused');
SELECT is(pg_temp.try($$DELETE FROM wwva.me WHERE me_id = 't045_node'$$,
                      $$SELECT count(*)::text FROM wwva.emc_member m WHERE m.kind = 'me'
                          AND NOT EXISTS (SELECT FROM wwva.me WHERE me_id = m.member_id)$$),
          'error 23503: ME "t045_node" is member "t045_node" of EMC "t045_emc"',
          'deleting an ME that is an EMC member is refused, naming the EMC');
SELECT is(pg_temp.try($$UPDATE wwva.me SET me_id = 't045_node2' WHERE me_id = 't045_node'$$,
                      $$SELECT count(*)::text FROM wwva.emc_member m WHERE m.kind = 'me'
                          AND NOT EXISTS (SELECT FROM wwva.me WHERE me_id = m.member_id)$$),
          'error 23503: ME "t045_node" is member "t045_node" of EMC "t045_emc"',
          'renaming an ME that is an EMC member is refused, naming the EMC');
SELECT is(pg_temp.emc_data(), (SELECT data FROM before), 'known defects: data untouched');

-- ------------------------------------------- several steps, deferred check
SET CONSTRAINTS ALL DEFERRED;
SELECT lives_ok($$UPDATE wwva.emc_member SET lower_limit = 60 WHERE emc_id = 't045_emc' AND member_id = 't045_lead'$$,
                'deferred: a lower limit over the pool floor is accepted for now');
SELECT lives_ok($$UPDATE wwva.emc_contract SET pool_floor = 70 WHERE emc_id = 't045_emc'$$,
                'deferred: then the pool floor is raised to cover it');
SELECT lives_ok('SET CONSTRAINTS ALL IMMEDIATE', 'the change, valid at the end, passes the deferred check');
SELECT is((SELECT share FROM wwva.emc_shares WHERE emc_id = 't045_emc' AND member_id = 't045_lead'), 60.00,
          'and takes effect: pool 70, the leader gets its new lower limit 60');
SET CONSTRAINTS ALL DEFERRED;
SELECT lives_ok($$UPDATE wwva.emc_member SET lower_limit = 80 WHERE emc_id = 't045_emc' AND member_id = 't045_lead'$$,
                'deferred: a lower limit over the pool floor is accepted for now');
SELECT throws_ok('SET CONSTRAINTS ALL IMMEDIATE', '23514',
                 'EMC "t045_emc" contract for period "t045_p": members'' lower limits add up to 85.00, more than the pool floor 70 (members "t045_lead" 80, "t045_partner" 5)',
                 'a change still invalid at the end fails the deferred check, naming EMC, period and members');
SELECT lives_ok($$UPDATE wwva.emc_member SET lower_limit = 65 WHERE emc_id = 't045_emc' AND member_id = 't045_lead'$$,
                'deferred: fixed in a further step');
SELECT lives_ok('SET CONSTRAINTS ALL IMMEDIATE', 'the fixed change passes the deferred check');
UPDATE wwva.emc_member SET lower_limit = 10 WHERE emc_id = 't045_emc' AND member_id = 't045_lead';
UPDATE wwva.emc_contract SET pool_floor = 50 WHERE emc_id = 't045_emc';
SELECT is(pg_temp.emc_data(), (SELECT data FROM before), 'changed back step by step: the deferred path left nothing else behind');
SELECT ok(true, 'backend still alive after the contract tables');

-- ======================================================= wwva.allocate
SELECT is(wwva.allocate(NULL, '{1,2}', NULL, NULL), NULL, 'allocate: NULL pool gives NULL');
SELECT is(wwva.allocate(100, NULL, '{0,0}', NULL), NULL, 'allocate: NULL weights give NULL');
SELECT is(wwva.allocate(100, '{1,2}', NULL, NULL, NULL), NULL, 'allocate: NULL scale gives NULL');
SELECT is(wwva.allocate(NULL, NULL, NULL, NULL, NULL), NULL, 'allocate: all NULL gives NULL');
SELECT is(wwva.allocate(100, '{1,2}', NULL, NULL), '{33.33,66.67}'::numeric[],
          'allocate: NULL lower and upper arrays mean no limits');
SELECT is(wwva.allocate(100, '{1,2}', '{NULL,NULL}', '{NULL,NULL}'), '{33.33,66.67}'::numeric[],
          'allocate: NULL elements mean lower 0 and no upper limit');
SELECT is(wwva.allocate(100, '{}', NULL, NULL), '{}'::numeric[], 'allocate: no members, empty result');
SELECT is(wwva.allocate(100, '{}', '{}', '{}'), '{}'::numeric[], 'allocate: all arrays empty, empty result');
SELECT is(wwva.allocate(0, '{1,1}', '{5,5}', NULL), '{0.00,0.00}'::numeric[],
          'allocate: a pool of 0 pays nothing, lower limits or not');
SELECT is(wwva.allocate(100, '{0,0}', NULL, NULL), '{0.00,0.00}'::numeric[],
          'allocate: all weights 0, nothing is distributed');
SELECT is(wwva.allocate(100, '[0:1]={1,2}'::numeric[], '[5:6]={0,0}'::numeric[], NULL), '{33.33,66.67}'::numeric[],
          'allocate: array lower bounds other than 1 are taken by position');
SELECT is(wwva.allocate(1e15, '{1,2,3}', NULL, NULL, 4),
          '{166666666666666.6667,333333333333333.3333,500000000000000.0000}'::numeric[], 'allocate: 10^15 exactly');
SELECT is(wwva.allocate(1e-20, '{1,2,3}', NULL, NULL, 4), '{0.0000,0.0000,0.0000}'::numeric[],
          'allocate: a pool of 1e-20 is below one unit: nothing');
SELECT is(wwva.allocate(1e-20, '{1,1}', NULL, NULL, 30)::text, '{0.000000000000000000005000000000,0.000000000000000000005000000000}',
          'allocate: 1e-20 at scale 30');
SELECT is(wwva.allocate(100, '{1e-20,1e15}', NULL, NULL), '{0.00,100.00}'::numeric[], 'allocate: weights 1e-20 and 10^15');
SELECT is(wwva.allocate(0.01, '{0,1}', '{1e-20,0}', NULL), '{0.01,0.00}'::numeric[],
          'allocate: a lower limit of 1e-20 rounds up to one cent');
SELECT is(wwva.allocate(100, '{1,1}', NULL, '{1e-20,NULL}'), '{0.00,100.00}'::numeric[],
          'allocate: an upper limit of 1e-20 rounds down to 0');
SELECT is(wwva.allocate(10, '{1,1,1}', NULL, NULL, 16), '{3.3333333333333334,3.3333333333333333,3.3333333333333333}'::numeric[],
          'allocate: scale 16 exactly');
SELECT is(array_length(wwva.allocate(1, array_fill(1::numeric, ARRAY[100000]), NULL, NULL, 0), 1), 100000,
          'allocate: 100,000 members');
SELECT throws_ok(v.statement, v.state, v.message, v.description)
  FROM (VALUES
    ($$SELECT wwva.allocate(100, '{1,NULL}', NULL, NULL)$$, '22004',
     'wwva.allocate: weights[2] is NULL', 'allocate: NULL weight element'),
    ($$SELECT wwva.allocate(100, '{1,2}', '{0}', NULL)$$, '2202E',
     'wwva.allocate: 2 weights but 1 lower limits', 'allocate: lower shorter than weights'),
    ($$SELECT wwva.allocate(100, '{1,2}', NULL, '{0,1,2}')$$, '2202E',
     'wwva.allocate: 2 weights but 3 upper limits', 'allocate: upper longer than weights'),
    ($$SELECT wwva.allocate(100, '{1,2}', '{}', NULL)$$, '2202E',
     'wwva.allocate: 2 weights but 0 lower limits', 'allocate: empty lower array'),
    ($$SELECT wwva.allocate(100, '{}', '{1}', NULL)$$, '2202E',
     'wwva.allocate: 0 weights but 1 lower limits', 'allocate: empty weights, one lower limit'),
    ($$SELECT wwva.allocate(100, '{{1,2},{3,4}}', NULL, NULL)$$, '2202E',
     'wwva.allocate: weights must be a one-dimensional array', 'allocate: two-dimensional weights'),
    ($$SELECT wwva.allocate(100, '{1,2}', '{{0},{0}}', NULL)$$, '2202E',
     'wwva.allocate: lower must be a one-dimensional array', 'allocate: two-dimensional lower'),
    ($$SELECT wwva.allocate(100, '{1,2}', NULL, '{{{1,2}}}')$$, '2202E',
     'wwva.allocate: upper must be a one-dimensional array', 'allocate: three-dimensional upper'),
    ($$SELECT wwva.allocate('NaN', '{1}', NULL, NULL)$$, '22023', 'wwva.allocate: pool is NaN', 'allocate: NaN pool'),
    ($$SELECT wwva.allocate('Infinity', '{1}', NULL, NULL)$$, '22023', 'wwva.allocate: pool is infinite', 'allocate: infinite pool'),
    ($$SELECT wwva.allocate('-Infinity', '{1}', NULL, NULL)$$, '22023', 'wwva.allocate: pool is infinite', 'allocate: -infinite pool'),
    ($$SELECT wwva.allocate(100, '{1,NaN}', NULL, NULL)$$, '22023', 'wwva.allocate: weights[2] is NaN', 'allocate: NaN weight'),
    ($$SELECT wwva.allocate(100, '{Infinity}', NULL, NULL)$$, '22023', 'wwva.allocate: weights[1] is infinite', 'allocate: infinite weight'),
    ($$SELECT wwva.allocate(100, '{-Infinity}', NULL, NULL)$$, '22023', 'wwva.allocate: weights[1] is infinite', 'allocate: -infinite weight'),
    ($$SELECT wwva.allocate(100, '{1}', '{NaN}', NULL)$$, '22023', 'wwva.allocate: lower limit of member 1 is NaN', 'allocate: NaN lower'),
    ($$SELECT wwva.allocate(100, '{1}', '{Infinity}', NULL)$$, '22023', 'wwva.allocate: lower limit of member 1 is infinite', 'allocate: infinite lower'),
    ($$SELECT wwva.allocate(100, '{1}', '{-Infinity}', NULL)$$, '22023', 'wwva.allocate: lower limit of member 1 is infinite', 'allocate: -infinite lower'),
    ($$SELECT wwva.allocate(100, '{1}', NULL, '{NaN}')$$, '22023', 'wwva.allocate: upper limit of member 1 is NaN', 'allocate: NaN upper'),
    ($$SELECT wwva.allocate(100, '{1}', NULL, '{Infinity}')$$, '22023', 'wwva.allocate: upper limit of member 1 is infinite', 'allocate: infinite upper'),
    ($$SELECT wwva.allocate(100, '{1}', NULL, '{-Infinity}')$$, '22023', 'wwva.allocate: upper limit of member 1 is infinite', 'allocate: -infinite upper'),
    ($$SELECT wwva.allocate(100, '{1}', NULL, NULL, -1)$$, '22023',
     'wwva.allocate: scale -1 is outside 0 to 1000', 'allocate: scale -1'),
    ($$SELECT wwva.allocate(100, '{1}', NULL, NULL, 1001)$$, '22023',
     'wwva.allocate: scale 1001 is outside 0 to 1000', 'allocate: scale 1001'),
    ($$SELECT wwva.allocate(100, '{1}', NULL, NULL, 2147483647)$$, '22023',
     'wwva.allocate: scale 2147483647 is outside 0 to 1000', 'allocate: scale 2^31-1'),
    ($$SELECT wwva.allocate(100, '{1}', NULL, NULL, -2147483648)$$, '22023',
     'wwva.allocate: scale -2147483648 is outside 0 to 1000', 'allocate: scale -2^31'),
    ($$SELECT wwva.allocate(100, '{}', NULL, NULL, 2147483647)$$, '22023',
     'wwva.allocate: scale 2147483647 is outside 0 to 1000', 'allocate: bad scale with no members'),
    ($$SELECT wwva.allocate(-1, '{1}', NULL, NULL)$$, '22023', 'wwva.allocate: pool -1 is negative', 'allocate: negative pool'),
    ($$SELECT wwva.allocate(100, '{1,-1}', NULL, NULL)$$, '22023',
     'wwva.allocate: weight of member 2 is -1, which is negative', 'allocate: negative weight'),
    ($$SELECT wwva.allocate(100, '{1,1}', '{0,-1}', NULL)$$, '22023',
     'wwva.allocate: lower limit of member 2 is -1, which is negative', 'allocate: negative lower limit'),
    ($$SELECT wwva.allocate(100, '{1,1}', NULL, '{-1,NULL}')$$, '22023',
     'wwva.allocate: member 1 has lower limit 0 above upper limit -1', 'allocate: negative upper limit'),
    ($$SELECT wwva.allocate(100, '{1,1}', '{60,50}', NULL)$$, '22023',
     'wwva.allocate: lower limits add up to 110.00, more than the pool 100', 'allocate: lower limits above the pool'),
    ($$SELECT wwva.allocate(100, '{1,1}', '{0.001,0}', '{0.009,NULL}')$$, '22023',
     'wwva.allocate: member 1 has lower limit 0.001 above upper limit 0.009', 'allocate: limits that cross when rounded'),
    ($$SELECT wwva.allocate('1e131000', '{3,1}', NULL, NULL, 1000)$$, '22003',
     'value overflows numeric format', 'allocate: a pool beyond numeric at scale 1000 overflows'),
    ($$SELECT wwva.allocate(1, array_fill(1::numeric, ARRAY[100001]), NULL, NULL, 0)$$, '54000',
     'wwva.allocate: 100001 members, more than 100000', 'allocate: 100,001 members')
  ) AS v(statement, state, message, description);
SELECT is(wwva.allocate(10, '{1,1,1}', NULL, NULL, 17),
          '{3.33333333333333334,3.33333333333333333,3.33333333333333333}'::numeric[],
          'allocate: scale 17 is exact (today {3.33333333333333330,...}, adding up to 9.9999999999999999)');
SELECT ok((SELECT sum(s) FROM unnest(wwva.allocate(100, '{1,1,1}', NULL, NULL, 1000)) AS s) = 100,
          'allocate: at scale 1000 the shares add up to the pool (today to 99.9999999999999999)');
SELECT ok(true, 'backend still alive after wwva.allocate');

-- ===================================================== wwva.share_pool
SELECT is(wwva.share_pool(NULL, 100, '{100}', '{0.2}', 0, NULL), NULL, 'share_pool: NULL value added gives NULL');
SELECT is(wwva.share_pool(NULL, NULL, NULL, NULL, NULL, NULL), NULL, 'share_pool: all NULL gives NULL');
SELECT is(wwva.share_pool(90, NULL, '{0}', '{0.1}', 0, NULL), 9.0, 'share_pool: NULL gate means no gate');
SELECT is(wwva.share_pool(200, 100, NULL, NULL, 10, NULL), 10::numeric, 'share_pool: no tiers, the pool floor');
SELECT is(wwva.share_pool(200, 100, '{}', '{}', NULL, NULL), 0::numeric, 'share_pool: empty tiers, no bounds: 0');
SELECT is(wwva.share_pool(200, 100, '{100}', '{0.2}', NULL, NULL), 20.0, 'share_pool: NULL floor and cap mean no bounds');
SELECT is(wwva.share_pool(200, 100, '{100}', '{0.2}', NULL, 5), 5::numeric, 'share_pool: NULL floor with a cap');
SELECT is(wwva.share_pool(90, 100, '{100}', '{0.2}', 50, NULL), 0::numeric, 'share_pool: below the gate 0, whatever the floor');
SELECT is(wwva.share_pool(1e15, 0, '{0}', '{1}', 0, NULL), 1e15, 'share_pool: 10^15');
SELECT is(wwva.share_pool(1e-20, 0, '{0}', '{0.5}', 0, NULL), 5e-21, 'share_pool: 1e-20');
SELECT is(wwva.share_pool(1e15, 1e-20, '{1e-20,1e15}', '{1e-20,1}', 1e-20, 1e15), (1e15 - 1e-20) * 1e-20,
          'share_pool: 10^15 and 1e-20 mixed');
SELECT throws_ok(v.statement, v.state, v.message, v.description)
  FROM (VALUES
    ($$SELECT wwva.share_pool(200, 100, NULL, '{0.2}', 0, NULL)$$, '2202E',
     'wwva.share_pool: 0 thresholds but 1 rates', 'share_pool: NULL thresholds with rates'),
    ($$SELECT wwva.share_pool(200, 100, '{100}', NULL, 0, NULL)$$, '2202E',
     'wwva.share_pool: 1 thresholds but 0 rates', 'share_pool: thresholds with NULL rates'),
    ($$SELECT wwva.share_pool(200, 100, '{100,150}', '{0.2}', 0, NULL)$$, '2202E',
     'wwva.share_pool: 2 thresholds but 1 rates', 'share_pool: mismatched arrays'),
    ($$SELECT wwva.share_pool(200, 100, '{}', '{0.2}', 0, NULL)$$, '2202E',
     'wwva.share_pool: 0 thresholds but 1 rates', 'share_pool: empty thresholds'),
    ($$SELECT wwva.share_pool(200, 100, '{{100,150}}', '{0.2,0.5}', 0, NULL)$$, '2202E',
     'wwva.share_pool: thresholds must be a one-dimensional array', 'share_pool: two-dimensional thresholds'),
    ($$SELECT wwva.share_pool(200, 100, '{100,150}', '{{0.2},{0.5}}', 0, NULL)$$, '2202E',
     'wwva.share_pool: rates must be a one-dimensional array', 'share_pool: two-dimensional rates'),
    ($$SELECT wwva.share_pool(200, 100, '{100,NULL}', '{0.2,0.5}', 0, NULL)$$, '22004',
     'wwva.share_pool: thresholds[2] is NULL', 'share_pool: NULL threshold element'),
    ($$SELECT wwva.share_pool(200, 100, '{100,150}', '{NULL,0.5}', 0, NULL)$$, '22004',
     'wwva.share_pool: rates[1] is NULL', 'share_pool: NULL rate element'),
    ($$SELECT wwva.share_pool('NaN', 100, '{100}', '{0.2}', 0, NULL)$$, '22023', 'wwva.share_pool: value_added is NaN', 'share_pool: NaN value added'),
    ($$SELECT wwva.share_pool('Infinity', 100, '{100}', '{0.2}', 0, NULL)$$, '22023', 'wwva.share_pool: value_added is infinite', 'share_pool: infinite value added'),
    ($$SELECT wwva.share_pool('-Infinity', 100, '{100}', '{0.2}', 0, NULL)$$, '22023', 'wwva.share_pool: value_added is infinite', 'share_pool: -infinite value added'),
    ($$SELECT wwva.share_pool(200, 'NaN', '{100}', '{0.2}', 0, NULL)$$, '22023', 'wwva.share_pool: gate is NaN', 'share_pool: NaN gate'),
    ($$SELECT wwva.share_pool(200, 'Infinity', '{100}', '{0.2}', 0, NULL)$$, '22023', 'wwva.share_pool: gate is infinite', 'share_pool: infinite gate'),
    ($$SELECT wwva.share_pool(200, '-Infinity', '{100}', '{0.2}', 0, NULL)$$, '22023', 'wwva.share_pool: gate is infinite', 'share_pool: -infinite gate'),
    ($$SELECT wwva.share_pool(200, 100, '{NaN}', '{0.2}', 0, NULL)$$, '22023', 'wwva.share_pool: thresholds[1] is NaN', 'share_pool: NaN threshold'),
    ($$SELECT wwva.share_pool(200, 100, '{100,Infinity}', '{0.2,0.5}', 0, NULL)$$, '22023', 'wwva.share_pool: thresholds[2] is infinite', 'share_pool: infinite threshold'),
    ($$SELECT wwva.share_pool(200, 100, '{-Infinity}', '{0.2}', 0, NULL)$$, '22023', 'wwva.share_pool: thresholds[1] is infinite', 'share_pool: -infinite threshold'),
    ($$SELECT wwva.share_pool(200, 100, '{100}', '{NaN}', 0, NULL)$$, '22023', 'wwva.share_pool: rates[1] is NaN', 'share_pool: NaN rate'),
    ($$SELECT wwva.share_pool(200, 100, '{100}', '{Infinity}', 0, NULL)$$, '22023', 'wwva.share_pool: rates[1] is infinite', 'share_pool: infinite rate'),
    ($$SELECT wwva.share_pool(200, 100, '{100}', '{-Infinity}', 0, NULL)$$, '22023', 'wwva.share_pool: rates[1] is infinite', 'share_pool: -infinite rate'),
    ($$SELECT wwva.share_pool(200, 100, '{100}', '{0.2}', 'NaN', NULL)$$, '22023', 'wwva.share_pool: pool_floor is NaN', 'share_pool: NaN floor'),
    ($$SELECT wwva.share_pool(200, 100, '{100}', '{0.2}', 'Infinity', NULL)$$, '22023', 'wwva.share_pool: pool_floor is infinite', 'share_pool: infinite floor'),
    ($$SELECT wwva.share_pool(200, 100, '{100}', '{0.2}', '-Infinity', NULL)$$, '22023', 'wwva.share_pool: pool_floor is infinite', 'share_pool: -infinite floor'),
    ($$SELECT wwva.share_pool(200, 100, '{100}', '{0.2}', 0, 'NaN')$$, '22023', 'wwva.share_pool: pool_cap is NaN', 'share_pool: NaN cap'),
    ($$SELECT wwva.share_pool(200, 100, '{100}', '{0.2}', 0, 'Infinity')$$, '22023', 'wwva.share_pool: pool_cap is infinite', 'share_pool: infinite cap'),
    ($$SELECT wwva.share_pool(200, 100, '{100}', '{0.2}', 0, '-Infinity')$$, '22023', 'wwva.share_pool: pool_cap is infinite', 'share_pool: -infinite cap'),
    ($$SELECT wwva.share_pool(200, 100, '{100}', '{-0.2}', 0, NULL)$$, '22023',
     'wwva.share_pool: rates[1] is -0.2, which is negative', 'share_pool: negative rate'),
    ($$SELECT wwva.share_pool(200, 100, '{150,100}', '{0.2,0.5}', 0, NULL)$$, '22023',
     'wwva.share_pool: thresholds[2] = 100 does not exceed thresholds[1] = 150', 'share_pool: decreasing thresholds'),
    ($$SELECT wwva.share_pool(200, 100, '{100,100}', '{0.2,0.5}', 0, NULL)$$, '22023',
     'wwva.share_pool: thresholds[2] = 100 does not exceed thresholds[1] = 100', 'share_pool: repeated threshold'),
    ($$SELECT wwva.share_pool(200, 100, '{100}', '{0.2}', 50, 10)$$, '22023',
     'wwva.share_pool: pool_floor 50 is above pool_cap 10', 'share_pool: floor above cap')
  ) AS v(statement, state, message, description);
SELECT is(wwva.share_pool(NULL, 'NaN', '{NaN}', '{NaN}', 'NaN', 'NaN'), NULL,
          'share_pool: NULL value added gives NULL even with NaN everywhere else');
SELECT ok(pg_temp.try($$SELECT 1$$, $$SELECT wwva.share_pool(200, 100, '{100}', '{0.2}', NULL, -1)::text$$) !~ '^-',
          'share_pool: never a negative pool (a negative cap is refused or the pool stays >= 0)');
SELECT ok(true, 'backend still alive after wwva.share_pool');

-- ========================================================== wwva.split
SELECT is((SELECT wwva.split(m, 1, NULL, NULL, 100, 2) FROM (VALUES ('a')) AS v(m) WHERE false),
          '{}'::wwva.member_share[], 'split: no rows, an empty array');
SELECT is((SELECT wwva.split('a', 1, NULL, NULL, 100, 2))::text, '{"(a,100.00)"}',
          'split: NULL lower and upper mean no limits');
SELECT is((SELECT wwva.split(m, 1, l, NULL, 0, 2) FROM (VALUES ('b', 5), ('a', 7)) AS v(m, l))::text,
          '{"(a,0.00)","(b,0.00)"}', 'split: a pool of 0 pays nothing, lower limits or not');
SELECT is((SELECT wwva.split(m, 1, NULL, NULL, p, 2) FROM (VALUES ('a', 100.0), ('b', 100.00)) AS v(m, p))::text,
          '{"(a,50.00)","(b,50.00)"}', 'split: equal pools written differently are one pool');
SELECT is((SELECT wwva.split(m, 1, NULL, NULL, 100, 2) FROM (VALUES ('b'), ('B'), ('a'), ('')) AS v(m))::text,
          '{"(\"\",25.00)","(B,25.00)","(a,25.00)","(b,25.00)"}', 'split: ids in byte order, the empty id first');
SELECT is((SELECT wwva.split('a', 1e15, NULL, NULL, 1e15, 4))::text, '{"(a,1000000000000000.0000)"}', 'split: 10^15');
SELECT is((SELECT wwva.split(m, 1e-20, NULL, NULL, 1e-20, 30) FROM (VALUES ('a'), ('b')) AS v(m))::text,
          '{"(a,0.000000000000000000005000000000)","(b,0.000000000000000000005000000000)"}', 'split: 1e-20');
SELECT is((SELECT count(*) FROM unnest((SELECT wwva.split(g::text, 1, NULL, NULL, 100, 2)
                                          FROM generate_series(1, 100000) AS g))), 100000::bigint,
          'split: 100,000 members');
SELECT throws_ok(v.statement, v.state, v.message, v.description)
  FROM (VALUES
    ($$SELECT wwva.split(NULL, 1, NULL, NULL, 100, 2)$$, '22004',
     'wwva.split: member_id, weight, pool and scale must not be NULL', 'split: NULL member id'),
    ($$SELECT wwva.split('a', NULL, NULL, NULL, 100, 2)$$, '22004',
     'wwva.split: member_id, weight, pool and scale must not be NULL', 'split: NULL weight'),
    ($$SELECT wwva.split('a', 1, NULL, NULL, NULL, 2)$$, '22004',
     'wwva.split: member_id, weight, pool and scale must not be NULL', 'split: NULL pool'),
    ($$SELECT wwva.split('a', 1, NULL, NULL, 100, NULL)$$, '22004',
     'wwva.split: member_id, weight, pool and scale must not be NULL', 'split: NULL scale'),
    ($$SELECT wwva.split(NULL, NULL, NULL, NULL, NULL, NULL)$$, '22004',
     'wwva.split: member_id, weight, pool and scale must not be NULL', 'split: all NULL'),
    ($$SELECT wwva.split(m, 1, NULL, NULL, p, 2) FROM (VALUES ('a', 100), ('b', 200)) AS v(m, p)$$, '22023',
     'wwva.split: pool 200 with scale 2 differs from pool 100 with scale 2 within one group', 'split: two pools in one group'),
    ($$SELECT wwva.split(m, 1, NULL, NULL, 100, s) FROM (VALUES ('a', 2), ('b', 3)) AS v(m, s)$$, '22023',
     'wwva.split: pool 100 with scale 3 differs from pool 100 with scale 2 within one group', 'split: two scales in one group'),
    ($$SELECT wwva.split(m, 1, NULL, NULL, 100, 2) FROM (VALUES ('a'), ('b'), ('a')) AS v(m)$$, '23505',
     'wwva.split: member "a" appears twice in one group', 'split: a member twice'),
    ($$SELECT wwva.split(m, 1, NULL, NULL, 0, 2) FROM (VALUES ('a'), ('a')) AS v(m)$$, '23505',
     'wwva.split: member "a" appears twice in one group', 'split: a member twice, pool 0'),
    ($$SELECT wwva.split('a', 'NaN', NULL, NULL, 100, 2)$$, '22023', NULL, 'split: NaN weight'),
    ($$SELECT wwva.split('a', 'Infinity', NULL, NULL, 100, 2)$$, '22023', NULL, 'split: infinite weight'),
    ($$SELECT wwva.split('a', '-Infinity', NULL, NULL, 100, 2)$$, '22023', NULL, 'split: -infinite weight'),
    ($$SELECT wwva.split('a', 1, 'NaN', NULL, 100, 2)$$, '22023', NULL, 'split: NaN lower'),
    ($$SELECT wwva.split('a', 1, 'Infinity', NULL, 100, 2)$$, '22023', NULL, 'split: infinite lower'),
    ($$SELECT wwva.split('a', 1, '-Infinity', NULL, 100, 2)$$, '22023', NULL, 'split: -infinite lower'),
    ($$SELECT wwva.split('a', 1, NULL, 'NaN', 100, 2)$$, '22023', NULL, 'split: NaN upper'),
    ($$SELECT wwva.split('a', 1, NULL, 'Infinity', 100, 2)$$, '22023', NULL, 'split: infinite upper'),
    ($$SELECT wwva.split('a', 1, NULL, '-Infinity', 100, 2)$$, '22023', NULL, 'split: -infinite upper'),
    ($$SELECT wwva.split('a', 1, NULL, NULL, 'NaN', 2)$$, '22023', 'wwva.split: pool is NaN', 'split: NaN pool'),
    ($$SELECT wwva.split('a', 1, NULL, NULL, 'Infinity', 2)$$, '22023', 'wwva.split: pool is infinite', 'split: infinite pool'),
    ($$SELECT wwva.split('a', 1, NULL, NULL, '-Infinity', 2)$$, '22023', 'wwva.split: pool is infinite', 'split: -infinite pool'),
    ($$SELECT wwva.split('a', 1, NULL, NULL, 100, -1)$$, '22023',
     'wwva.split: scale -1 is outside 0 to 1000', 'split: scale -1'),
    ($$SELECT wwva.split('a', 1, NULL, NULL, 100, 1001)$$, '22023',
     'wwva.split: scale 1001 is outside 0 to 1000', 'split: scale 1001'),
    ($$SELECT wwva.split('a', 1, NULL, NULL, 100, 2147483647)$$, '22023',
     'wwva.split: scale 2147483647 is outside 0 to 1000', 'split: scale 2^31-1'),
    ($$SELECT wwva.split('a', 1, NULL, NULL, -1, 2)$$, '22023', 'wwva.split: pool -1 is negative', 'split: negative pool'),
    ($$SELECT wwva.split('a', -1, NULL, NULL, 100, 2)$$, '22023',
     'wwva.split: weight of member "a" is -1, which is negative', 'split: negative weight names the member'),
    ($$SELECT wwva.split('a', 1, -1, NULL, 100, 2)$$, '22023',
     'wwva.split: lower limit of member "a" is -1, which is negative', 'split: negative lower limit names the member'),
    ($$SELECT wwva.split('a', 1, 10, 5, 100, 2)$$, '22023',
     'wwva.split: member "a" has lower limit 10 above upper limit 5', 'split: lower > upper names the member'),
    ($$SELECT wwva.split(m, 1, 60, NULL, 100, 2) FROM (VALUES ('a'), ('b')) AS v(m)$$, '22023',
     'wwva.split: lower limits add up to 120.00, more than the pool 100', 'split: lower limits above the pool'),
    ($$SELECT wwva.split(g::text, 1, NULL, NULL, 100, 2) FROM generate_series(1, 100001) AS g$$, '54000',
     'wwva.split: more than 100000 members in one group', 'split: 100,001 members')
  ) AS v(statement, state, message, description);
SELECT throws_like($$SELECT wwva.split(m, w, NULL, NULL, 100, 2) FROM (VALUES ('b', 1), ('a', 'NaN'::numeric)) AS v(m, w)$$,
                   '%member "a"%', 'split: a NaN weight names the member');
SELECT is((SELECT wwva.split(m, 1, NULL, NULL, 10, 17) FROM (VALUES ('a'), ('b'), ('c')) AS v(m))::text,
          '{"(a,3.33333333333333334)","(b,3.33333333333333333)","(c,3.33333333333333333)"}',
          'split: scale 17 is exact');
SELECT ok(true, 'backend still alive after wwva.split');

SELECT is(pg_temp.emc_data(), (SELECT data FROM before), 'after every malformed call: contract data untouched');

SELECT * FROM finish();
ROLLBACK;
