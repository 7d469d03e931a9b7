-- Randomized properties of the split, over 1,200 generated contracts.
--
-- Pools from 0 to 10^15, 1-30 members, weights with zeros and ties, lower
-- limits that bind, caps that bind (sometimes all of them), scales 0-4.
-- For every contract: the shares add up to the pool exactly unless every
-- member that could take more is capped, no share leaves its limits, every
-- share has exactly `scale` digits, the aggregate form gives the same shares
-- whatever order the rows arrive in and agrees with the array function,
-- and where no limit binds each share is within one minor unit of its exact
-- proportional share.  setseed makes the run reproducible.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SELECT plan(13);
SELECT setseed(0.2017);

CREATE TEMP TABLE contract AS
SELECT c AS contract_id,
       CASE c % 6
           WHEN 0 THEN 0::numeric
           WHEN 1 THEN round((random() * 2)::numeric, 4)
           WHEN 2 THEN round((random() * 1000)::numeric, 2)
           WHEN 3 THEN round((random() * 1e9)::numeric, 2)
           WHEN 4 THEN round((random() * 1e15)::numeric, 2)
           ELSE 100.00
       END AS pool,
       (floor(random() * 5))::integer AS scale,
       1 + floor(random() * 30)::integer AS members
  FROM generate_series(1, 1200) AS c;

CREATE TEMP TABLE member AS
SELECT k.contract_id,
       m AS position,
       'm' || lpad(m::text, 3, '0') AS member_id,
       w.weight,
       k.pool,
       k.scale
  FROM contract k
 CROSS JOIN LATERAL generate_series(1, k.members) AS m
 CROSS JOIN LATERAL (
        SELECT CASE floor(random() * 5)
                   WHEN 0 THEN 0::numeric
                   WHEN 1 THEN 1::numeric
                   WHEN 2 THEN 2::numeric
                   ELSE round((random() * 10)::numeric, 3)
               END AS weight) AS w;
-- at least one member with a positive weight in every contract
UPDATE member SET weight = 1 WHERE position = 1 AND weight = 0;

-- lower limits: whole units, together at most half the pool; upper limits:
-- none for half the members, else up to twice the fair share (caps bind)
ALTER TABLE member ADD COLUMN lower_limit numeric, ADD COLUMN upper_limit numeric;
UPDATE member m
   SET lower_limit = CASE WHEN random() < 0.3 AND m.pool >= 2 * 10::numeric ^ (-m.scale)
                          THEN floor((random() * m.pool / (2 * k.members))::numeric * 10::numeric ^ m.scale)
                               / 10::numeric ^ m.scale
                          ELSE 0 END
  FROM contract k WHERE k.contract_id = m.contract_id;
UPDATE member m
   SET upper_limit = CASE WHEN k.contract_id % 10 = 7      -- every member capped low
                          THEN m.lower_limit + round((random() * m.pool / (4 * k.members))::numeric, 6)
                          WHEN random() < 0.5 THEN NULL
                          ELSE m.lower_limit + round((random() * 2 * m.pool / k.members)::numeric, 6) END
  FROM contract k WHERE k.contract_id = m.contract_id;

-- the array function, members in position order
CREATE TEMP TABLE allocated AS
SELECT m.*, r.share
  FROM (SELECT contract_id,
               wwva.allocate(min(pool), array_agg(weight ORDER BY position),
                             array_agg(lower_limit ORDER BY position),
                             array_agg(upper_limit ORDER BY position), min(scale)) AS shares
          FROM member GROUP BY contract_id) a
 CROSS JOIN LATERAL unnest(a.shares) WITH ORDINALITY AS r(share, position)
  JOIN member m ON m.contract_id = a.contract_id AND m.position = r.position;

CREATE TEMP TABLE unit AS
SELECT contract_id, 10::numeric ^ (-scale) AS unit,
       floor(pool * 10::numeric ^ scale) / 10::numeric ^ scale AS distributable
  FROM contract;

SELECT is((SELECT count(DISTINCT contract_id) FROM allocated), 1200::bigint, '1,200 contracts split');
SELECT cmp_ok((SELECT count(*) FROM member), '>', 15000::bigint, 'more than 15,000 member shares');

-- 1. shares never exceed the pool, and add up to it unless every member
--    with a positive weight is at its cap
SELECT is((SELECT count(*) FROM (
             SELECT a.contract_id FROM allocated a GROUP BY a.contract_id, a.pool
             HAVING sum(a.share) > a.pool) AS bad),
          0::bigint, 'shares never add up to more than the pool');
SELECT is((SELECT count(*) FROM (
             SELECT a.contract_id
               FROM allocated a JOIN unit u USING (contract_id)
              GROUP BY a.contract_id, u.distributable, u.unit
             HAVING sum(a.share) <> u.distributable
                AND NOT bool_and(a.weight = 0 OR
                                 (a.upper_limit IS NOT NULL
                                  AND a.share = floor(a.upper_limit / u.unit) * u.unit))) AS bad),
          0::bigint, 'shares add up to the pool (in whole minor units) unless every entitled member is capped');

