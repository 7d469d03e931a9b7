-- Calendars side by side and statements to date.  Months, quarters, years
-- and a fiscal year that starts in April over the same rows: every line of
-- every period (wwva.statement) and of every to-date span
-- (wwva.statement_to_date) equals a computation in plain SQL written here
-- from the definitions in WWVA.md, with N > 1, K > 1 (previous periods
-- within one calendar), and events near midnight in two time zones, so
-- that the local date decides the period.  The materialized statement
-- keeps up with the calendars through appends.
BEGIN;
SET LOCAL client_min_messages = warning;
SELECT plan(24);

TRUNCATE wwva.user_event, wwva.me CASCADE;
TRUNCATE wwva.period CASCADE;

INSERT INTO wwva.me (me_id, timezone, active_min_transactions, lifetime_periods)
VALUES ('sh', 'Asia/Shanghai', 2, 2), ('ny', 'America/New_York', 1, 3);

-- 18 months, 6 quarters, 2 years, and fiscal years from April
INSERT INTO wwva.period (period_id, starts_on, ends_on, calendar)
SELECT to_char(d, 'YYYY-MM'), d, (d + interval '1 month')::date, 'month'
  FROM generate_series(DATE '2024-01-01', DATE '2025-06-01', interval '1 month') AS d;
INSERT INTO wwva.period (period_id, starts_on, ends_on, calendar)
SELECT to_char(d, 'YYYY-"Q"Q'), d, (d + interval '3 months')::date, 'quarter'
  FROM generate_series(DATE '2024-01-01', DATE '2025-04-01', interval '3 months') AS d;
INSERT INTO wwva.period (period_id, starts_on, ends_on, calendar) VALUES
    ('2024', '2024-01-01', '2025-01-01', 'year'), ('2025', '2025-01-01', '2026-01-01', 'year'),
    ('FY2023', '2023-04-01', '2024-04-01', 'fiscal_year'), ('FY2024', '2024-04-01', '2025-04-01', 'fiscal_year');

-- Events every 131 minutes, and a burst around each local midnight that
-- begins a month: the minutes before it belong to the month before.
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT (ARRAY['sh', 'ny'])[1 + i % 2], i % 41,
       TIMESTAMPTZ '2024-01-01 00:00+00' + i * interval '131 minutes',
       (ARRAY['interaction', 'transaction', 'transaction', 'co_creation', 'transaction', 'customization'])[1 + i % 6]
  FROM generate_series(1, 6000) AS i;
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT m.me_id, 100 + j % 5,
       (d::timestamp AT TIME ZONE m.timezone) + (j - 3) * interval '7 minutes',
       (ARRAY['transaction', 'co_creation', 'transaction'])[1 + j % 3]
  FROM wwva.me m
 CROSS JOIN generate_series(DATE '2024-02-01', DATE '2025-06-01', interval '1 month') AS d
 CROSS JOIN generate_series(0, 5) AS j;
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount)
SELECT (ARRAY['sh', 'ny'])[1 + i % 2], DATE '2024-01-01' + i % 545,
       (ARRAY['hardware', 'ecosystem'])[1 + i / 2 % 2], (ARRAY['revenue', 'cost'])[1 + i / 4 % 2],
       CASE WHEN i / 4 % 2 = 1 THEN (ARRAY['variable', 'fixed'])[1 + i / 8 % 2] END,
       (i * 37 % 1000) + 0.25
  FROM generate_series(1, 2000) AS i;
INSERT INTO wwva.sharing_rule VALUES ('sh', 'team', 'total_profit', 0.1, NULL, NULL),
                                     ('sh', 'users', 'excess_over_target', 0.5, 10, 2000),
                                     ('ny', 'investors', 'ecosystem_profit', 0.25, NULL, 500);
INSERT INTO wwva.target VALUES ('sh', '2024', 'total_profit', 1000), ('sh', '2024-Q2', 'total_profit', 300),
                               ('sh', '2024-05', 'total_profit', 100), ('ny', 'FY2024', 'active_users', 30);
