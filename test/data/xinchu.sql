-- ===========================================================================
-- test/data/xinchu.sql: the Xinchu example of Table 2 (seed 000) as
-- ledger-level data.
--
--   psql -v ON_ERROR_STOP=1 -f test/data/xinchu.sql      (after CREATE EXTENSION wwva)
--
-- Every row is one user action or one ledger posting; no figure of Table 2 is
-- stored anywhere.  The statement has to count and sum them.  The script is
-- deterministic: no random(), only arithmetic on generate_series indexes, so
-- two loads give the same rows with the same ids.  Run it once, into empty
-- tables.  test/data/xinchu_check.sql recomputes every Table 2 line from these
-- rows in plain SQL and compares it with the seed's figures.
--
-- ME 'xinchu' (Xinchu smart refrigerator): N = 1 transaction makes a user
-- active, K = 2 periods make a lifetime user, time zone Asia/Shanghai, RMB.
-- Periods are the calendar years 2015 (launch year), 2016 and 2017.
--
-- User populations (user ids; one event per user unless noted)
-- ------------------------------------------------------------
--   2015  interaction    1 .. 50,000
--         transaction    1 .. 20,000                      -> active 2015
--         co_creation    1 .. 66  and  30,001 .. 30,500   (30,001+ not active in 2015)
--         customization  1 .. 20
--   2016  interaction    1 .. 300,000                     -> 1a = 300,000
--         transaction    1 .. 100,000, plus a 2nd for 1 .. 20,000 and a 3rd
--                        for 1 .. 2,000                   -> 1b = 100,000 (users, not events)
--         co_creation    50,001 .. 52,650                 (not active in 2015)
--         customization  1 .. 50, two each                -> 1d = 100 (events, not users)
--         lifetime: active 2016 and 2015 (1 .. 20,000) and a co_creation in
--         2015 or 2016 (1 .. 66, 30,001 .. 30,500, 50,001 .. 52,650)
--                                                         -> 1c = 66 (users 1 .. 66)
--   2017  interaction    1 .. 10,000,000                  -> 1a = 10,000,000 (10M rows)
--         transaction    1 .. 1,000,000, plus a 2nd for every 10th user and a
--                        3rd for every 100th              -> 1b = 1,000,000
--         co_creation    200,001 .. 200,400               (not active in 2016)
--         customization  1 .. 25,000, two each            -> 1d = 50,000
--         lifetime: active 2017 and 2016 (1 .. 100,000) and a co_creation in
--         2016 or 2017 (50,001 .. 52,650, 200,001 .. 200,400)
--                                                         -> 1c = 2,650 (users 50,001 .. 52,650;
--            users 1 .. 66 co-created only in 2015, outside the K = 2 window)
--
-- Events are spread over the year in Shanghai local time: for user u, the
-- day of the year is (151 u + offset) mod days-in-year and the second of the
-- day ((u + offset') mod 86400) * 7919 mod 86400, the offsets depending on
-- the kind and on the pass (a user's 1st, 2nd, 3rd event of the kind).  They
-- are inserted in time order, as an event log fills.  Every event between
-- 00:00 and 08:00 local time lies on the previous UTC date, so the period
-- must come from the date in the ME's time zone.  Deliberate boundary events
-- (already part of the populations above, so the counts hold exactly):
--   2016-01-01 00:30 local (2015-12-31 16:30 UTC) -> 2016: interactions of
--     users 299,991 .. 300,000; co-creations of users 50,001 .. 50,010 (in 2015
--     they would drop out of the 2017 lifetime window: 1c 2017 = 2,640)
--   2016-12-31 23:30 local (2016-12-31 15:30 UTC) -> 2016: transactions of
--     users 99,991 .. 100,000 (in 2017 they would make 1b 2016 = 99,990)
--   2017-01-01 00:30 local (2016-12-31 16:30 UTC) -> 2017: interactions of
--     users 9,999,991 .. 10,000,000 and first transactions of users
--     999,991 .. 1,000,000 (assigned by UTC date they would make 1a 2016 =
--     300,010 and 1b 2016 = 100,010)
--   2017-12-31 23:59:59 local -> 2017: co-creations of users 200,391 .. 200,400
--
-- Ledger (RMB; Table 2 money is in RMB 10,000)
-- --------------------------------------------
-- Yearly totals per category (below, in RMB 10,000) are posted daily
-- (revenue), monthly or quarterly (costs), or per warranty claim (with the
-- user's id).  A posting's amount is its share of the year by a seasonal
-- weight (Spring Festival dip in February, 618 in June, Singles' Day in
-- November), rounded to the fen cumulatively: amount_n = round(total * W_n / W,
-- 2) - round(total * W_(n-1) / W, 2) with W_n the running weight, so the
-- amounts carry fen and the postings sum to the total exactly.
--
--                              2016      2017
--   3a hardware revenue      25,632   256,325   appliance_sales, accessories, installation
--   3b ecosystem revenue      7,940   152,000   fresh_food, o2o_commission, advertising, data_services
--   4a hardware cost         24,095   233,255
--        variable             1,800     7,000   materials, logistics, warranty
--        fixed               22,295   226,255   production, salaries, equity_investment_obligation, risk_provision
--   4b ecosystem cost         3,600     3,960   all variable: partner_fulfilment, platform_operations, payment_processing
-- giving 2a = 1,537 / 23,070, 2b = 4,340 / 148,040, 2c = 5,877 / 171,110 and,
-- per active user (RMB), 4c = 180 / 70, 4d = 360 / 39.6, 5a = 2,383.2 /
-- 2,493.25, 5b = 434 / 1,480.4, 5c = 2,817.2 / 3,973.65.
-- Two corrections exercise reversing entries without changing any total: a
-- 2016 fresh-food settlement imported twice (the duplicate is reversed) and a
-- 2017 O2O commission booked to the wrong partner (reversed and re-posted).
--
-- Sharing (2d-2f): users get 50% of total profit above its target (targets
-- 2,079 / 47,526 give 18,990,000 and 617,920,000 RMB exactly); investors
-- 26.268% and the team 0.5195% of ecosystem profit (11,400,312 / 388,871,472
-- and 225,463 / 7,690,678 RMB; the seed rounds them to 1,140 / 38,887 and
-- 23 / 769).
--
-- A second, small ME 'casarte_laundry' (N = 2, user ids from 20,000,001) has a
-- few hundred events and about a dozen postings a year, so statements show
-- more than one ME and a leak between MEs changes Xinchu's figures.
-- ===========================================================================

\set ON_ERROR_STOP 1

BEGIN;

-- ---------------------------------------------------------------------------
-- Micro-enterprises
-- ---------------------------------------------------------------------------
INSERT INTO wwva.me (me_id, name, kind, active_min_transactions, lifetime_periods, timezone, currency)
VALUES ('xinchu', 'Xinchu smart refrigerator', 'user', 1, 2, 'Asia/Shanghai', 'RMB'),
       ('casarte_laundry', 'Casarte laundry', 'user', 2, 2, 'Asia/Shanghai', 'RMB');

-- ---------------------------------------------------------------------------
-- Periods: calendar years, half-open
-- ---------------------------------------------------------------------------
INSERT INTO wwva.period (period_id, starts_on, ends_on)
VALUES ('2015', DATE '2015-01-01', DATE '2016-01-01'),
       ('2016', DATE '2016-01-01', DATE '2017-01-01'),
       ('2017', DATE '2017-01-01', DATE '2018-01-01');

-- ---------------------------------------------------------------------------
-- Sharing rules
-- ---------------------------------------------------------------------------
INSERT INTO wwva.sharing_rule (me_id, party, base, rate, floor, cap)
VALUES -- Xinchu: Table 2's 2d, 2e, 2f
       ('xinchu', 'users',     'excess_over_target', 0.5,      NULL, NULL),
       ('xinchu', 'investors', 'ecosystem_profit',   0.26268,  NULL, NULL),
       ('xinchu', 'team',      'ecosystem_profit',   0.005195, NULL, NULL),
       -- Casarte: a capped users' share and a team share with a floor
       ('casarte_laundry', 'users',     'total_profit',    0.10, NULL,  60000),
       ('casarte_laundry', 'investors', 'hardware_profit', 0.20, NULL,  NULL),
       ('casarte_laundry', 'team',      'total_profit',    0.05, 10000, NULL);

-- ---------------------------------------------------------------------------
-- Leading targets (item names from wwva.statement_items(); money in RMB,
-- per-user lines in RMB per active user)
-- ---------------------------------------------------------------------------
INSERT INTO wwva.target (me_id, period_id, item, value)
VALUES ('xinchu', '2016', 'interactive_users',      280000),
       ('xinchu', '2016', 'active_users',           90000),
       ('xinchu', '2016', 'lifetime_users',         50),
       ('xinchu', '2016', 'total_profit',           20790000),   -- 2,079 x 10,000
       ('xinchu', '2016', 'hardware_marginal_cost', 200),
       ('xinchu', '2016', 'total_marginal_income',  2500),
       ('xinchu', '2017', 'interactive_users',      9000000),
       ('xinchu', '2017', 'active_users',           1200000),
       ('xinchu', '2017', 'lifetime_users',         3000),
       ('xinchu', '2017', 'total_profit',           475260000),  -- 47,526 x 10,000
       ('xinchu', '2017', 'hardware_marginal_cost', 60),
       ('xinchu', '2017', 'total_marginal_income',  4000),
       ('casarte_laundry', '2016', 'active_users',  35),
       ('casarte_laundry', '2016', 'total_profit',  800000),
       ('casarte_laundry', '2017', 'active_users',  70),
       ('casarte_laundry', '2017', 'total_profit',  1100000);

-- ---------------------------------------------------------------------------
-- User events: one row per user action
--
-- Each row of "population" is one event (of one kind, in one year) for every
-- user id in first_user .. last_user (by step).  pass tells a user's 1st, 2nd
-- and 3rd event of the kind apart, so repeated events fall on other days.  A
-- population with at_local has all its events at that local time instead of
-- spread over the year.  Local times are in the ME's time zone; adding
-- seconds to the local midnight of 1 January is exact because Asia/Shanghai
-- has had no daylight saving time since 1991.
-- ---------------------------------------------------------------------------
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
WITH population (me_id, year, kind, first_user, last_user, step, pass, at_local) AS (
    VALUES
    -- Xinchu 2015, the launch year ---------------------------------------
    ('xinchu', 2015, 'interaction',         1,    50000,   1, 1, NULL),
    ('xinchu', 2015, 'transaction',         1,    20000,   1, 1, NULL),
    ('xinchu', 2015, 'co_creation',         1,       66,   1, 1, NULL), -- lifetime in 2016 only
    ('xinchu', 2015, 'co_creation',     30001,    30500,   1, 1, NULL), -- not active in 2015
    ('xinchu', 2015, 'customization',       1,       20,   1, 1, NULL),
    -- Xinchu 2016 ----------------------------------------------------------
    ('xinchu', 2016, 'interaction',         1,   299990,   1, 1, NULL),
    ('xinchu', 2016, 'interaction',    299991,   300000,   1, 1, '2016-01-01 00:30'),     -- UTC 2015-12-31
    ('xinchu', 2016, 'transaction',         1,    99990,   1, 1, NULL),
    ('xinchu', 2016, 'transaction',     99991,   100000,   1, 1, '2016-12-31 23:30'),
    ('xinchu', 2016, 'transaction',         1,    20000,   1, 2, NULL),                   -- 2nd purchase
    ('xinchu', 2016, 'transaction',         1,     2000,   1, 3, NULL),                   -- 3rd purchase
    ('xinchu', 2016, 'co_creation',     50011,    52650,   1, 1, NULL),                   -- lifetime in 2017
    ('xinchu', 2016, 'co_creation',     50001,    50010,   1, 1, '2016-01-01 00:30'),     -- UTC 2015-12-31
    ('xinchu', 2016, 'customization',       1,       50,   1, 1, NULL),
    ('xinchu', 2016, 'customization',       1,       50,   1, 2, NULL),
    -- Xinchu 2017 ----------------------------------------------------------
    ('xinchu', 2017, 'interaction',         1,  9999990,   1, 1, NULL),
    ('xinchu', 2017, 'interaction',   9999991, 10000000,   1, 1, '2017-01-01 00:30'),     -- UTC 2016-12-31
    ('xinchu', 2017, 'transaction',         1,   999990,   1, 1, NULL),
    ('xinchu', 2017, 'transaction',    999991,  1000000,   1, 1, '2017-01-01 00:30'),     -- UTC 2016-12-31
    ('xinchu', 2017, 'transaction',        10,  1000000,  10, 2, NULL),                   -- 2nd purchase
    ('xinchu', 2017, 'transaction',       100,  1000000, 100, 3, NULL),                   -- 3rd purchase
    ('xinchu', 2017, 'co_creation',    200001,   200390,   1, 1, NULL),                   -- not active in 2016
    ('xinchu', 2017, 'co_creation',    200391,   200400,   1, 1, '2017-12-31 23:59:59'),
    ('xinchu', 2017, 'customization',       1,    25000,   1, 1, NULL),
    ('xinchu', 2017, 'customization',       1,    25000,   1, 2, NULL),
    -- Casarte laundry: N = 2, so only the users with a 2nd purchase are active:
    -- 20 / 40 / 60; lifetime 2016 = 18 (20,000,001 .. 008 and 011 .. 020),
    -- lifetime 2017 = 10 (20,000,011 .. 020)
    ('casarte_laundry', 2015, 'interaction',   20000001, 20000150, 1, 1, NULL),
    ('casarte_laundry', 2015, 'transaction',   20000001, 20000050, 1, 1, NULL),
    ('casarte_laundry', 2015, 'transaction',   20000001, 20000020, 1, 2, NULL),
    ('casarte_laundry', 2015, 'co_creation',   20000001, 20000008, 1, 1, NULL),
    ('casarte_laundry', 2015, 'customization', 20000001, 20000010, 1, 1, NULL),
    ('casarte_laundry', 2016, 'interaction',   20000001, 20000200, 1, 1, NULL),
    ('casarte_laundry', 2016, 'transaction',   20000001, 20000080, 1, 1, NULL),
    ('casarte_laundry', 2016, 'transaction',   20000001, 20000040, 1, 2, NULL),
    ('casarte_laundry', 2016, 'co_creation',   20000011, 20000020, 1, 1, NULL),
    ('casarte_laundry', 2016, 'customization', 20000001, 20000025, 1, 1, NULL),
    ('casarte_laundry', 2017, 'interaction',   20000001, 20000300, 1, 1, NULL),
    ('casarte_laundry', 2017, 'transaction',   20000001, 20000120, 1, 1, NULL),
    ('casarte_laundry', 2017, 'transaction',   20000001, 20000060, 1, 2, NULL),
    ('casarte_laundry', 2017, 'co_creation',   20000041, 20000050, 1, 1, NULL),
    ('casarte_laundry', 2017, 'customization', 20000001, 20000040, 1, 1, NULL)
),
-- Per population, once: the instant of local midnight on 1 January, the
-- number of days in the year, and day / second offsets by pass and kind (a
-- user's interaction and purchase lie 37 days apart, a repeat purchase 101
-- days from the first).  MATERIALIZED keeps this out of the per-event work.
spread AS MATERIALIZED (
    SELECT p.me_id, p.kind, p.first_user, p.last_user, p.step,
           p.at_local::timestamp AT TIME ZONE m.timezone AS at_instant,
           make_date(p.year, 1, 1)::timestamp AT TIME ZONE m.timezone AS year_start,
           make_date(p.year + 1, 1, 1) - make_date(p.year, 1, 1) AS days,
           101 * p.pass + 37 * k.kind_no AS day_offset,
           3571 * p.pass + 1237 * k.kind_no AS second_offset
      FROM population AS p
      JOIN wwva.me AS m ON m.me_id = p.me_id
     CROSS JOIN LATERAL (SELECT array_position(ARRAY['interaction', 'transaction', 'customization', 'co_creation'],
                                               p.kind) AS kind_no) AS k
)
SELECT s.me_id,
       u,
       coalesce(s.at_instant,
                s.year_start
                + make_interval(secs => ((u % s.days) * 151 + s.day_offset) % s.days * 86400
                                        + ((u + s.second_offset) % 86400) * 7919 % 86400)),
       s.kind
  FROM spread AS s
 CROSS JOIN LATERAL generate_series(s.first_user, s.last_user, s.step) AS u
 ORDER BY 3, 1, 2, 4;

-- ---------------------------------------------------------------------------
-- Ledger: daily, monthly, quarterly and half-yearly postings per category
--
-- total_10k is the category's yearly total in RMB 10,000 (Table 2's unit);
-- postings are in RMB.  Each slot of length "every" gets one posting, booked
-- on the slot's last day.  Warranty is posted per claim in the next block.
-- ---------------------------------------------------------------------------
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, category, partner_id, memo)
WITH plan (me_id, year, stream, kind, behavior, category, partner_id, every, total_10k) AS (
    VALUES
    -- Xinchu 2015 (launch year): revenue 3,000 + 200, cost 3,200 + 120 ------
    ('xinchu', 2015, 'hardware',  'revenue', NULL,       'appliance_sales',              NULL,        '1 day',     2900),
    ('xinchu', 2015, 'hardware',  'revenue', NULL,       'accessories',                  NULL,        '1 day',      100),
    ('xinchu', 2015, 'ecosystem', 'revenue', NULL,       'fresh_food',                   'p-fresh-01', '1 day',     150),
    ('xinchu', 2015, 'ecosystem', 'revenue', NULL,       'advertising',                  'p-ads-01',  '1 day',       50),
    ('xinchu', 2015, 'hardware',  'cost',    'variable', 'materials',                    NULL,        '1 month',    250),
    ('xinchu', 2015, 'hardware',  'cost',    'variable', 'logistics',                    NULL,        '1 month',    100),
    ('xinchu', 2015, 'hardware',  'cost',    'fixed',    'production',                   NULL,        '1 month',   1800),
    ('xinchu', 2015, 'hardware',  'cost',    'fixed',    'salaries',                     NULL,        '1 month',    700),
    ('xinchu', 2015, 'hardware',  'cost',    'fixed',    'equity_investment_obligation', NULL,        '3 months',   200),
    ('xinchu', 2015, 'hardware',  'cost',    'fixed',    'risk_provision',               NULL,        '3 months',   100),
    ('xinchu', 2015, 'ecosystem', 'cost',    'variable', 'partner_fulfilment',           NULL,        '1 month',     80),
    ('xinchu', 2015, 'ecosystem', 'cost',    'variable', 'platform_operations',          NULL,        '1 month',     40),
    -- Xinchu 2016: 3a 25,632  3b 7,940  4a 24,095 (variable 1,800 with warranty 250)  4b 3,600
    ('xinchu', 2016, 'hardware',  'revenue', NULL,       'appliance_sales',              NULL,        '1 day',    24500),
    ('xinchu', 2016, 'hardware',  'revenue', NULL,       'accessories',                  NULL,        '1 day',      832),
    ('xinchu', 2016, 'hardware',  'revenue', NULL,       'installation',                 NULL,        '1 day',      300),
    ('xinchu', 2016, 'ecosystem', 'revenue', NULL,       'fresh_food',                   'p-fresh-01', '1 day',    4200),
    ('xinchu', 2016, 'ecosystem', 'revenue', NULL,       'o2o_commission',               'p-o2o-01',  '1 day',     1900),
    ('xinchu', 2016, 'ecosystem', 'revenue', NULL,       'advertising',                  'p-ads-01',  '1 day',     1240),
    ('xinchu', 2016, 'ecosystem', 'revenue', NULL,       'data_services',                'p-data-01', '1 day',      600),
    ('xinchu', 2016, 'hardware',  'cost',    'variable', 'materials',                    NULL,        '1 month',   1100),
    ('xinchu', 2016, 'hardware',  'cost',    'variable', 'logistics',                    NULL,        '1 month',    450),
    ('xinchu', 2016, 'hardware',  'cost',    'fixed',    'production',                   NULL,        '1 month',  12000),
    ('xinchu', 2016, 'hardware',  'cost',    'fixed',    'salaries',                     NULL,        '1 month',   4800),
    ('xinchu', 2016, 'hardware',  'cost',    'fixed',    'equity_investment_obligation', NULL,        '3 months',  3500),
    ('xinchu', 2016, 'hardware',  'cost',    'fixed',    'risk_provision',               NULL,        '3 months',  1995),
    ('xinchu', 2016, 'ecosystem', 'cost',    'variable', 'partner_fulfilment',           NULL,        '1 month',   2300),
    ('xinchu', 2016, 'ecosystem', 'cost',    'variable', 'platform_operations',          NULL,        '1 month',    900),
    ('xinchu', 2016, 'ecosystem', 'cost',    'variable', 'payment_processing',           NULL,        '1 month',    400),
    -- Xinchu 2017: 3a 256,325  3b 152,000  4a 233,255 (variable 7,000 with warranty 900)  4b 3,960
    ('xinchu', 2017, 'hardware',  'revenue', NULL,       'appliance_sales',              NULL,        '1 day',   245000),
    ('xinchu', 2017, 'hardware',  'revenue', NULL,       'accessories',                  NULL,        '1 day',     8325),
    ('xinchu', 2017, 'hardware',  'revenue', NULL,       'installation',                 NULL,        '1 day',     3000),
    ('xinchu', 2017, 'ecosystem', 'revenue', NULL,       'fresh_food',                   'p-fresh-01', '1 day',   82000),
    ('xinchu', 2017, 'ecosystem', 'revenue', NULL,       'o2o_commission',               'p-o2o-01',  '1 day',    36000),
    ('xinchu', 2017, 'ecosystem', 'revenue', NULL,       'advertising',                  'p-ads-01',  '1 day',    24000),
    ('xinchu', 2017, 'ecosystem', 'revenue', NULL,       'data_services',                'p-data-01', '1 day',    10000),
    ('xinchu', 2017, 'hardware',  'cost',    'variable', 'materials',                    NULL,        '1 month',   4300),
    ('xinchu', 2017, 'hardware',  'cost',    'variable', 'logistics',                    NULL,        '1 month',   1800),
    ('xinchu', 2017, 'hardware',  'cost',    'fixed',    'production',                   NULL,        '1 month', 150000),
    ('xinchu', 2017, 'hardware',  'cost',    'fixed',    'salaries',                     NULL,        '1 month',  36000),
    ('xinchu', 2017, 'hardware',  'cost',    'fixed',    'equity_investment_obligation', NULL,        '3 months', 25000),
    ('xinchu', 2017, 'hardware',  'cost',    'fixed',    'risk_provision',               NULL,        '3 months', 15255),
    ('xinchu', 2017, 'ecosystem', 'cost',    'variable', 'partner_fulfilment',           NULL,        '1 month',   2500),
    ('xinchu', 2017, 'ecosystem', 'cost',    'variable', 'platform_operations',          NULL,        '1 month',   1000),
    ('xinchu', 2017, 'ecosystem', 'cost',    'variable', 'payment_processing',           NULL,        '1 month',    460),
    -- Casarte laundry: 14 postings a year ------------------------------------
    ('casarte_laundry', 2015, 'hardware',  'revenue', NULL,       'appliance_sales',       NULL,        '3 months',  120),
    ('casarte_laundry', 2015, 'ecosystem', 'revenue', NULL,       'laundry_care_services', 'p-care-01', '3 months',    8),
    ('casarte_laundry', 2015, 'hardware',  'cost',    'variable', 'materials',             NULL,        '6 months',   55),
    ('casarte_laundry', 2015, 'hardware',  'cost',    'fixed',    'salaries',              NULL,        '6 months',   48),
    ('casarte_laundry', 2015, 'ecosystem', 'cost',    'variable', 'partner_fulfilment',    NULL,        '6 months',    3),
    ('casarte_laundry', 2016, 'hardware',  'revenue', NULL,       'appliance_sales',       NULL,        '3 months',  186),
    ('casarte_laundry', 2016, 'ecosystem', 'revenue', NULL,       'laundry_care_services', 'p-care-01', '3 months',   24),
    ('casarte_laundry', 2016, 'hardware',  'cost',    'variable', 'materials',             NULL,        '6 months',   72),
    ('casarte_laundry', 2016, 'hardware',  'cost',    'fixed',    'salaries',              NULL,        '6 months',   60),
    ('casarte_laundry', 2016, 'ecosystem', 'cost',    'variable', 'partner_fulfilment',    NULL,        '6 months',  9.6),
    ('casarte_laundry', 2017, 'hardware',  'revenue', NULL,       'appliance_sales',       NULL,        '3 months',  243),
    ('casarte_laundry', 2017, 'ecosystem', 'revenue', NULL,       'laundry_care_services', 'p-care-01', '3 months', 41.5),
    ('casarte_laundry', 2017, 'hardware',  'cost',    'variable', 'materials',             NULL,        '6 months',   88),
    ('casarte_laundry', 2017, 'hardware',  'cost',    'fixed',    'salaries',              NULL,        '6 months',   66),
    ('casarte_laundry', 2017, 'ecosystem', 'cost',    'variable', 'partner_fulfilment',    NULL,        '6 months', 14.25)
),
-- One slot per day / month / quarter / half-year of the plan's year.
slot AS (
    SELECT p.*,
           s::date AS slot_start,
           (s + p.every::interval - interval '1 day')::date AS booked_on,
           row_number() OVER (PARTITION BY p.me_id, p.year, p.stream, p.kind, p.category ORDER BY s) AS n
      FROM plan AS p
     CROSS JOIN LATERAL generate_series(make_date(p.year, 1, 1)::timestamp,
                                        make_date(p.year, 12, 31)::timestamp,
                                        p.every::interval) AS s
),
-- Seasonal weight by month, varied per slot.
weighted AS (
    SELECT slot.*,
           (ARRAY[85, 60, 95, 100, 105, 115, 110, 100, 105, 110, 150, 125])[extract(month FROM slot_start)::int]
           * (90 + (n * 37 + length(category) * 11) % 23) AS w
      FROM slot
),
-- Running weight W_n and the year's weight W per category.
running AS (
    SELECT weighted.*,
           total_10k::numeric * 10000 AS total,
           sum(w) OVER (PARTITION BY me_id, year, stream, kind, category ORDER BY n) AS w_upto,
           sum(w) OVER (PARTITION BY me_id, year, stream, kind, category) AS w_year
      FROM weighted
)
SELECT me_id, booked_on, stream, kind, behavior,
       round(total * w_upto / w_year, 2) - round(total * (w_upto - w) / w_year, 2),
       category, partner_id,
       replace(category, '_', ' ') || ', '
       || CASE every
              WHEN '1 day'    THEN 'daily settlement ' || to_char(booked_on::timestamp, 'YYYY-MM-DD')
              WHEN '1 month'  THEN 'month ' || to_char(slot_start::timestamp, 'YYYY-MM')
              WHEN '3 months' THEN 'quarter ' || to_char(slot_start::timestamp, 'YYYY-"Q"Q')
              ELSE 'half-year ' || year || '-H' || (extract(month FROM slot_start)::int + 5) / 6
          END
  FROM running
 ORDER BY booked_on, me_id, stream, kind, category;

-- ---------------------------------------------------------------------------
-- Ledger: Xinchu warranty repairs, one posting per claim with the user's id
-- (variable hardware cost).  Claimants are active users of the year; amounts
-- vary by claim and are rounded cumulatively so each year sums exactly.
-- ---------------------------------------------------------------------------
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, category, user_id, memo)
WITH claims (year, claim_count, active_users, total_10k) AS (
    VALUES (2015,  100,   20000,  50),
           (2016, 1000,  100000, 250),
           (2017, 4000, 1000000, 900)
),
claim AS (
    SELECT c.year, c.total_10k::numeric * 10000 AS total, n,
           make_date(c.year, 1, 1) + (n * 37) % (make_date(c.year + 1, 1, 1) - make_date(c.year, 1, 1)) AS booked_on,
           1 + (n * 7919) % c.active_users AS user_id,
           5000 + (n * 7919) % 40000 AS w
      FROM claims AS c
     CROSS JOIN LATERAL generate_series(1, c.claim_count) AS n
),
running AS (
    SELECT claim.*,
           sum(w) OVER (PARTITION BY year ORDER BY n) AS w_upto,
           sum(w) OVER (PARTITION BY year) AS w_year
      FROM claim
)
SELECT 'xinchu', booked_on, 'hardware', 'cost', 'variable',
       round(total * w_upto / w_year, 2) - round(total * (w_upto - w) / w_year, 2),
       'warranty', user_id,
       'warranty repair, claim W' || year || '-' || lpad(n::text, 5, '0')
  FROM running
 ORDER BY booked_on, n;

-- ---------------------------------------------------------------------------
-- Ledger corrections: reversing entries that leave every total unchanged
-- ---------------------------------------------------------------------------

-- 2016: the fresh-food settlement of 2016-09-18 was imported twice; the
-- duplicate is reversed two days later.
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, category, partner_id, memo)
WITH original AS (
    SELECT * FROM wwva.ledger
     WHERE me_id = 'xinchu' AND category = 'fresh_food' AND booked_on = DATE '2016-09-18'
)
SELECT me_id, booked_on, stream, kind, behavior, amount, category, partner_id,
       memo || ' (imported twice)'
  FROM original