-- 2. limits hold (a pool of 0 pays nothing, lower limits included)
SELECT is((SELECT count(*) FROM allocated a JOIN unit u USING (contract_id)
            WHERE u.distributable > 0 AND a.share < ceil(a.lower_limit / u.unit) * u.unit),
          0::bigint, 'no share falls below its lower limit');
SELECT is((SELECT count(*) FROM allocated a JOIN unit u USING (contract_id)
            WHERE a.upper_limit IS NOT NULL AND a.share > floor(a.upper_limit / u.unit) * u.unit),
          0::bigint, 'no share exceeds its upper limit');

-- 3. exactly `scale` digits
SELECT is((SELECT count(*) FROM allocated WHERE share <> round(share, scale) OR scale(share) <> scale),
          0::bigint, 'every share has exactly scale digits');

-- 4. the aggregate: same shares whatever the row order, and the same as the
--    array function with members in id order
CREATE TEMP TABLE split_forward AS
SELECT contract_id, wwva.split(member_id, weight, lower_limit, upper_limit, pool, scale) AS shares
  FROM (SELECT * FROM member ORDER BY contract_id, position) AS m GROUP BY contract_id;
CREATE TEMP TABLE split_shuffled AS
SELECT contract_id, wwva.split(member_id, weight, lower_limit, upper_limit, pool, scale) AS shares
  FROM (SELECT * FROM member ORDER BY random()) AS m GROUP BY contract_id;
SELECT is((SELECT count(*) FROM split_forward f JOIN split_shuffled s USING (contract_id)
            WHERE f.shares::text <> s.shares::text),
          0::bigint, 'the split aggregate ignores row order');
SELECT is((SELECT count(*) FROM split_forward f
            CROSS JOIN LATERAL unnest(f.shares) AS s
             JOIN allocated a ON a.contract_id = f.contract_id AND a.member_id = s.member_id
            WHERE a.share <> s.share),
          0::bigint, 'the aggregate agrees with wwva.allocate over members in id order');

-- 5. without binding limits, each share is its proportional share rounded
--    down or up: within one minor unit
SELECT is((SELECT count(*) FROM (
             SELECT a.contract_id, a.share, u.unit,
                    u.distributable * a.weight / sum(a.weight) OVER (PARTITION BY a.contract_id) AS exact
               FROM allocated a JOIN unit u USING (contract_id)
              WHERE a.contract_id IN (SELECT contract_id FROM member GROUP BY contract_id
                                       HAVING bool_and(lower_limit = 0 AND upper_limit IS NULL))) AS p
            WHERE abs(p.share - p.exact) >= p.unit),
          0::bigint, 'without limits every share is within one minor unit of pool x weight / total weight');

-- The generator reaches the cases that matter.
SELECT diag(format('%s contracts with a binding cap, %s with a binding floor, %s with equal weights, %s all capped',
               (SELECT count(DISTINCT contract_id) FROM allocated a JOIN unit u USING (contract_id)
                 WHERE a.upper_limit IS NOT NULL AND u.distributable > 0
                   AND a.share = floor(a.upper_limit / u.unit) * u.unit),
               (SELECT count(DISTINCT contract_id) FROM allocated a JOIN unit u USING (contract_id)
                 WHERE a.lower_limit > 0 AND a.share = a.lower_limit AND u.distributable > 0),
               (SELECT count(*) FROM (SELECT contract_id FROM member WHERE weight > 0
                                       GROUP BY contract_id HAVING count(*) > count(DISTINCT weight)) AS t),
               (SELECT count(*) FROM (SELECT a.contract_id FROM allocated a JOIN unit u USING (contract_id)
                                       GROUP BY a.contract_id, u.distributable
                                      HAVING sum(a.share) < u.distributable) AS t)));
SELECT cmp_ok((SELECT count(DISTINCT contract_id) FROM allocated a JOIN unit u USING (contract_id)
                WHERE a.upper_limit IS NOT NULL AND u.distributable > 0
                  AND a.share = floor(a.upper_limit / u.unit) * u.unit), '>=', 100::bigint,
              'at least 100 contracts have a binding cap');
SELECT cmp_ok((SELECT count(DISTINCT contract_id) FROM allocated a JOIN unit u USING (contract_id)
                WHERE a.lower_limit > 0 AND a.share = a.lower_limit AND u.distributable > 0), '>=', 20::bigint,
              'at least 20 contracts have a binding floor');
SELECT cmp_ok((SELECT count(*) FROM (SELECT a.contract_id FROM allocated a JOIN unit u USING (contract_id)
                                      GROUP BY a.contract_id, u.distributable
                                     HAVING sum(a.share) < u.distributable) AS t), '>=', 50::bigint,
              'at least 50 contracts retain what capped members cannot take');

SELECT * FROM finish();
ROLLBACK;