ANALYZE wwva.me, wwva.period, wwva.ledger, wwva.user_event;

-- ------------------------------------------------------------------ periods
SELECT throws_ok($$INSERT INTO wwva.period (period_id, starts_on, ends_on, calendar)
                   VALUES ('2024-H1', '2024-01-01', '2024-07-01', 'quarter')$$,
                 '23P01', 'period "2024-H1" [2024-01-01, 2024-07-01) overlaps period "2024-Q1" [2024-01-01, 2024-04-01) of calendar "quarter"',
                 'a period overlapping one of its own calendar is refused, naming it');
SELECT lives_ok($$INSERT INTO wwva.period (period_id, starts_on, ends_on, calendar)
                  VALUES ('2024-H1', '2024-01-01', '2024-07-01', 'half') $$,
                'the same dates in a calendar of their own are accepted');
DELETE FROM wwva.period WHERE period_id = '2024-H1';
SELECT results_eq(
    $$SELECT period_id, previous_period_no FROM wwva.period_calendar
       WHERE period_id IN ('2024-01', '2024-02', '2024-Q1', '2024-Q2', 'FY2023', 'FY2024') ORDER BY period_id$$,
    $$VALUES ('2024-01', NULL::integer),
             ('2024-02', (SELECT period_no FROM wwva.period_calendar WHERE period_id = '2024-01')),
             ('2024-Q1', NULL),
             ('2024-Q2', (SELECT period_no FROM wwva.period_calendar WHERE period_id = '2024-Q1')),
             ('FY2023', NULL),
             ('FY2024', (SELECT period_no FROM wwva.period_calendar WHERE period_id = 'FY2023'))$$,
    'the previous period of a period is the one before it in its own calendar');
SELECT is((SELECT count(*) FROM wwva.figures), 2 * 28::bigint,
          'wwva.figures has a row per ME and period of every calendar');
SELECT is((SELECT count(*) FROM wwva.to_date_spans), 18 + 18 + 15 + 6 + 5::bigint,
          'a to-date span for every month in its quarter, its year and its fiscal year, and every quarter in its year and its fiscal year (2025-Q2 and its months lie in no fiscal year)');

-- ------------------------------------------------------------ plain SQL
-- Every span: the periods, and every period P in a period Y of another
-- calendar; lifetime users look back from Y (or the period itself).
CREATE TEMP TABLE span AS
SELECT p.period_id, NULL::text AS to_date_of, p.starts_on, p.ends_on,
       p.calendar AS lookback_calendar, p.starts_on AS lookback_from, p.period_id AS target_period
  FROM wwva.period p
UNION ALL
SELECT p.period_id, y.period_id, y.starts_on, p.ends_on, y.calendar, y.starts_on, y.period_id
  FROM wwva.period p
  JOIN wwva.period y ON y.calendar <> p.calendar AND y.starts_on <= p.starts_on AND p.ends_on <= y.ends_on;
-- the periods before each span in its lookback calendar, nearest first
CREATE TEMP TABLE span_before AS
SELECT s.period_id, s.to_date_of, q.period_id AS earlier,
       row_number() OVER (PARTITION BY s.period_id, s.to_date_of ORDER BY q.starts_on DESC) AS back
  FROM span s
  JOIN wwva.period q ON q.calendar = s.lookback_calendar AND q.starts_on < s.lookback_from;
CREATE TEMP TABLE local_event AS
SELECT e.me_id, e.user_id, e.kind, (e.occurred_at AT TIME ZONE m.timezone)::date AS day,
       m.active_min_transactions AS n, m.lifetime_periods AS k
  FROM wwva.user_event e JOIN wwva.me m USING (me_id);
