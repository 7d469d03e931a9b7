-- Randomized properties of the EMC split over 1,500 generated contracts.
--
-- Hand-picked examples (040) cannot reach the corners where a split goes
-- wrong: a pool below one minor unit, 10^15, thirty members with equal
-- weights, caps that bind and free money others must absorb, lower limits
-- whose extra digits round up, weights of 0.  So contracts are generated
-- (setseed: the same contracts on every run) with pools of 0, tiny, up to
-- 10^15 and with digits beyond the scale, 1-30 members, weights distinct,
-- equal, small integers or 0, lower limits given to more digits than the
-- scale (sum(lower rounded up) <= pool floored, except for pools of 0,
-- which pay nothing whatever the lower limits), upper limits absent, loose,
-- below the fair share or all tight, and scales 0-4.  For every contract:
--
--   * shares add up to min(pool floored to scale, what the members can
--     take), never more than the pool; a member with weight 0 takes only
--     its lower limit, so what can be taken is the uppers (rounded down) of
--     the weighted members plus the lowers of the weight-0 ones, unbounded
--     if a weighted member has no upper limit;
--   * no share leaves [lower rounded up, upper rounded down]; a pool of 0
--     pays 0 to everyone;
--   * every share has exactly `scale` digits;
--   * water-filling: a member below its cap never has a smaller share per
--     weight than a member above its floor, up to one unit of rounding;
--   * wwva.split gives the same shares whatever order rows arrive in
--     (three orders, and a parallel plan through combine/serialize), and
--     the same as wwva.allocate with members sorted by id (byte order);
--     wwva.allocate in another order moves at most one unit per member;
--   * where no limit binds, each share is within one unit of the exact
--     proportional share of the floored pool, and equals an independent
--     largest-remainder computation (ties to the earlier position for
--     allocate, to the smaller member id for split).
--
-- Note the proportional share is of the pool floored to whole units: the
-- part below one unit is retained, and measured against the unfloored pool
-- a share can be off by more than a unit (10.99 by 0.645/0.255/0.1 at
-- scale 0 gives 6/3/1, while 10.99 x 0.645 = 7.09).
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(21);
SELECT setseed(0.0503);

-- ------------------------------------------------------------- contracts
CREATE TEMP TABLE gen_contract AS
SELECT c AS contract_id,
       1 + floor(random() * 30)::integer AS n,
       floor(random() * 5)::integer AS scale,
       floor(random() * 4)::integer AS weight_kind,  -- distinct, equal, 0-3, with zeros
       floor(random() * 3)::integer AS lower_kind,   -- none, a few, many
       floor(random() * 4)::integer AS upper_kind,   -- none, loose, below fair share, tight
       CASE c % 8
           WHEN 0 THEN 0::numeric
           WHEN 1 THEN round((random() * 0.02)::numeric, 6)          -- often below one unit
           WHEN 2 THEN round((random() * 1000)::numeric, 2)
           WHEN 3 THEN round((random() * 1e6)::numeric, 7)           -- digits beyond the scale
           WHEN 4 THEN round((random() * 1e9)::numeric, 3)
           WHEN 5 THEN round((random() * 1e15)::numeric, 4)
           WHEN 6 THEN 1e15
           ELSE 1 + floor(random() * 50)::numeric                    -- few units, many ties
       END AS pool
  FROM generate_series(1, 1500) AS c;
ALTER TABLE gen_contract
    ADD COLUMN u numeric,       -- 10^scale: units per currency unit
    ADD COLUMN unit numeric,    -- 10^-scale
    ADD COLUMN p numeric;       -- the pool in whole units, floored
UPDATE gen_contract
   SET u = ('1e' || scale)::numeric, unit = ('1e-' || scale)::numeric,
       p = floor(pool * ('1e' || scale)::numeric);

