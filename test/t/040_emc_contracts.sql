-- EMC contracts: the gated, tiered share pool and its exact split.
--
-- The worked example of Haier's contract system (floor 100, bid line 150:
-- 20% between them, 50% above), then the split rules one by one, then the
-- shipped smart-kitchen EMC through wwva.emc_shares.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(33);

-- ------------------------------------------------------------- the pool
SELECT is(wwva.share_pool(200, 100, '{100,150}', '{0.20,0.50}', 0, NULL), 35.00::numeric,
          'value added 200: 0.20 x 50 + 0.50 x 50 = 35');
SELECT is(wwva.share_pool(130, 100, '{100,150}', '{0.20,0.50}', 0, NULL), 6.00::numeric,
          'value added 130: 0.20 x 30 = 6');
SELECT is(wwva.share_pool(90, 100, '{100,150}', '{0.20,0.50}', 0, NULL), 0::numeric,
          'value added 90 misses the gate: pool 0');
SELECT is(wwva.share_pool(100, 100, '{100,150}', '{0.20,0.50}', 0, NULL), 0::numeric,
          'exactly at the gate: the gate is met, nothing above it yet');
SELECT is(wwva.share_pool(90, 100, '{100,150}', '{0.20,0.50}', 10, NULL), 0::numeric,
          'below the gate the pool floor does not apply');
SELECT is(wwva.share_pool(101, 100, '{100,150}', '{0.20,0.50}', 10, NULL), 10::numeric,
          'above the gate the pool floor lifts a small pool');
SELECT is(wwva.share_pool(1000, 100, '{100,150}', '{0.20,0.50}', 0, 300), 300::numeric,
          'the pool cap bounds a large pool');
SELECT is(wwva.share_pool(1000, 0, '{0}', '{0.1}', 0, NULL), 100.0::numeric,
          'one tier at 0 is a plain rate on all value added');
SELECT is(wwva.share_pool(1000, 800, '{800}', '{0.5}', 0, NULL), 100.0::numeric,
          'one tier at the leading target is a rate on the excess');

-- -------------------------------------------------------------- the split
SELECT is(wwva.allocate(100.00, '{1,1,1}', NULL, NULL), '{33.34,33.33,33.33}'::numeric[],
          'thirds of 100.00: 33.34 / 33.33 / 33.33, the odd cent to the first by position');
SELECT is((SELECT array_agg(s.share ORDER BY s.member_id)
             FROM unnest((SELECT wwva.split(m, 1, NULL, NULL, 100.00, 2)
                            FROM (VALUES ('carol'), ('alice'), ('bob')) AS v(m))) AS s),
          '{33.34,33.33,33.33}'::numeric[],
          'the aggregate gives the odd cent to the smallest member id, whatever the row order');
SELECT is(wwva.allocate(100, '{1,1,1}', NULL, NULL, 0), '{34,33,33}'::numeric[],
          'scale 0: whole currency units');
SELECT is(wwva.allocate(100, '{2,1,1}', NULL, '{30,NULL,NULL}'), '{30.00,35.00,35.00}'::numeric[],
          'a cap frees money that goes to the others by weight');
SELECT is(wwva.allocate(100, '{1,1,2}', '{0,40,0}', NULL), '{20.00,40.00,40.00}'::numeric[],
          'a floor takes money from the others by weight');
SELECT is(wwva.allocate(100, '{1,1,1}', NULL, '{10,20,30}'), '{10.00,20.00,30.00}'::numeric[],
          'every member capped: shares stop at the caps');
SELECT is(100 - (SELECT sum(x) FROM unnest(wwva.allocate(100, '{1,1,1}', NULL, '{10,20,30}')) AS x),
          40.00::numeric, '... and the 40 no member can take is left over (retained)');
SELECT is(wwva.allocate(0, '{1,2,3}', '{5,5,5}', NULL), '{0.00,0.00,0.00}'::numeric[],
          'pool 0 (gate missed): every share is 0, lower limits included');
SELECT is(wwva.allocate(50, '{0,1}', NULL, NULL), '{0.00,50.00}'::numeric[],
          'a weight of 0 gets nothing above its lower limit');
SELECT is((SELECT sum(x) FROM unnest(wwva.allocate(
              1000000000000, (SELECT array_agg((g % 97 + 1)::numeric) FROM generate_series(1, 2000) AS g),
              NULL, NULL)) AS x),
          1000000000000.00::numeric, 'a 10^12 pool over 2000 members sums exactly');
