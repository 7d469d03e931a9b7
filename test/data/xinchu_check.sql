-- ===========================================================================
-- test/data/xinchu_check.sql: every Table 2 line for Xinchu, 2016 and 2017,
-- recomputed from the raw rows of test/data/xinchu.sql in plain SQL.
--
--   psql -X -f test/data/xinchu_check.sql                    (ME xinchu)
--   psql -X -v me=casarte_laundry -f test/data/xinchu_check.sql
--
-- No extension function or view is used: only the tables wwva.me,
-- wwva.period, wwva.user_event, wwva.ledger, wwva.target and
-- wwva.sharing_rule.  The rules are those of WWVA.md:
--   - an event belongs to the period whose [starts_on, ends_on) holds the
--     date of occurred_at in the ME's time zone; a posting, to the period
--     holding booked_on;
--   - active: >= N transaction events in the period (N = active_min_transactions);
--   - lifetime: active in the period and in each of the K-1 periods before it
--     (K = lifetime_periods, periods ordered by starts_on), with a co_creation
--     event in one of those K periods;
--   - a sharing rule pays rate x base clamped to [floor, cap], 0 when the base
--     is <= 0, NULL for an excess rule without a total_profit target.
--
-- Columns: value in the statement's unit (users, events, RMB, RMB per active
-- user); table2 in Table 2's unit (money lines in RMB 10,000); expected, the
-- exact figure the seed's formulas give for Xinchu (xinchu_table2.csv; 2d-2g
-- unrounded); ok, whether table2 equals expected.
-- ===========================================================================

\if :{?me}
\else
\set me xinchu
\endif