-- --------------------------------------------------------------- members
-- Ids are a random letter of either case plus the position, so that id
-- order (byte order: 'B' < 'a') is neither position order nor a
-- case-insensitive collation's order.
CREATE TEMP TABLE gen_member AS
SELECT k.contract_id,
       m AS position,
       chr(CASE WHEN random() < 0.5 THEN 65 ELSE 97 END + floor(random() * 26)::integer) || m AS member_id,
       CASE k.weight_kind
           WHEN 0 THEN round((random() * 100)::numeric, 3)
           WHEN 1 THEN 7::numeric
           WHEN 2 THEN floor(random() * 4)::numeric
           ELSE CASE WHEN random() < 0.3 THEN 0 ELSE round((random() * 10)::numeric, 1) END
       END AS weight,
       random() < CASE k.lower_kind WHEN 0 THEN 0 WHEN 1 THEN 0.3 ELSE 0.7 END AS has_lower,
       random() AS lower_share,
       random() AS shuffle1,
       random() AS shuffle2
  FROM gen_contract k
 CROSS JOIN LATERAL generate_series(1, k.n) AS m;

-- Lower limits in whole units L (a random part of a budget <= p), given
-- as (L - d) / u with 0 <= d < 1 so that rounding up to the scale gives L
-- back; a pool of 0 gets lower limits anyway (they must not be paid).
ALTER TABLE gen_member ADD COLUMN lower_units numeric, ADD COLUMN lower_limit numeric,
                       ADD COLUMN upper_units numeric, ADD COLUMN upper_limit numeric;
UPDATE gen_member m
   SET lower_units = CASE WHEN m.has_lower
                          THEN floor(b.budget * m.lower_share::numeric / b.total) ELSE 0 END
  FROM (SELECT g.contract_id,
               CASE WHEN k.p = 0 THEN floor(random() * 1000)::numeric
                    ELSE floor(k.p * (CASE k.lower_kind WHEN 1 THEN 0.9 ELSE 1 END
                                      * random())::numeric) END AS budget,
               nullif(sum(g.lower_share) FILTER (WHERE g.has_lower), 0)::numeric AS total
          FROM gen_member g JOIN gen_contract k USING (contract_id)
         GROUP BY g.contract_id, k.p, k.lower_kind) AS b
 WHERE b.contract_id = m.contract_id;
-- Upper limits in whole units U >= L, around, below or far below the fair
-- share p / n, given as (U + e) / u with 0 <= e < 1 so that rounding down
-- gives U back.
UPDATE gen_member m
   SET upper_units = CASE k.upper_kind
           WHEN 0 THEN NULL
           WHEN 1 THEN CASE WHEN random() < 0.5 THEN NULL
                            ELSE m.lower_units + floor(random()::numeric * 2 * k.p / k.n) END
           WHEN 2 THEN m.lower_units + floor(random()::numeric * k.p / k.n)
           ELSE CASE WHEN random() < 0.2 THEN NULL
                     ELSE m.lower_units + floor(random()::numeric * k.p / (2 * k.n)) END
       END
  FROM gen_contract k WHERE k.contract_id = m.contract_id;
UPDATE gen_member m
   SET lower_limit = CASE WHEN m.lower_units = 0
                          THEN CASE WHEN random() < 0.5 THEN NULL ELSE 0 END  -- NULL lower means 0
                          WHEN random() < 0.5 THEN m.lower_units * k.unit
                          ELSE (m.lower_units - round(random()::numeric, 3)) * k.unit END,
       upper_limit = CASE WHEN random() < 0.5 THEN m.upper_units * k.unit
                          ELSE (m.upper_units + round(random()::numeric, 3)) * k.unit END
  FROM gen_contract k WHERE k.contract_id = m.contract_id;

-- ------------------------------------------------------------ the splits
-- wwva.allocate in position order; whole-array NULL for "no limits" on
-- every other contract that has none.
CREATE TEMP TABLE by_position AS
SELECT a.contract_id, r.position, r.share
  FROM (SELECT m.contract_id,
               wwva.allocate(k.pool, array_agg(m.weight ORDER BY m.position),
                             CASE WHEN k.contract_id % 2 = 0 AND bool_and(m.lower_limit IS NULL)
                                  THEN NULL ELSE array_agg(m.lower_limit ORDER BY m.position) END,
                             CASE WHEN k.contract_id % 2 = 0 AND bool_and(m.upper_limit IS NULL)
                                  THEN NULL ELSE array_agg(m.upper_limit ORDER BY m.position) END,
                             k.scale) AS shares
          FROM gen_member m JOIN gen_contract k USING (contract_id)
         GROUP BY m.contract_id, k.contract_id, k.pool, k.scale) AS a
 CROSS JOIN LATERAL unnest(a.shares) WITH ORDINALITY AS r(share, position);