UNION ALL
SELECT me_id, DATE '2016-09-20', stream, kind, behavior, -amount, category, partner_id,
       'reversal of ' || memo || ' (imported twice)'
  FROM original;

-- 2017: the O2O commission of 2017-03-15 belongs to partner p-o2o-02, not
-- p-o2o-01: reversed on p-o2o-01 and re-posted on p-o2o-02 at month end.
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, category, partner_id, memo)
WITH original AS (
    SELECT * FROM wwva.ledger
     WHERE me_id = 'xinchu' AND category = 'o2o_commission' AND booked_on = DATE '2017-03-15'
)
SELECT me_id, DATE '2017-03-31', stream, kind, behavior, -amount, category, partner_id,
       'reversal of ' || memo || ': booked to the wrong partner'
  FROM original
UNION ALL
SELECT me_id, DATE '2017-03-31', stream, kind, behavior, amount, category, 'p-o2o-02',
       memo || ', corrected re-posting to partner p-o2o-02'
  FROM original;

COMMIT;

-- ===========================================================================
-- The smart-kitchen EMC: Xinchu leads an ecosystem micro-community with a
-- node ME that supplies its compressors and two outside partners.
--
-- Value added is the sum of the member MEs' total profit (Xinchu's and the
-- node's, from their ledgers).  The contract follows Haier's default
-- schedule: 20% of the value added between the leading target and the bid
-- line, 50% above the bid line, with a pool floor and cap.  Amounts in RMB.
--
--            value added      gate        bid line      tiered pool  floor / cap   pool
--   2015       -2,310,000      5,000,000     10,000,000            0   1M / 5M       0 (gate missed)
--   2016       61,002,000     50,000,000     60,000,000    2,501,000   1M / 5M       2,501,000
--   2017    1,717,004,000  1,200,000,000  1,500,000,000  168,502,000   10M / 150M    150,000,000 (capped)
--
-- (value added = Xinchu's total profit -1,200,000 / 58,770,000 / 1,711,100,000
-- plus the node's -1,110,000 / 2,232,000 / 5,904,000)
--
-- Members (weight, lower, upper): Xinchu 0.5; the compressor node 0.2 with
-- at least 200,000; the fresh-food partner 0.2 up to 20,000,000; the recipe
-- community 0.1 between 100,000 and 5,000,000.  In 2017 both partners hit
-- their caps and the 25,000,000 they free goes to Xinchu and the node 5:2;
-- the last fen goes by largest remainder.
-- ===========================================================================
BEGIN;

INSERT INTO wwva.me (me_id, name, kind, timezone, currency)
VALUES ('compressor_node', 'Inverter compressor node ME', 'node', 'Asia/Shanghai', 'RMB');

-- The node's monthly sales to Xinchu and its costs: yearly total / 12 plus
-- a trend of (month - 6.5) x step, which sums to the total exactly (every
-- total is a multiple of 12 fen).
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, category, memo)
SELECT 'compressor_node',
       (make_date(y.year, m, 1) + interval '1 month - 1 day')::date,
       'hardware', l.kind, l.behavior,
       round(l.total / 12 + (m - 6.5) * l.step, 2),
       l.category,
       l.category || ' ' || y.year || '-' || lpad(m::text, 2, '0')
  FROM (VALUES (2015), (2016), (2017)) AS y(year)
  JOIN (VALUES
        (2015, 'revenue', NULL,       'compressor_sales',   3000000.00,  2000.00),
        (2015, 'cost',    'variable', 'materials',          2400000.00,  1500.00),
        (2015, 'cost',    'fixed',    'salaries',           1710000.00,     0.00),
        (2016, 'revenue', NULL,       'compressor_sales',  12000000.00, 10000.00),
        (2016, 'cost',    'variable', 'materials',          6600000.00,  6000.00),
        (2016, 'cost',    'fixed',    'salaries',           3168000.00,     0.00),
        (2017, 'revenue', NULL,       'compressor_sales',  30000000.00, 25000.00),
        (2017, 'cost',    'variable', 'materials',         16500000.00, 14000.00),
        (2017, 'cost',    'fixed',    'salaries',           7596000.00,     0.00))
       AS l(year, kind, behavior, category, total, step) ON l.year = y.year
 CROSS JOIN generate_series(1, 12) AS m;

