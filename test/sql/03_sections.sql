-- The five sections on a small hand-made ledger, checked line by line.
DROP EXTENSION wwva CASCADE;
CREATE EXTENSION wwva;   -- each test starts from empty ledgers
SET datestyle = ISO;
SET timezone = 'UTC';

INSERT INTO wwva.me (me_id, name, active_min_transactions, lifetime_periods) VALUES
    ('fridge', 'two transactions make an active user', 2, 2),
    ('washer', 'lifetime over three periods', 1, 3),
    ('empty', 'no users at all', 1, 2);
INSERT INTO wwva.period VALUES
    ('Q1', '2017-01-01', '2017-04-01'),
    ('Q2', '2017-04-01', '2017-07-01'),
    ('Q3', '2017-07-01', '2017-10-01');

-- fridge, N = 2: user 1 has two transactions in Q1, user 2 only one.
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES
    ('fridge', 1, '2017-01-05', 'transaction'),
    ('fridge', 1, '2017-02-05', 'transaction'),
    ('fridge', 2, '2017-02-05', 'transaction'),
    ('fridge', 2, '2017-02-06', 'interaction'),
    ('fridge', 2, '2017-02-07', 'interaction'),
    ('fridge', 3, '2017-02-07', 'interaction'),
    ('fridge', 3, '2017-02-08', 'customization'),
    ('fridge', 3, '2017-02-09', 'customization'),
    ('fridge', 1, '2017-03-01', 'co_creation'),
    -- Q2: user 1 active again -> lifetime (active Q1 and Q2, co-created in Q1)
    ('fridge', 1, '2017-04-05', 'transaction'),
    ('fridge', 1, '2017-04-06', 'transaction'),
    -- user 2 becomes active in Q2 and co-creates, but was not active in Q1
    ('fridge', 2, '2017-04-05', 'transaction'),
    ('fridge', 2, '2017-04-06', 'transaction'),
    ('fridge', 2, '2017-04-07', 'co_creation');

-- washer, K = 3: lifetime needs activity in Q1, Q2 and Q3.
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'washer', u, q, 'transaction'
  FROM generate_series(10, 14) AS u,
       unnest(ARRAY['2017-02-01', '2017-05-01', '2017-08-01']::timestamptz[]) AS q
 WHERE NOT (u = 14 AND q = '2017-05-01');          -- user 14 skips Q2
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES
    ('washer', 10, '2017-02-02', 'co_creation'),  -- co-created in Q1: inside Q3's window
    ('washer', 11, '2017-08-02', 'co_creation'),  -- in Q3 itself
    ('washer', 14, '2017-08-02', 'co_creation');  -- but missed Q2: not lifetime
                                                  -- 12, 13 never co-create

SELECT * FROM wwva.user_resources ORDER BY me_id, period_id;

-- Money: revenues, costs (fixed and variable), reversing entries.
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, category, memo) VALUES
    ('fridge', '2017-01-10', 'hardware', 'revenue', NULL, 1000.00, 'appliance_sales', NULL),
    ('fridge', '2017-01-10', 'hardware', 'cost', 'variable', 300.10, 'materials', NULL),
    ('fridge', '2017-01-31', 'hardware', 'cost', 'fixed', 200.00, 'salaries', NULL),
    ('fridge', '2017-02-10', 'ecosystem', 'revenue', NULL, 150.55, 'fresh_food', NULL),
    ('fridge', '2017-02-10', 'ecosystem', 'cost', 'variable', 50.25, 'partner_fulfilment', NULL),
    ('fridge', '2017-02-11', 'ecosystem', 'revenue', NULL, 20.00, 'advertising', NULL),
    ('fridge', '2017-02-12', 'ecosystem', 'revenue', NULL, -20.00, 'advertising', 'reversal of a double booking'),
    ('fridge', '2017-04-10', 'hardware', 'revenue', NULL, 100.00, 'appliance_sales', NULL),
    ('fridge', '2017-04-10', 'hardware', 'cost', 'fixed', 500.00, 'production', NULL),
    ('empty', '2017-01-10', 'hardware', 'revenue', NULL, 10.00, NULL, NULL),
    ('empty', '2017-01-10', 'hardware', 'cost', 'variable', 4.00, NULL, NULL);

SELECT * FROM wwva.revenues ORDER BY me_id, period_id;
SELECT * FROM wwva.costs ORDER BY me_id, period_id;
-- Per-user lines are NULL, not 0 and not an error, when no user is active.
SELECT * FROM wwva.marginal_income ORDER BY me_id, period_id;

-- Sharing rules: rate on a base, clamped to [floor, cap], 0 when the base
-- is <= 0, NULL for an excess rule without a total_profit target.
INSERT INTO wwva.sharing_rule (me_id, party, base, rate, floor, cap) VALUES
    ('fridge', 'users', 'excess_over_target', 0.5, NULL, NULL),
    ('fridge', 'investors', 'total_profit', 0.2, 100, NULL),    -- floor 100
    ('fridge', 'team', 'ecosystem_profit', 0.5, NULL, 40),      -- cap 40
    ('empty', 'team', 'hardware_profit', 0.25, NULL, NULL);
SELECT * FROM wwva.value_added_sharing ORDER BY me_id, period_id;
-- With a target for total profit the excess rule pays half the excess.
INSERT INTO wwva.target VALUES ('fridge', 'Q1', 'total_profit', 500);
SELECT me_id, period_id, total_profit, users_share, total_sharing
  FROM wwva.value_added_sharing WHERE me_id = 'fridge' ORDER BY period_id;
-- A target above the profit: no excess, nothing to share.
UPDATE wwva.target SET value = 900 WHERE me_id = 'fridge' AND period_id = 'Q1';
SELECT period_id, total_profit, users_share
  FROM wwva.value_added_sharing WHERE me_id = 'fridge' AND period_id = 'Q1';

-- The statement: long format, Table 2 order, targets, variance, achievement.
INSERT INTO wwva.target VALUES
    ('fridge', 'Q1', 'active_users', 2),
    ('fridge', 'Q1', 'hardware_marginal_cost', 0);
SELECT line, item, unit, actual, target, variance, achievement
  FROM wwva.statement WHERE me_id = 'fridge' AND period_id = 'Q1';
SELECT count(*) AS lines, count(DISTINCT (me_id, period_id)) AS statements FROM wwva.statement;
-- Every line of the statement has its column in a section view.
SELECT s.item
  FROM (SELECT DISTINCT item FROM wwva.statement) s
 WHERE NOT EXISTS (
        SELECT FROM information_schema.columns c
         WHERE c.table_schema = 'wwva'
           AND c.table_name IN ('user_resources', 'value_added_sharing', 'revenues',
                                'costs', 'marginal_income')
           AND c.column_name = s.item);

-- N and K are read from wwva.me at query time.
UPDATE wwva.me SET active_min_transactions = 1 WHERE me_id = 'fridge';
UPDATE wwva.me SET lifetime_periods = 2 WHERE me_id = 'washer';
SELECT me_id, period_id, active_users, lifetime_users
  FROM wwva.user_resources WHERE me_id IN ('fridge', 'washer') ORDER BY me_id, period_id;
UPDATE wwva.me SET lifetime_periods = 1 WHERE me_id = 'washer';
SELECT me_id, period_id, active_users, lifetime_users
  FROM wwva.user_resources WHERE me_id = 'washer' ORDER BY period_id;