-- wwva.allocate with members sorted by id (byte order)
CREATE TEMP TABLE by_id AS
SELECT a.contract_id, a.ids[r.i] AS member_id, r.share
  FROM (SELECT m.contract_id,
               array_agg(m.member_id ORDER BY m.member_id COLLATE "C") AS ids,
               wwva.allocate(k.pool, array_agg(m.weight ORDER BY m.member_id COLLATE "C"),
                             array_agg(m.lower_limit ORDER BY m.member_id COLLATE "C"),
                             array_agg(m.upper_limit ORDER BY m.member_id COLLATE "C"),
                             k.scale) AS shares
          FROM gen_member m JOIN gen_contract k USING (contract_id)
         GROUP BY m.contract_id, k.pool, k.scale) AS a
 CROSS JOIN LATERAL unnest(a.shares) WITH ORDINALITY AS r(share, i);

-- wwva.split fed in three orders
CREATE TEMP TABLE split_orders AS
SELECT m.contract_id,
       wwva.split(m.member_id, m.weight, m.lower_limit, m.upper_limit, k.pool, k.scale
                  ORDER BY m.shuffle1)::text AS order1,
       wwva.split(m.member_id, m.weight, m.lower_limit, m.upper_limit, k.pool, k.scale
                  ORDER BY m.shuffle2)::text AS order2,
       wwva.split(m.member_id, m.weight, m.lower_limit, m.upper_limit, k.pool, k.scale
                  ORDER BY m.member_id COLLATE "C" DESC)::text AS order3
  FROM gen_member m JOIN gen_contract k USING (contract_id)
 GROUP BY m.contract_id;

-- wwva.split in a parallel plan: partial aggregates in the workers, their
-- states serialized, combined in the leader.  Workers cannot read temp
-- tables, so the members go to a regular table in a schema of its own
-- (gone at ROLLBACK).
CREATE SCHEMA t050_parallel;
CREATE TABLE t050_parallel.member AS
SELECT m.contract_id, m.member_id, m.weight, m.lower_limit, m.upper_limit, k.pool, k.scale
  FROM gen_member m JOIN gen_contract k USING (contract_id)
 ORDER BY m.shuffle1;
ANALYZE t050_parallel.member;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL enable_hashagg = off;
CREATE FUNCTION pg_temp.plan_text(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text; plan text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF, VERBOSE) ' || query LOOP
        plan := plan || line || E'\n';
    END LOOP;
    RETURN plan;
END $$;
\set parallel_split 'SELECT contract_id, wwva.split(member_id, weight, lower_limit, upper_limit, pool, scale)::text AS shares FROM t050_parallel.member GROUP BY contract_id'
CREATE TEMP TABLE split_parallel AS :parallel_split;
SELECT matches(pg_temp.plan_text(:'parallel_split'),
               'Partial (Group|Hash)?Aggregate[^\n]*\n(.*\n)*?.*wwva\.split\(',
               'the parallel check really runs wwva.split as a partial aggregate in workers');
SET LOCAL enable_hashagg TO DEFAULT;
SET LOCAL max_parallel_workers_per_gather TO DEFAULT;
SET LOCAL min_parallel_table_scan_size TO DEFAULT;
SET LOCAL parallel_tuple_cost TO DEFAULT;
SET LOCAL parallel_setup_cost TO DEFAULT;

-- Everything per member: shares and limits in whole units.
CREATE TEMP TABLE result AS
SELECT m.contract_id, m.position, m.member_id, m.weight, m.lower_limit, m.upper_limit,
       k.pool, k.scale, k.unit, k.p,
       ceil(coalesce(m.lower_limit, 0) * k.u) AS lo,   -- lower rounded up, in units
       floor(m.upper_limit * k.u) AS up,                -- upper rounded down, in units
       bp.share,
       bp.share * k.u AS units,
       bi.share AS share_by_id,
       sum(m.weight) OVER w AS total_weight,
       bool_and(m.lower_units = 0 AND m.upper_limit IS NULL) OVER w AS unbounded
  FROM gen_member m
  JOIN gen_contract k USING (contract_id)
  JOIN by_position bp USING (contract_id, position)
  JOIN by_id bi USING (contract_id, member_id)
WINDOW w AS (PARTITION BY m.contract_id);