SELECT is((SELECT sum(x) FROM unnest(wwva.allocate(
              999999999999999.99, (SELECT array_agg((g % 7 + 1)::numeric / 3) FROM generate_series(1, 500) AS g),
              NULL, (SELECT array_agg(CASE WHEN g % 5 = 0 THEN 1000000000000 END) FROM generate_series(1, 500) AS g)))
             AS x),
          999999999999999.99::numeric, 'a 10^15 pool with caps and repeating-decimal weights sums exactly');
SELECT is(wwva.allocate(10, '{1,1,1}', NULL, NULL, 4), '{3.3334,3.3333,3.3333}'::numeric[],
          'any scale the caller asks: 4 digits');
SELECT is(wwva.allocate(0.05, '{1,1}', NULL, NULL), '{0.03,0.02}'::numeric[],
          'the smallest pools split by whole minor units');

-- ------------------------------------------------ the shipped smart-kitchen EMC
SELECT is((SELECT count(*) FROM wwva.emc_shares WHERE emc_id = 'smart_kitchen' AND kind = 'member'),
          12::bigint, 'four members in each of three contract periods');
SELECT is((SELECT count(*) FROM (
             SELECT s.period_id
               FROM wwva.emc_shares s JOIN wwva.emc_pools p USING (emc_id, period_id)
              WHERE s.emc_id = 'smart_kitchen'
              GROUP BY s.period_id, p.pool
             HAVING sum(s.share) <> p.pool) AS off),
          0::bigint, 'shares + retained = pool, exactly, every period');
SELECT is((SELECT value_added FROM wwva.emc_pools WHERE emc_id = 'smart_kitchen' AND period_id = '2017'),
          (SELECT sum(total_profit) FROM wwva.value_added_sharing
            WHERE me_id IN ('xinchu', 'compressor_node') AND period_id = '2017'),
          'value added defaults to the member MEs'' total profit from the statement');
SELECT is((SELECT pool FROM wwva.emc_pools WHERE emc_id = 'smart_kitchen' AND period_id = '2016'),
          2501000::numeric, '2016: 0.20 x 10,000,000 + 0.50 x 1,002,000 = 2,501,000');
SELECT is((SELECT array_agg(share ORDER BY member_id) FROM wwva.emc_shares
            WHERE emc_id = 'smart_kitchen' AND period_id = '2015' AND kind = 'member'),
          '{0.00,0.00,0.00,0.00}'::numeric[], '2015 misses the gate: every share is 0');
SELECT is((SELECT pool FROM wwva.emc_pools WHERE emc_id = 'smart_kitchen' AND period_id = '2017'),
          150000000::numeric, '2017: the tiered 168,502,000 is capped at 150,000,000');
SELECT is((SELECT array_agg(share ORDER BY member_id) FROM wwva.emc_shares
            WHERE emc_id = 'smart_kitchen' AND period_id = '2017' AND kind = 'member'),
          '{35714285.71,20000000.00,5000000.00,89285714.29}'::numeric[],
          '2017: both partners capped; Xinchu and the node share the rest 5:2, the odd fen by largest remainder');
SELECT is((SELECT share FROM wwva.emc_shares
            WHERE emc_id = 'smart_kitchen' AND period_id = '2017' AND kind = 'retained'),
          0.00::numeric, '2017: nothing retained while Xinchu can still take more');

-- A contract may state its value added instead of deriving it.
UPDATE wwva.emc_contract SET value_added = 130000000 WHERE emc_id = 'smart_kitchen' AND period_id = '2016';
SELECT is((SELECT pool FROM wwva.emc_pools WHERE emc_id = 'smart_kitchen' AND period_id = '2016'),
          5000000::numeric, 'a stated value added of 130,000,000 overrides the ledgers (pool capped at 5,000,000)');

-- Everyone capped: the rest is retained, never lost.
UPDATE wwva.emc_member SET upper_limit = 1000000 WHERE emc_id = 'smart_kitchen';
SELECT is((SELECT share FROM wwva.emc_shares
            WHERE emc_id = 'smart_kitchen' AND period_id = '2016' AND kind = 'retained'),
          1000000.0000::numeric, 'all four capped at 1,000,000 of a 5,000,000 pool: 1,000,000 retained');
SELECT is((SELECT sum(share) FROM wwva.emc_shares WHERE emc_id = 'smart_kitchen' AND period_id = '2016'),
          5000000::numeric, '... and shares + retained still equal the pool');

SELECT * FROM finish();
ROLLBACK;
