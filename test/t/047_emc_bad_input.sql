-- Inconsistent EMC contracts are refused with an error naming the EMC, the
-- period and the member, and leave the caller's data untouched; malformed
-- calls to the C functions give a clear error or a documented NULL, never
-- a crash (a crash would end this file early and fail the plan).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(48);

INSERT INTO wwva.me (me_id) VALUES ('t_leader'), ('t_node');
INSERT INTO wwva.period VALUES ('t_2030', '2030-01-01', '2031-01-01');
INSERT INTO wwva.emc VALUES ('t_emc', 'test EMC', 't_leader');
INSERT INTO wwva.emc_member VALUES ('t_emc', 't_leader', 'me', 1, 10, NULL),
                                   ('t_emc', 't_node', 'me', 1, 0, 500);
INSERT INTO wwva.emc_contract (emc_id, period_id, leading_target, pool_floor, pool_cap)
VALUES ('t_emc', 't_2030', 100, 50, 1000);
INSERT INTO wwva.emc_tier VALUES ('t_emc', 't_2030', 100, 0.2), ('t_emc', 't_2030', 150, 0.5);

CREATE TEMP TABLE before AS
SELECT (SELECT string_agg(m::text, ';' ORDER BY m::text) FROM wwva.emc_member m WHERE emc_id = 't_emc') AS members,
       (SELECT string_agg(c::text, ';') FROM wwva.emc_contract c WHERE emc_id = 't_emc') AS contracts,
       (SELECT string_agg(t::text, ';' ORDER BY t::text) FROM wwva.emc_tier t WHERE emc_id = 't_emc') AS tiers;

-- ------------------------------------------------------- invalid contracts
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t_emc', 'p', 'partner', -1, 0, NULL)$$,
                 '23514', 'EMC "t_emc" member "p" has weight -1, which is not a finite number >= 0',
                 'negative weight');
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t_emc', 'p', 'partner', 'NaN', 0, NULL)$$,
                 '23514', 'EMC "t_emc" member "p" has weight NaN, which is not a finite number >= 0',
                 'NaN weight');
SELECT throws_ok($$INSERT INTO wwva.emc_tier VALUES ('t_emc', 't_2030', 200, -0.5)$$,
                 '23514', 'EMC "t_emc" contract for period "t_2030": tier at 200 has rate -0.5, which is not a finite number >= 0',
                 'negative rate');
SELECT throws_ok($$INSERT INTO wwva.emc_tier VALUES ('t_emc', 't_2030', 200, 'NaN')$$,
                 '23514', NULL, 'NaN rate');
SELECT throws_ok($$INSERT INTO wwva.emc_tier VALUES ('t_emc', 't_2030', 'Infinity', 0.1)$$,
                 '23514', 'EMC "t_emc" contract for period "t_2030" has a tier at Infinity, which is not a finite number',
                 'infinite threshold');
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t_emc', 'p', 'partner', 1, 20, 10)$$,
                 '23514', 'EMC "t_emc" member "p" has lower limit 20 above upper limit 10', 'lower > upper');
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t_emc', 'p', 'partner', 1, 0, 'Infinity')$$,
                 '23514', 'EMC "t_emc" member "p" has limits [0, Infinity]; both must be finite and the lower >= 0',
                 'infinite upper limit');
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t_emc', 'p', 'partner', 1, 45, NULL)$$,
                 '23514', 'EMC "t_emc" contract for period "t_2030": members'' lower limits add up to 55.00, more than the pool floor 50 (members "p" 45, "t_leader" 10)',
                 'a new member whose lower limit pushes the sum over the pool floor');
SELECT throws_ok($$UPDATE wwva.emc_member SET lower_limit = 60 WHERE member_id = 't_leader'$$,
                 '23514', 'EMC "t_emc" contract for period "t_2030": members'' lower limits add up to 60.00, more than the pool floor 50 (members "t_leader" 60)',
                 'raising a lower limit above the pool floor');
SELECT throws_ok($$UPDATE wwva.emc_contract SET pool_floor = 5 WHERE emc_id = 't_emc'$$,
                 '23514', 'EMC "t_emc" contract for period "t_2030": members'' lower limits add up to 10.00, more than the pool floor 5 (members "t_leader" 10)',
                 'lowering the pool floor below the lower limits');
