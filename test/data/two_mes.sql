-- A small group for the tests that need their own data (included with \ir
-- inside their transaction, which is rolled back): two MEs in different
-- time zones and with different N, two monthly periods, 1,000 events and
-- 400 postings spilling over both ends of the periods, sharing rules, a
-- target, and an EMC of both MEs and a partner with limits and a floor.
TRUNCATE wwva.user_event, wwva.me CASCADE;
TRUNCATE wwva.period CASCADE;

INSERT INTO wwva.me (me_id, timezone, active_min_transactions)
VALUES ('a', 'Asia/Shanghai', 1), ('b', 'America/Chicago', 2);
INSERT INTO wwva.period VALUES ('2024-01', '2024-01-01', '2024-02-01'),
                               ('2024-02', '2024-02-01', '2024-03-01');
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT (ARRAY['a', 'b'])[1 + i % 2], i % 37,
       TIMESTAMPTZ '2023-12-30 00:00+00' + i * interval '97 minutes',
       (ARRAY['interaction', 'transaction', 'transaction', 'co_creation', 'customization'])[1 + i % 5]
  FROM generate_series(1, 1000) AS i;
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount)
SELECT (ARRAY['a', 'b'])[1 + i % 2], DATE '2023-12-30' + i % 70,
       (ARRAY['hardware', 'ecosystem'])[1 + i / 2 % 2], (ARRAY['revenue', 'cost'])[1 + i / 4 % 2],
       CASE WHEN i / 4 % 2 = 1 THEN (ARRAY['variable', 'fixed'])[1 + i / 8 % 2] END,
       (i * 37 % 1000) + 0.25
  FROM generate_series(1, 400) AS i;
INSERT INTO wwva.sharing_rule VALUES ('a', 'team', 'total_profit', 0.1, NULL, NULL),
                                     ('b', 'users', 'excess_over_target', 0.5, 10, NULL);
INSERT INTO wwva.target VALUES ('b', '2024-01', 'total_profit', 1000);
INSERT INTO wwva.emc (emc_id, leader_me_id) VALUES ('ab', 'a');
INSERT INTO wwva.emc_member (emc_id, member_id, kind, weight, lower_limit, upper_limit) VALUES
    ('ab', 'a', 'me', 2, 0, NULL), ('ab', 'b', 'me', 1, 5, 100), ('ab', 'partner', 'partner', 1, 0, NULL);
INSERT INTO wwva.emc_contract (emc_id, period_id, leading_target, pool_floor)
VALUES ('ab', '2024-01', 0, 10), ('ab', '2024-02', 0, 10);
INSERT INTO wwva.emc_tier (emc_id, period_id, threshold, rate) VALUES ('ab', '2024-01', 0, 0.3), ('ab', '2024-02', 0, 0.3);
ANALYZE wwva.me, wwva.period, wwva.ledger, wwva.user_event;