-- The independent reference where no limit binds: largest remainder over
-- exact integer quotients and remainders of p x w / W.
CREATE TEMP TABLE hamilton AS
SELECT r.*,
       q + (row_number() OVER (PARTITION BY contract_id ORDER BY rem DESC, position) <= leftover)::integer
           AS expected_by_position,
       q + (row_number() OVER (PARTITION BY contract_id ORDER BY rem DESC, member_id COLLATE "C") <= leftover)::integer
           AS expected_by_id
  FROM (SELECT x.*, x.p - sum(x.q) OVER (PARTITION BY x.contract_id) AS leftover
          FROM (SELECT r.contract_id, r.position, r.member_id, r.p, r.units, r.share_by_id, r.unit,
                       div(r.p * r.weight, r.total_weight) AS q,
                       r.p * r.weight - div(r.p * r.weight, r.total_weight) * r.total_weight AS rem
                  FROM result r
                 WHERE r.unbounded AND r.p > 0 AND r.total_weight > 0) AS x) AS r;

CREATE TEMP TABLE per_contract AS
SELECT contract_id, min(pool) AS pool, min(p) AS p, min(unit) AS unit,
       sum(share) AS total, sum(units) AS total_units,
       CASE WHEN bool_or(weight > 0 AND up IS NULL) THEN NULL
            ELSE sum(CASE WHEN weight > 0 THEN up ELSE lo END) END AS capacity,
       bool_and(unbounded) AS unbounded
  FROM result GROUP BY contract_id;

-- ------------------------------------------------------------ the checks
SELECT is((SELECT count(*) FROM per_contract), 1500::bigint, '1,500 generated contracts were split');
SELECT cmp_ok((SELECT count(*) FROM result), '>', 20000::bigint, 'more than 20,000 member shares');

-- 1. the sum
SELECT is((SELECT count(*) FROM per_contract WHERE total > pool OR total IS NULL), 0::bigint,
          'shares never add up to more than the pool');
SELECT is((SELECT count(*) FROM per_contract
            WHERE p > 0 AND total_units <> least(p, coalesce(capacity, p))), 0::bigint,
          'shares add up to the pool floored to scale digits, or to all the members can take if that is less');
SELECT is((SELECT count(*) FROM per_contract
            WHERE p > 0 AND capacity IS NULL AND total_units <> p), 0::bigint,
          'with an uncapped weighted member the shares add up to the floored pool exactly');

-- 2. the limits
SELECT is((SELECT count(*) FROM result WHERE p > 0 AND units < lo), 0::bigint,
          'no share falls below its lower limit rounded up to scale digits');
SELECT is((SELECT count(*) FROM result WHERE up IS NOT NULL AND units > up), 0::bigint,
          'no share exceeds its upper limit rounded down to scale digits');
SELECT is((SELECT count(*) FROM result WHERE p = 0 AND share <> 0), 0::bigint,
          'a pool of 0 (or below one unit) pays 0 to every member, lower limits or not');

-- 3. the digits
SELECT is((SELECT count(*) FROM result
            WHERE scale(share) <> scale OR share <> round(share, scale) OR units <> trunc(units)), 0::bigint,
          'every share has exactly scale digits');

-- 4. water-filling, up to rounding: for weighted members i below its cap
--    and j above its floor, (units_i + 1) / w_i > (units_j - 1) / w_j;
--    weight 0 takes only its lower limit
SELECT is((SELECT count(DISTINCT i.contract_id)
             FROM result i JOIN result j ON j.contract_id = i.contract_id AND j.position <> i.position
            WHERE i.p > 0 AND i.weight > 0 AND j.weight > 0
              AND (i.up IS NULL OR i.units < i.up) AND j.units > j.lo
              AND (i.units + 1) * j.weight <= (j.units - 1) * i.weight), 0::bigint,
          'no member below its cap gets less per weight than a member above its floor');
SELECT is((SELECT count(*) FROM result WHERE p > 0 AND weight = 0 AND units <> lo), 0::bigint,
          'a member with weight 0 gets exactly its lower limit');

-- 5. the aggregate form
SELECT is((SELECT count(*) FROM split_orders WHERE order1 <> order2 OR order1 <> order3), 0::bigint,
          'wwva.split gives identical arrays for three row orders');
SELECT is((SELECT count(*) FROM split_orders o JOIN split_parallel p USING (contract_id)
            WHERE o.order1 <> p.shares), 0::bigint,
          'wwva.split gives identical arrays in a parallel plan (combine, serialize, deserialize)');