SELECT throws_ok($$INSERT INTO wwva.emc_tier VALUES ('t_emc', 't_2030', 50, 0.1)$$,
                 '23514', 'EMC "t_emc" contract for period "t_2030": tier at 50 starts below the leading target 100',
                 'a tier below the gate');
SELECT throws_ok($$UPDATE wwva.emc_contract SET leading_target = 120 WHERE emc_id = 't_emc'$$,
                 '23514', 'EMC "t_emc" contract for period "t_2030": tier at 100 starts below the leading target 120',
                 'raising the gate above a tier');
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t_emc', 'ghost', 'me', 1, 0, NULL)$$,
                 '23503', 'EMC "t_emc" member "ghost" is of kind ''me'' but no such ME exists',
                 'unknown member ME');
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t_emc', 't_node', 'me', 2, 0, NULL)$$,
                 '23505', NULL, 'a member twice');
SELECT throws_ok($$UPDATE wwva.emc_contract SET pool_cap = 10 WHERE emc_id = 't_emc'$$,
                 '23514', 'EMC "t_emc" contract for period "t_2030" has pool floor 50 above pool cap 10',
                 'pool floor above the cap');
SELECT throws_ok($$UPDATE wwva.emc_contract SET leading_target = 'NaN' WHERE emc_id = 't_emc'$$,
                 '23514', NULL, 'NaN leading target');
SELECT throws_ok($$INSERT INTO wwva.emc_member VALUES ('t_emc', 'q', 'supplier', 1, 0, NULL)$$,
                 '23514', 'EMC "t_emc" member "q" has unknown kind "supplier"', 'unknown member kind');
SELECT throws_ok($$INSERT INTO wwva.emc VALUES ('t_other', 'x', 'nobody')$$,
                 '23503', NULL, 'an EMC led by an unknown ME');

SELECT is((SELECT string_agg(m::text, ';' ORDER BY m::text) FROM wwva.emc_member m WHERE emc_id = 't_emc'),
          (SELECT members FROM before), 'members untouched by every refused change');
SELECT is((SELECT string_agg(c::text, ';') FROM wwva.emc_contract c WHERE emc_id = 't_emc'),
          (SELECT contracts FROM before), 'contracts untouched');
SELECT is((SELECT string_agg(t::text, ';' ORDER BY t::text) FROM wwva.emc_tier t WHERE emc_id = 't_emc'),
          (SELECT tiers FROM before), 'tiers untouched');

-- A change that is consistent only at its end goes through when deferred.
SET CONSTRAINTS ALL DEFERRED;
UPDATE wwva.emc_member SET lower_limit = 80 WHERE member_id = 't_leader';
UPDATE wwva.emc_contract SET pool_floor = 100 WHERE emc_id = 't_emc';
SET CONSTRAINTS ALL IMMEDIATE;
SELECT is((SELECT lower_limit FROM wwva.emc_member WHERE member_id = 't_leader'), 80::numeric,
          'a two-step change valid at its end succeeds under SET CONSTRAINTS ALL DEFERRED');

-- ------------------------------------------------ no input crashes the backend
SELECT is(wwva.share_pool(NULL, 1, '{1}', '{1}', 0, NULL), NULL, 'share_pool: NULL value added gives NULL');
SELECT is(wwva.share_pool(10, NULL, NULL, NULL, NULL, NULL), 0::numeric, 'share_pool: no gate, no tiers: 0');
SELECT throws_ok($$SELECT wwva.share_pool(10, 1, '{1,2}', '{1}', 0, NULL)$$, '2202E', NULL,
                 'share_pool: mismatched arrays');
SELECT throws_ok($$SELECT wwva.share_pool(10, 1, '{2,1}', '{1,1}', 0, NULL)$$, '22023', NULL,
                 'share_pool: thresholds not increasing');
SELECT throws_ok($$SELECT wwva.share_pool(10, 1, '{1,NULL}', '{1,1}', 0, NULL)$$, '22004', NULL,
                 'share_pool: NULL threshold');
SELECT throws_ok($$SELECT wwva.share_pool(10, 1, '{{1}}', '{{1}}', 0, NULL)$$, '2202E', NULL,
                 'share_pool: two-dimensional arrays');
