-- The reference data of the scale-out test: 16 MEs with different time
-- zones and settings, six monthly periods, targets, sharing rules and
-- three EMCs whose members sit on both shards.  Loaded into the
-- single-node database and the coordinator alike.
\set ON_ERROR_STOP 1
INSERT INTO wwva.me (me_id, name, timezone, active_min_transactions, lifetime_periods)
SELECT 'me' || lpad(i::text, 2, '0'), 'ME ' || i,
       (ARRAY['Asia/Shanghai', 'UTC', 'Europe/Berlin', 'America/Chicago'])[1 + i % 4],
       1 + i % 3, 1 + i % 4
  FROM generate_series(1, 16) AS i;

INSERT INTO wwva.period
SELECT to_char(d, 'YYYY-MM'), d, (d + interval '1 month')::date
  FROM generate_series(DATE '2024-01-01', DATE '2024-06-01', interval '1 month') AS d;

INSERT INTO wwva.target (me_id, period_id, item, value)
SELECT m.me_id, p.period_id, t.item, t.value
  FROM wwva.me m CROSS JOIN wwva.period p
 CROSS JOIN (VALUES ('total_profit', 20000.00), ('active_users', 900)) AS t(item, value)
 WHERE m.me_id < 'me09';

INSERT INTO wwva.sharing_rule (me_id, party, base, rate, floor, cap)
SELECT m.me_id, r.party, r.base, r.rate, r.floor, r.cap
  FROM wwva.me m
 CROSS JOIN (VALUES ('users', 'ecosystem_profit', 0.10, NULL, 5000),
                    ('investors', 'total_profit', 0.25, 100, NULL),
                    ('team', 'excess_over_target', 0.333, NULL, NULL)) AS r(party, base, rate, floor, cap)
 WHERE m.me_id > 'me04';

INSERT INTO wwva.emc (emc_id, name, leader_me_id) VALUES
    ('emc_kitchen', 'Smart kitchen', 'me01'),
    ('emc_laundry', 'Laundry', 'me10'),
    ('emc_air', 'Air', 'me05');
INSERT INTO wwva.emc_member (emc_id, member_id, kind, weight, lower_limit, upper_limit) VALUES
    ('emc_kitchen', 'me01', 'me', 3, 0, NULL),
    ('emc_kitchen', 'me09', 'me', 2, 0, NULL),
    ('emc_kitchen', 'me12', 'me', 1, 0, 3000),
    ('emc_kitchen', 'fresh_food_co', 'partner', 1, 0, NULL),
    ('emc_laundry', 'me10', 'me', 1, 0, NULL),
    ('emc_laundry', 'me02', 'me', 1, 0, NULL),
    ('emc_laundry', 'me03', 'me', 1, 0, NULL),
    ('emc_air', 'me05', 'me', 5, 100, NULL),
    ('emc_air', 'me16', 'me', 2, 0, NULL);
INSERT INTO wwva.emc_contract (emc_id, period_id, leading_target, pool_floor, pool_cap)
SELECT e.emc_id, p.period_id, 10000, CASE WHEN e.emc_id = 'emc_air' THEN 500 ELSE 0 END, 250000
  FROM wwva.emc e CROSS JOIN wwva.period p;
INSERT INTO wwva.emc_tier (emc_id, period_id, threshold, rate)
SELECT c.emc_id, c.period_id, t.threshold, t.rate
  FROM wwva.emc_contract c
 CROSS JOIN (VALUES (10000, 0.05), (50000, 0.12), (200000, 0.2)) AS t(threshold, rate);