-- each user's transactions and co-creation per ME and span, and per ME and period
CREATE TEMP TABLE span_user AS
SELECT s.period_id, s.to_date_of, e.me_id, e.user_id, min(e.n) AS n, min(e.k) AS k,
       count(*) FILTER (WHERE e.kind = 'transaction') AS transactions,
       bool_or(e.kind = 'interaction') AS interacted, bool_or(e.kind = 'co_creation') AS co_created
  FROM span s JOIN local_event e ON e.day >= s.starts_on AND e.day < s.ends_on
 GROUP BY 1, 2, 3, 4;
CREATE TEMP TABLE period_user AS
SELECT p.period_id, e.me_id, e.user_id, min(e.n) AS n,
       count(*) FILTER (WHERE e.kind = 'transaction') AS transactions,
       bool_or(e.kind = 'co_creation') AS co_created
  FROM wwva.period p JOIN local_event e ON e.day >= p.starts_on AND e.day < p.ends_on
 GROUP BY 1, 2, 3;
-- lifetime: active in the span and in each of the K-1 periods before it,
-- with a co-creation in one of those K
CREATE TEMP TABLE lifetime AS
SELECT u.period_id, u.to_date_of, u.me_id, count(*) AS users
  FROM span_user u
 WHERE u.transactions >= u.n
   AND (SELECT count(*) FROM span_before b
         WHERE b.period_id = u.period_id AND b.to_date_of IS NOT DISTINCT FROM u.to_date_of
           AND b.back < u.k
           AND EXISTS (SELECT FROM period_user q
                        WHERE q.period_id = b.earlier AND q.me_id = u.me_id AND q.user_id = u.user_id
                          AND q.transactions >= q.n)) = u.k - 1
   AND (u.co_created OR EXISTS (SELECT FROM span_before b JOIN period_user q ON q.period_id = b.earlier
                                 WHERE b.period_id = u.period_id AND b.to_date_of IS NOT DISTINCT FROM u.to_date_of
                                   AND b.back < u.k AND q.me_id = u.me_id AND q.user_id = u.user_id
                                   AND q.co_created))
 GROUP BY 1, 2, 3;
CREATE TEMP TABLE span_money AS
SELECT s.period_id, s.to_date_of, m.me_id,
       COALESCE(sum(l.amount) FILTER (WHERE l.stream = 'hardware' AND l.kind = 'revenue'), 0) AS hardware_revenue,
       COALESCE(sum(l.amount) FILTER (WHERE l.stream = 'hardware' AND l.kind = 'cost'), 0) AS hardware_cost,
       COALESCE(sum(l.amount) FILTER (WHERE l.stream = 'hardware' AND l.kind = 'cost' AND l.behavior = 'variable'), 0) AS hardware_variable_cost,
       COALESCE(sum(l.amount) FILTER (WHERE l.stream = 'ecosystem' AND l.kind = 'revenue'), 0) AS ecosystem_revenue,
       COALESCE(sum(l.amount) FILTER (WHERE l.stream = 'ecosystem' AND l.kind = 'cost'), 0) AS ecosystem_cost,
       COALESCE(sum(l.amount) FILTER (WHERE l.stream = 'ecosystem' AND l.kind = 'cost' AND l.behavior = 'variable'), 0) AS ecosystem_variable_cost
  FROM span s CROSS JOIN wwva.me m
  LEFT JOIN wwva.ledger l ON l.me_id = m.me_id AND l.booked_on >= s.starts_on AND l.booked_on < s.ends_on
 GROUP BY 1, 2, 3;