SELECT throws_ok($$SELECT wwva.share_pool('NaN', 1, '{1}', '{1}', 0, NULL)$$, '22023', NULL,
                 'share_pool: NaN value added');
SELECT throws_ok($$SELECT wwva.share_pool(10, '-Infinity', '{1}', '{1}', 0, NULL)$$, '22023', NULL,
                 'share_pool: infinite gate');
SELECT is(wwva.allocate(NULL, '{1}', NULL, NULL), NULL, 'allocate: NULL pool gives NULL');
SELECT is(wwva.allocate(1, NULL, NULL, NULL), NULL, 'allocate: NULL weights give NULL');
SELECT is(wwva.allocate(1, '{1}', NULL, NULL, NULL), NULL, 'allocate: NULL scale gives NULL');
SELECT is(wwva.allocate(100, '{}', '{}', '{}'), '{}'::numeric[], 'allocate: no members, nothing allocated');
SELECT throws_ok($$SELECT wwva.allocate(100, '{1,2}', NULL, '{1,2,3}')$$, '2202E', NULL,
                 'allocate: mismatched arrays');
SELECT throws_ok($$SELECT wwva.allocate(100, '{1,NULL}', NULL, NULL)$$, '22004', NULL,
                 'allocate: NULL weight element');
SELECT throws_ok($$SELECT wwva.allocate(100, '{1,2}', '{NaN,0}', NULL)$$, '22023', NULL,
                 'allocate: NaN lower limit');
-- found by test/t/070_fuzz.sh: a NULL lower element beside a negative upper limit crashed the backend
SELECT throws_ok($$SELECT wwva.allocate(0, '{1}', '{NULL}', '{-1e-300}', 2)$$, '22023',
                 'wwva.allocate: member 1 has lower limit 0 above upper limit -0.' || repeat('0', 299) || '1',
                 'allocate: NULL lower element (0) above a negative upper limit');
SELECT throws_ok($$SELECT wwva.split(m, 1, l, -0.5, 10, 2) FROM (VALUES ('a', NULL::numeric)) v(m, l)$$, '22023',
                 'wwva.split: member "a" has lower limit 0 above upper limit -0.5',
                 'split: NULL lower limit (0) above a negative upper limit');
SELECT throws_ok($$SELECT wwva.allocate('-Infinity', '{1,2}', NULL, NULL)$$, '22023', NULL,
                 'allocate: infinite pool');
SELECT throws_ok($$SELECT wwva.allocate(100, '{1,2}', NULL, NULL, -1)$$, '22023',
                 'wwva.allocate: scale -1 is outside 0 to 1000', 'allocate: negative scale');
SELECT throws_ok($$SELECT wwva.allocate(100, '{1,2}', NULL, NULL, 2147483647)$$, '22023', NULL,
                 'allocate: huge scale');
SELECT is(wwva.allocate(1e-20, '{1,2}', NULL, NULL), '{0.00,0.00}'::numeric[],
          'allocate: a pool below the minor unit pays nothing (all of it is retained)');
SELECT throws_ok($$SELECT wwva.allocate(1, array_fill(1::numeric, ARRAY[100001]), NULL, NULL)$$, '54000', NULL,
                 'allocate: too many members');
SELECT throws_ok($$SELECT wwva.split(m, 1, NULL, NULL, p, 2) FROM (VALUES ('a', 1), ('b', 2)) v(m, p)$$,
                 '22023', NULL, 'split: two pools in one group');
SELECT throws_ok($$SELECT wwva.split(m, 1, NULL, NULL, 10, 2) FROM (VALUES ('a'), ('a')) v(m)$$,
                 '23505', 'wwva.split: member "a" appears twice in one group', 'split: a member twice');
SELECT throws_ok($$SELECT wwva.split(NULL, 1, NULL, NULL, 10, 2)$$, '22004', NULL, 'split: NULL member');
SELECT is((SELECT wwva.split(m, 1, NULL, NULL, 10, 2) FROM (VALUES ('a')) v(m) WHERE false),
          '{}'::wwva.member_share[], 'split: no rows, empty result');

SELECT * FROM finish();
ROLLBACK;