INSERT INTO wwva.emc (emc_id, name, leader_me_id)
VALUES ('smart_kitchen', 'Smart kitchen: fridge, fresh food and recipes', 'xinchu');

INSERT INTO wwva.emc_member (emc_id, member_id, kind, weight, lower_limit, upper_limit) VALUES
    ('smart_kitchen', 'xinchu',            'me',      0.5,      0,     NULL),
    ('smart_kitchen', 'compressor_node',   'me',      0.2, 200000,     NULL),
    ('smart_kitchen', 'freshfood_partner', 'partner', 0.2,      0, 20000000),
    ('smart_kitchen', 'recipe_community',  'partner', 0.1, 100000,  5000000);

INSERT INTO wwva.emc_contract (emc_id, period_id, leading_target, pool_floor, pool_cap) VALUES
    ('smart_kitchen', '2015',    5000000,   1000000,   5000000),
    ('smart_kitchen', '2016',   50000000,   1000000,   5000000),
    ('smart_kitchen', '2017', 1200000000,  10000000, 150000000);

INSERT INTO wwva.emc_tier (emc_id, period_id, threshold, rate) VALUES
    ('smart_kitchen', '2015',    5000000, 0.20),   -- floor: 20% of value added above the target
    ('smart_kitchen', '2015',   10000000, 0.50),   -- bid line: 50% above it
    ('smart_kitchen', '2016',   50000000, 0.20),
    ('smart_kitchen', '2016',   60000000, 0.50),
    ('smart_kitchen', '2017', 1200000000, 0.20),
    ('smart_kitchen', '2017', 1500000000, 0.50);

COMMIT;

ANALYZE wwva.me, wwva.period, wwva.target, wwva.sharing_rule, wwva.ledger, wwva.user_event;