SELECT is((SELECT count(*)
             FROM (SELECT o.contract_id, o.order1,
                          (SELECT array_agg(ROW(b.member_id, b.share)::wwva.member_share
                                            ORDER BY b.member_id COLLATE "C")
                             FROM by_id b WHERE b.contract_id = o.contract_id)::text AS allocated
                     FROM split_orders o) AS x
            WHERE x.order1 IS DISTINCT FROM x.allocated), 0::bigint,
          'wwva.split equals wwva.allocate over the members sorted by id (byte order)');
SELECT is((SELECT count(*) FROM result WHERE abs(share - share_by_id) > unit), 0::bigint,
          'wwva.allocate in another member order moves at most one unit per member');

-- 6. proportionality and largest remainder where no limit binds
SELECT is((SELECT count(*) FROM result
            WHERE unbounded AND p > 0 AND total_weight > 0
              AND abs(units * total_weight - p * weight) >= total_weight), 0::bigint,
          'without limits each share is within one unit of floored pool x weight / total weight');
SELECT is((SELECT count(*) FROM hamilton WHERE units <> expected_by_position), 0::bigint,
          'without limits wwva.allocate is largest remainder, ties to the earlier position');
SELECT is((SELECT count(*) FROM hamilton WHERE share_by_id <> expected_by_id * unit), 0::bigint,
          'without limits wwva.split order (by id) is largest remainder, ties to the smaller id');

-- ------------------------------------------- what the generator reaches
CREATE TEMP TABLE reach AS
SELECT (SELECT count(DISTINCT contract_id) FROM result
         WHERE p > 0 AND up IS NOT NULL AND units = up AND p * weight > up * total_weight) AS binding_caps,
       (SELECT count(DISTINCT contract_id) FROM result
         WHERE p > 0 AND lo > 0 AND units = lo AND p * weight < lo * total_weight) AS binding_floors,
       (SELECT count(DISTINCT h.contract_id) FROM hamilton h JOIN hamilton g
            ON g.contract_id = h.contract_id AND g.rem = h.rem AND g.position < h.position
         WHERE g.rem > 0 AND g.expected_by_position - g.q <> h.expected_by_position - h.q) AS ties_unbounded,
       (SELECT count(DISTINCT contract_id) FROM result WHERE share <> share_by_id) AS ties_by_order,
       (SELECT count(*) FROM per_contract WHERE p > 0 AND total_units < p) AS retained,
       (SELECT count(*) FROM per_contract c
         WHERE c.p > 0 AND c.total_units < c.p
           AND (SELECT bool_or(r.up IS NULL) OR sum(r.up) >= c.p
                  FROM result r WHERE r.contract_id = c.contract_id)) AS retained_by_weight_zero,
       (SELECT count(*) FROM per_contract WHERE p = 0) AS pool_zero,
       (SELECT count(DISTINCT contract_id) FROM result WHERE p = 0 AND lo > 0) AS pool_zero_with_lowers,
       (SELECT count(*) FROM per_contract WHERE pool >= 1e14) AS huge,
       (SELECT count(*) FROM per_contract WHERE unbounded AND p > 0) AS unbounded;
SELECT diag(format('%s contracts: %s with a binding cap, %s with a binding floor, %s retaining part of the pool '
                   '(%s of them although a weight-0 member had room), %s with a pool of 0 or below one unit '
                   '(%s of them with lower limits), %s pools >= 10^14',
                   (SELECT count(*) FROM per_contract), binding_caps, binding_floors, retained,
                   retained_by_weight_zero, pool_zero, pool_zero_with_lowers, huge)) FROM reach;
SELECT diag(format('ties: %s unbounded contracts where equal remainders compete for the last unit, '
                   '%s contracts where position order and id order give different shares; %s unbounded contracts',
                   ties_unbounded, ties_by_order, unbounded)) FROM reach;
SELECT ok(binding_caps > 0 AND binding_floors > 0 AND retained > 0,
          'the generator produces binding caps, binding floors and retained pools') FROM reach;
SELECT ok(ties_unbounded > 0 AND ties_by_order > 0 AND pool_zero_with_lowers > 0 AND huge > 0,
          'the generator produces decisive ties, pools of 0 with lower limits and pools near 10^15') FROM reach;

SELECT * FROM finish();
ROLLBACK;