WITH
me AS (
    SELECT me_id, timezone, active_min_transactions AS n, lifetime_periods AS k
      FROM wwva.me
     WHERE me_id = :'me'
),
period AS (
    SELECT period_id, starts_on, ends_on,
           row_number() OVER (ORDER BY starts_on) AS period_no
      FROM wwva.period
),
-- Every event of the ME with the period of its local date.
event AS (
    SELECT p.period_no, e.user_id, e.kind
      FROM wwva.user_event AS e
      JOIN me ON me.me_id = e.me_id
      JOIN period AS p
        ON (e.occurred_at AT TIME ZONE me.timezone)::date >= p.starts_on
       AND (e.occurred_at AT TIME ZONE me.timezone)::date <  p.ends_on
),
-- 1a, 1d: distinct interacting users, customization events.
event_figures AS (
    SELECT period_no,
           count(DISTINCT user_id) FILTER (WHERE kind = 'interaction') AS interactive_users,
           count(*) FILTER (WHERE kind = 'customization') AS user_makers
      FROM event
     GROUP BY period_no
),
-- 1b: users with at least N transactions in the period.
active AS (
    SELECT period_no, user_id
      FROM event
     WHERE kind = 'transaction'
     GROUP BY period_no, user_id
    HAVING count(*) >= (SELECT n FROM me)
),
co_creator AS (
    SELECT DISTINCT period_no, user_id
      FROM event
     WHERE kind = 'co_creation'
),
-- 1c: active in all K periods period_no-K+1 .. period_no, and co-created in
-- one of them.
lifetime AS (
    SELECT a.period_no, a.user_id
      FROM active AS a
      JOIN active AS b
        ON b.user_id = a.user_id
       AND b.period_no BETWEEN a.period_no - (SELECT k FROM me) + 1 AND a.period_no
     GROUP BY a.period_no, a.user_id
    HAVING count(*) = (SELECT k FROM me)
),
lifetime_figures AS (
    SELECT l.period_no, count(*) AS lifetime_users
      FROM lifetime AS l
     WHERE EXISTS (SELECT FROM co_creator AS c
                    WHERE c.user_id = l.user_id
                      AND c.period_no BETWEEN l.period_no - (SELECT k FROM me) + 1 AND l.period_no)
     GROUP BY l.period_no
),
active_figures AS (
    SELECT period_no, count(*) AS active_users FROM active GROUP BY period_no
),
-- Sections 3 and 4: sums of the postings in the period.
money AS (
    SELECT p.period_no,
           sum(l.amount) FILTER (WHERE l.stream = 'hardware'  AND l.kind = 'revenue') AS hardware_revenue,
           sum(l.amount) FILTER (WHERE l.stream = 'ecosystem' AND l.kind = 'revenue') AS ecosystem_revenue,
           sum(l.amount) FILTER (WHERE l.stream = 'hardware'  AND l.kind = 'cost') AS hardware_cost,
           sum(l.amount) FILTER (WHERE l.stream = 'hardware'  AND l.kind = 'cost'
                                   AND l.behavior = 'variable') AS hardware_variable_cost,
           sum(l.amount) FILTER (WHERE l.stream = 'ecosystem' AND l.kind = 'cost') AS ecosystem_cost,
           sum(l.amount) FILTER (WHERE l.stream = 'ecosystem' AND l.kind = 'cost'
                                   AND l.behavior = 'variable') AS ecosystem_variable_cost
      FROM wwva.ledger AS l
      JOIN me ON me.me_id = l.me_id
      JOIN period AS p ON l.booked_on >= p.starts_on AND l.booked_on < p.ends_on
     GROUP BY p.period_no
),
-- One row per period with the base figures (0 where nothing happened).
base AS (
    SELECT p.period_id, p.period_no,
           coalesce(ef.interactive_users, 0) AS interactive_users,
           coalesce(af.active_users, 0) AS active_users,
           coalesce(lf.lifetime_users, 0) AS lifetime_users,
           coalesce(ef.user_makers, 0) AS user_makers,
           coalesce(m.hardware_revenue, 0) AS hardware_revenue,
           coalesce(m.ecosystem_revenue, 0) AS ecosystem_revenue,
           coalesce(m.hardware_cost, 0) AS hardware_cost,
           coalesce(m.hardware_variable_cost, 0) AS hardware_variable_cost,
           coalesce(m.ecosystem_cost, 0) AS ecosystem_cost,
           coalesce(m.ecosystem_variable_cost, 0) AS ecosystem_variable_cost
      FROM period AS p
      LEFT JOIN event_figures AS ef ON ef.period_no = p.period_no
      LEFT JOIN active_figures AS af ON af.period_no = p.period_no
      LEFT JOIN lifetime_figures AS lf ON lf.period_no = p.period_no
      LEFT JOIN money AS m ON m.period_no = p.period_no
),
-- Profits (2a-2c) and the per-active-user lines (4c, 4d, 5a-5c; NULL without
-- active users).
derived AS (
    SELECT b.*,
           b.hardware_revenue - b.hardware_cost AS hardware_profit,
           b.ecosystem_revenue - b.ecosystem_cost AS ecosystem_profit,
           b.hardware_revenue - b.hardware_cost + b.ecosystem_revenue - b.ecosystem_cost AS total_profit,
           b.hardware_cost + b.ecosystem_cost AS total_cost,
           b.hardware_variable_cost / nullif(b.active_users, 0) AS hardware_marginal_cost,
           b.ecosystem_variable_cost / nullif(b.active_users, 0) AS ecosystem_marginal_cost,
           (b.hardware_revenue - b.hardware_variable_cost) / nullif(b.active_users, 0) AS hardware_marginal_income,
           (b.ecosystem_revenue - b.ecosystem_variable_cost) / nullif(b.active_users, 0) AS ecosystem_marginal_income,
           -- 5a + 5b with a single division, not a sum of two rounded quotients
           (b.hardware_revenue - b.hardware_variable_cost + b.ecosystem_revenue - b.ecosystem_variable_cost)
           / nullif(b.active_users, 0) AS total_marginal_income
      FROM base AS b
),
-- 2d-2f: each party's rule applied to its base.
share AS (
    SELECT d.period_no, r.party,
           CASE WHEN x.base_value IS NULL THEN NULL
                WHEN x.base_value <= 0 THEN 0
                -- greatest/least skip a NULL floor or cap
                ELSE least(greatest(r.rate * x.base_value, r.floor), r.cap)
           END AS amount
      FROM derived AS d
      JOIN wwva.sharing_rule AS r ON r.me_id = :'me'
      LEFT JOIN wwva.target AS t
        ON t.me_id = r.me_id AND t.period_id = d.period_id AND t.item = 'total_profit'
     CROSS JOIN LATERAL (
           SELECT CASE r.base
                      WHEN 'total_profit'       THEN d.total_profit
                      WHEN 'ecosystem_profit'   THEN d.ecosystem_profit
                      WHEN 'hardware_profit'    THEN d.hardware_profit
                      WHEN 'excess_over_target' THEN d.total_profit - t.value
                  END AS base_value) AS x
),
shares AS (
    SELECT period_no,
           max(amount) FILTER (WHERE party = 'users') AS users_share,
           max(amount) FILTER (WHERE party = 'investors') AS investors_share,
           max(amount) FILTER (WHERE party = 'team') AS team_share
      FROM share
     GROUP BY period_no
),
-- Table 2, long format.  scale: Table 2 shows money in RMB 10,000.
line AS (
    SELECT d.period_id, v.ord, v.line, v.item, v.value, v.scale
      FROM derived AS d
      LEFT JOIN shares AS s ON s.period_no = d.period_no
     CROSS JOIN LATERAL (VALUES
           (1,  '1a',      'interactive_users',         d.interactive_users::numeric, 1),
           (2,  '1b',      'active_users',              d.active_users::numeric,      1),
           (3,  '1c',      'lifetime_users',            d.lifetime_users::numeric,    1),
           (4,  '1d',      'user_makers',               d.user_makers::numeric,       1),
           (5,  '2a',      'hardware_profit',           d.hardware_profit,            10000),
           (6,  '2b',      'ecosystem_profit',          d.ecosystem_profit,           10000),
           (7,  '2c',      'total_profit',              d.total_profit,               10000),
           (8,  '2d',      'users_share',               s.users_share,                10000),
           (9,  '2e',      'investors_share',           s.investors_share,            10000),
           (10, '2f',      'team_share',                s.team_share,                 10000),
           (11, '2g',      'total_sharing',             s.users_share + s.investors_share + s.team_share, 10000),
           (12, '3a',      'hardware_revenue',          d.hardware_revenue,           10000),
           (13, '3b',      'ecosystem_revenue',         d.ecosystem_revenue,          10000),
           (14, '3c',      'total_revenue',             d.hardware_revenue + d.ecosystem_revenue, 10000),
           (15, '4a',      'hardware_cost',             d.hardware_cost,              10000),
           (16, '4a_var',  'hardware_variable_cost',    d.hardware_variable_cost,     10000),
           (17, '4b',      'ecosystem_cost',            d.ecosystem_cost,             10000),
           (18, '4b_var',  'ecosystem_variable_cost',   d.ecosystem_variable_cost,    10000),
           (19, '4_total', 'total_cost',                d.total_cost,                 10000),
           (20, '4c',      'hardware_marginal_cost',    d.hardware_marginal_cost,     1),
           (21, '4d',      'ecosystem_marginal_cost',   d.ecosystem_marginal_cost,    1),
           (22, '5a',      'hardware_marginal_income',  d.hardware_marginal_income,   1),
           (23, '5b',      'ecosystem_marginal_income', d.ecosystem_marginal_income,  1),
           (24, '5c',      'total_marginal_income',     d.total_marginal_income,      1)
         ) AS v(ord, line, item, value, scale)
),
-- The seed's figures (xinchu_table2.csv, exact columns; 2d-2g unrounded).
expected (line, period_id, value) AS (
    VALUES ('1a', '2016', 300000), ('1a', '2017', 10000000),
           ('1b', '2016', 100000), ('1b', '2017', 1000000),
           ('1c', '2016', 66),     ('1c', '2017', 2650),
           ('1d', '2016', 100),    ('1d', '2017', 50000),
           ('2a', '2016', 1537),   ('2a', '2017', 23070),
           ('2b', '2016', 4340),   ('2b', '2017', 148040),
           ('2c', '2016', 5877),   ('2c', '2017', 171110),
           ('2d', '2016', 1899),   ('2d', '2017', 61792),
           ('2e', '2016', 1140.0312), ('2e', '2017', 38887.1472),
           ('2f', '2016', 22.5463),   ('2f', '2017', 769.0678),
           ('2g', '2016', 3061.5775), ('2g', '2017', 101448.215),
           ('3a', '2016', 25632),  ('3a', '2017', 256325),
           ('3b', '2016', 7940),   ('3b', '2017', 152000),
           ('3c', '2016', 33572),  ('3c', '2017', 408325),
           ('4a', '2016', 24095),  ('4a', '2017', 233255),
           ('4a_var', '2016', 1800),  ('4a_var', '2017', 7000),
           ('4b', '2016', 3600),   ('4b', '2017', 3960),
           ('4b_var', '2016', 3600),  ('4b_var', '2017', 3960),
           ('4_total', '2016', 27695), ('4_total', '2017', 237215),
           ('4c', '2016', 180),    ('4c', '2017', 70),
           ('4d', '2016', 360),    ('4d', '2017', 39.6),
           ('5a', '2016', 2383.2), ('5a', '2017', 2493.25),
           ('5b', '2016', 434),    ('5b', '2017', 1480.4),
           ('5c', '2016', 2817.2), ('5c', '2017', 3973.65)
)
SELECT l.line, l.item, l.period_id AS period,
       trim_scale(l.value) AS value,
       trim_scale(l.value / l.scale) AS table2,
       e.value AS expected,
       CASE WHEN e.value IS NOT NULL THEN l.value / l.scale = e.value END AS ok
  FROM line AS l
  LEFT JOIN expected AS e
    ON e.line = l.line AND e.period_id = l.period_id AND :'me' = 'xinchu'
 WHERE l.period_id IN ('2016', '2017')
 ORDER BY l.period_id, l.ord;