-- a payout: rate x base clamped to [floor, cap], 0 for a base <= 0, NULL
-- without a base, at the RMB's two decimals
CREATE FUNCTION pg_temp.payout(r wwva.sharing_rule, hardware_profit numeric, ecosystem_profit numeric,
                               profit_target numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
SELECT CASE WHEN r.party IS NULL THEN 0
            WHEN base IS NULL THEN NULL
            WHEN base <= 0 THEN 0
            ELSE round(LEAST(GREATEST(r.rate * base, COALESCE(r.floor, 0)), COALESCE(r.cap, r.rate * base)), 2) END
  FROM (SELECT CASE r.base WHEN 'total_profit' THEN hardware_profit + ecosystem_profit
                           WHEN 'ecosystem_profit' THEN ecosystem_profit
                           WHEN 'hardware_profit' THEN hardware_profit
                           WHEN 'excess_over_target' THEN hardware_profit + ecosystem_profit - profit_target END AS base) b
$$;
CREATE TEMP TABLE expected_figures AS
SELECT f.*,
       f.hardware_profit + f.ecosystem_profit AS total_profit,
       f.users_share + f.investors_share + f.team_share AS total_sharing
  FROM (SELECT s.period_id, s.to_date_of, s.target_period, g.me_id,
               (SELECT count(*) FROM span_user u WHERE u.period_id = s.period_id AND u.to_date_of IS NOT DISTINCT FROM s.to_date_of
                   AND u.me_id = g.me_id AND u.interacted) AS interactive_users,
               (SELECT count(*) FROM span_user u WHERE u.period_id = s.period_id AND u.to_date_of IS NOT DISTINCT FROM s.to_date_of
                   AND u.me_id = g.me_id AND u.transactions >= u.n) AS active_users,
               COALESCE((SELECT l.users FROM lifetime l WHERE l.period_id = s.period_id AND l.to_date_of IS NOT DISTINCT FROM s.to_date_of
                            AND l.me_id = g.me_id), 0) AS lifetime_users,
               (SELECT count(*) FROM local_event e WHERE e.me_id = g.me_id AND e.kind = 'customization'
                   AND e.day >= s.starts_on AND e.day < s.ends_on) AS user_makers,
               g.hardware_revenue - g.hardware_cost AS hardware_profit,
               g.ecosystem_revenue - g.ecosystem_cost AS ecosystem_profit,
               pg_temp.payout(ru, g.hardware_revenue - g.hardware_cost, g.ecosystem_revenue - g.ecosystem_cost, t.value) AS users_share,
               pg_temp.payout(ri, g.hardware_revenue - g.hardware_cost, g.ecosystem_revenue - g.ecosystem_cost, t.value) AS investors_share,
               pg_temp.payout(rt, g.hardware_revenue - g.hardware_cost, g.ecosystem_revenue - g.ecosystem_cost, t.value) AS team_share,
               g.hardware_revenue, g.ecosystem_revenue, g.hardware_revenue + g.ecosystem_revenue AS total_revenue,
               g.hardware_cost, g.hardware_variable_cost, g.ecosystem_cost, g.ecosystem_variable_cost,
               g.hardware_cost + g.ecosystem_cost AS total_cost
          FROM span s
          JOIN span_money g ON g.period_id = s.period_id AND g.to_date_of IS NOT DISTINCT FROM s.to_date_of
          LEFT JOIN wwva.sharing_rule ru ON ru.me_id = g.me_id AND ru.party = 'users'
          LEFT JOIN wwva.sharing_rule ri ON ri.me_id = g.me_id AND ri.party = 'investors'
          LEFT JOIN wwva.sharing_rule rt ON rt.me_id = g.me_id AND rt.party = 'team'
          LEFT JOIN wwva.target t ON t.me_id = g.me_id AND t.period_id = s.target_period AND t.item = 'total_profit') f;
-- the lines, long; per active user by wwva's documented division
CREATE TEMP TABLE expected_lines AS
SELECT f.me_id, f.period_id, f.to_date_of, l.item, l.actual, t.value AS target
  FROM expected_figures f
 CROSS JOIN LATERAL (VALUES
        ('interactive_users', f.interactive_users::numeric), ('active_users', f.active_users),
        ('lifetime_users', f.lifetime_users), ('user_makers', f.user_makers),
        ('hardware_profit', f.hardware_profit), ('ecosystem_profit', f.ecosystem_profit),
        ('total_profit', f.total_profit), ('users_share', f.users_share),
        ('investors_share', f.investors_share), ('team_share', f.team_share),
        ('total_sharing', f.total_sharing), ('hardware_revenue', f.hardware_revenue),
        ('ecosystem_revenue', f.ecosystem_revenue), ('total_revenue', f.total_revenue),
        ('hardware_cost', f.hardware_cost), ('hardware_variable_cost', f.hardware_variable_cost),
        ('ecosystem_cost', f.ecosystem_cost), ('ecosystem_variable_cost', f.ecosystem_variable_cost),
        ('total_cost', f.total_cost),
        ('hardware_marginal_cost', wwva.marginal_cost(f.hardware_variable_cost, f.active_users)),
        ('ecosystem_marginal_cost', wwva.marginal_cost(f.ecosystem_variable_cost, f.active_users)),
        ('hardware_marginal_income', wwva.marginal_income(f.hardware_revenue, f.hardware_variable_cost, f.active_users)),
        ('ecosystem_marginal_income', wwva.marginal_income(f.ecosystem_revenue, f.ecosystem_variable_cost, f.active_users)),
        ('total_marginal_income', wwva.marginal_income(f.hardware_revenue + f.ecosystem_revenue,
                                                       f.hardware_variable_cost + f.ecosystem_variable_cost, f.active_users))
      ) AS l(item, actual)
  LEFT JOIN wwva.target t ON t.me_id = f.me_id AND t.period_id = f.target_period AND t.item = l.item;

-- ------------------------------------------------------------ the checks
SELECT ok((SELECT count(DISTINCT (me_id, period_id)) FROM expected_lines WHERE to_date_of IS NULL AND item = 'lifetime_users' AND actual > 0) >= 20
          AND (SELECT count(*) FROM expected_lines WHERE to_date_of IS NOT NULL AND item = 'lifetime_users' AND actual > 0) >= 10
          AND (SELECT count(*) FROM expected_lines WHERE item = 'users_share' AND actual IS NULL) > 0
          AND (SELECT count(*) FROM expected_lines WHERE target IS NOT NULL AND to_date_of IS NOT NULL) > 0,
          'the data has lifetime users in periods and spans, an excess rule without its target, and targets held against spans');

SELECT set_eq($$SELECT me_id, period_id, item, actual, target FROM wwva.statement$$,
              $$SELECT me_id, period_id, item, actual, target FROM expected_lines WHERE to_date_of IS NULL$$,
              'every line of every period of every calendar equals plain SQL');
SELECT set_eq($$SELECT me_id, period_id, to_date_of, item, actual, target FROM wwva.statement_to_date$$,
              $$SELECT me_id, period_id, to_date_of, item, actual, target FROM expected_lines WHERE to_date_of IS NOT NULL$$,
              'every line of every to-date span equals plain SQL, with the longer period''s targets');
SELECT is((SELECT count(*) FROM wwva.statement_to_date s WHERE s.achievement IS DISTINCT FROM
               CASE WHEN s.target <> 0 THEN round(s.actual / s.target, 4) END
            OR s.variance IS DISTINCT FROM s.actual - s.target), 0::bigint,
          'variance and achievement to date are against the longer period''s targets');
SELECT results_eq(
    $$SELECT starts_on, ends_on, calendar, to_date_calendar FROM wwva.statement_to_date
       WHERE me_id = 'sh' AND period_id = '2024-05' AND to_date_of = 'FY2024' AND item = 'total_profit'$$,
    $$VALUES (DATE '2024-04-01', DATE '2024-06-01', 'month', 'fiscal_year')$$,
    'a fiscal year to date runs from April to the end of the month');
SELECT is((SELECT actual FROM wwva.statement_to_date
            WHERE me_id = 'ny' AND period_id = '2024-12' AND to_date_of = '2024' AND item = 'hardware_revenue'),
          (SELECT actual FROM wwva.statement WHERE me_id = 'ny' AND period_id = '2024' AND item = 'hardware_revenue'),
          'the year to date at its last month is the year');
SELECT ok((SELECT s.actual FROM wwva.statement s WHERE me_id = 'sh' AND period_id = '2024-Q1' AND item = 'active_users')
          <> (SELECT sum(s.actual) FROM wwva.statement s WHERE me_id = 'sh' AND period_id IN ('2024-01', '2024-02', '2024-03') AND item = 'active_users'),
          'distinct users of a quarter are not the sum of its months''');
SELECT ok((SELECT count(*) FROM wwva.statement s
            WHERE s.item = 'active_users'
              AND s.actual > (SELECT max(m.actual) FROM wwva.statement m JOIN wwva.period mp ON mp.period_id = m.period_id
                               JOIN wwva.period sp ON sp.period_id = s.period_id
                              WHERE m.me_id = s.me_id AND m.item = 'active_users' AND mp.calendar = 'month'
                                AND mp.starts_on >= sp.starts_on AND mp.ends_on <= sp.ends_on)) > 0,
          'with N > 1 a user active in a quarter may be active in no one of its months');

-- a midnight at the start of a month, in each ME's own time zone
SELECT is((SELECT count(*) FROM wwva.user_event e JOIN wwva.me m USING (me_id)
            WHERE e.user_id >= 100 AND (e.occurred_at AT TIME ZONE m.timezone)::date
                                       <> (e.occurred_at AT TIME ZONE 'UTC')::date), 2 * 17 * 3::bigint,
          'the events around a local midnight fall on another date in UTC');
SELECT is((SELECT actual FROM wwva.statement WHERE me_id = 'sh' AND period_id = '2024-03' AND item = 'active_users'),
          (SELECT count(*) FROM (SELECT e.user_id FROM local_event e
                                  WHERE e.me_id = 'sh' AND e.kind = 'transaction'
                                    AND e.day >= '2024-03-01' AND e.day < '2024-04-01'
                                  GROUP BY e.user_id HAVING count(*) >= 2) u)::numeric,
          'a month counts the events of its local dates');

-- ------------------------------------------------------------ materialized
\ir ../refresh/stale_lines_function.sql
SELECT is(wwva.refresh(), 2 * 28::bigint, 'the first refresh computes every pair of every calendar');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'the materialized statement equals wwva.statement');
SELECT is((SELECT count(DISTINCT calendar) FROM wwva.materialized_statement), 4::bigint,
          'with the calendar of each line');

INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'ny', 500 + i % 4, TIMESTAMPTZ '2024-08-10 12:00-04' + i * interval '5 hours',
       (ARRAY['transaction', 'co_creation'])[1 + i % 2]
  FROM generate_series(1, 20) AS i;
-- August and its quarter, year and fiscal year, and (K = 3) the two
-- periods after each in its own calendar
SELECT is(wwva.refresh(), 4 + 2 + 2 + 1::bigint,
          'events in one month recompute it, its quarter, year and fiscal year, and the K-1 periods after each in its calendar');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after the append');
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('sh', '2025-02-14', 'hardware', 'revenue', 99.5);
SELECT is(wwva.refresh(), 4::bigint, 'a posting recomputes its month, quarter, year and fiscal year');
SELECT is(pg_temp.stale_lines(), 0::bigint, 'equal after the posting');
UPDATE wwva.period SET starts_on = '2023-05-01' WHERE period_id = 'FY2023';
SELECT is(pg_temp.stale_lines(), 2 * 2 * (SELECT count(*) FROM wwva.statement_line),
          'a changed period makes the lines of both MEs stale (counted both ways)');
SELECT ok(wwva.refresh() > 0 AND pg_temp.stale_lines() = 0, 'and the next refresh brings them back');

SELECT * FROM finish();
ROLLBACK;
