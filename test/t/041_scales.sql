-- Scales that mean something (README "Scales"): sums exact, sharing payouts
-- and EMC pools at the currency's minor unit, per-user lines exact when
-- they terminate and at 6 decimals otherwise, achievement at 4 decimals;
-- an ME's currency is a code of wwva.currency.  And dates on every
-- per-period row: period_no, starts_on and ends_on.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

BEGIN;
SET client_min_messages = warning;
SELECT plan(32);

TRUNCATE wwva.user_event, wwva.me CASCADE;
TRUNCATE wwva.period CASCADE;
INSERT INTO wwva.period VALUES ('2024-01', '2024-01-01', '2024-02-01'), ('2024-02', '2024-02-01', '2024-03-01');
INSERT INTO wwva.me (me_id, currency) VALUES ('cn', 'CNY'), ('jp', 'JPY'), ('kw', 'KWD'), ('au', 'XAU'), ('rmb', DEFAULT);

-- ------------------------------------------------------------- currencies
SELECT throws_ok($$INSERT INTO wwva.me (me_id, currency) VALUES ('x', 'dollars')$$,
                 '23503', 'ME "x" keeps its books in unknown currency "dollars"',
                 'a currency that is no code of wwva.currency is refused');
CREATE TEMP TABLE refused (currency text, hint text);
DO $$
DECLARE
    given text;
    hint text;
BEGIN
    FOREACH given IN ARRAY ARRAY['dollars', 'usd', 'yen', 'XY'] LOOP
        BEGIN
            INSERT INTO wwva.me (me_id, currency) VALUES ('x', given);
        EXCEPTION WHEN foreign_key_violation THEN
            GET STACKED DIAGNOSTICS hint = PG_EXCEPTION_HINT;
            INSERT INTO refused VALUES (given, hint);
        END;
    END LOOP;
END
$$;
SELECT ok((SELECT hint FROM refused WHERE currency = 'dollars') LIKE 'currency is a code of wwva.currency (ISO 4217). Did you mean ''USD'' (US Dollar), %',
          'the hint for ''dollars'' names the likely codes, US Dollar first');
SELECT ok((SELECT hint FROM refused WHERE currency = 'usd') LIKE '%Did you mean ''USD'' (US Dollar)?',
          'the hint for ''usd'' names ''USD''');
SELECT ok((SELECT hint FROM refused WHERE currency = 'yen') LIKE '%''JPY'' (Yen)%',
          'the hint for ''yen'' names ''JPY''');
SELECT ok((SELECT hint FROM refused WHERE currency = 'XY') LIKE '%such as ''CNY'', ''USD'' or ''EUR''; add a unit of your own to wwva.currency first.',
          'a code with no likely match gets the general hint');
SELECT throws_ok($$UPDATE wwva.me SET currency = 'EURO' WHERE me_id = 'cn'$$, '23503', NULL,
                 'changing an ME to an unknown currency is refused too');
SELECT lives_ok($$INSERT INTO wwva.currency (code, minor_unit, name) VALUES ('POINTS', 0, 'loyalty points');
                  INSERT INTO wwva.me (me_id, currency) VALUES ('pts', 'POINTS')$$,
                'a unit of one''s own, added to wwva.currency, can be used');
SELECT throws_ok($$DELETE FROM wwva.currency WHERE code = 'POINTS'$$, '23503', 'currency "POINTS" is the currency of ME "pts"',
                 'a currency an ME books in cannot be deleted');
SELECT throws_ok($$UPDATE wwva.currency SET code = 'PTS' WHERE code = 'POINTS'$$, '23503', NULL,
                 '... nor renamed');
SELECT is((SELECT count(*)::integer FROM wwva.currency WHERE shipped), 182,
          'the extension ships the ISO 4217 list and RMB');
SELECT is(ARRAY(SELECT minor_unit FROM wwva.currency WHERE code IN ('CNY', 'JPY', 'KWD', 'RMB', 'USD', 'XAU') ORDER BY code),
          ARRAY[2, 0, 3, 2, 2, NULL]::smallint[], 'minor units as ISO 4217 gives them (none for gold)');

-- ------------------------------------------------------ sharing payouts
-- 1,234.57 of hardware profit at 33.3%: 411.11181 before rounding
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount)
SELECT m, '2024-01-10', 'hardware', 'revenue', 1234.57 FROM unnest(ARRAY['cn', 'jp', 'kw', 'au', 'rmb']) m;
INSERT INTO wwva.sharing_rule (me_id, party, base, rate)
SELECT m, p, 'hardware_profit', r
  FROM unnest(ARRAY['cn', 'jp', 'kw', 'au', 'rmb']) m,
       (VALUES ('users', 0.333), ('investors', 0.1), ('team', 0.0005)) AS x(p, r);
SELECT results_eq(
    $$SELECT me_id, users_share::text, investors_share::text, team_share::text, total_sharing::text
        FROM wwva.value_added_sharing WHERE period_id = '2024-01' AND me_id <> 'pts' ORDER BY me_id$$,
    $$VALUES ('au', '411.11181', '123.457', '0.617285', '535.186095'),
             ('cn', '411.11', '123.46', '0.62', '535.19'),
             ('jp', '411', '123', '1', '535'),
             ('kw', '411.112', '123.457', '0.617', '535.186'),
             ('rmb', '411.11', '123.46', '0.62', '535.19')$$,
    'payouts are rounded half away from zero to the minor unit (exact without one); 2g adds the rounded payouts');
SELECT is((SELECT hardware_profit::text FROM wwva.value_added_sharing WHERE me_id = 'jp' AND period_id = '2024-01'),
          '1234.57', 'sums stay exact, whatever the currency');
SELECT is((SELECT users_share::text FROM wwva.value_added_sharing WHERE me_id = 'cn' AND period_id = '2024-02'),
          '0.00', 'a payout on no profit is 0 at the minor unit');

-- ------------------------------------------------------ per-user lines
-- 100.00 of variable cost over 3 active users does not terminate; over 8 it does
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount) VALUES
    ('cn', '2024-01-11', 'hardware', 'cost', 'variable', 100.00),
    ('cn', '2024-02-11', 'hardware', 'cost', 'variable', 100.00);
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'cn', u, TIMESTAMPTZ '2024-01-15 12:00+00', 'transaction' FROM generate_series(1, 3) u
UNION ALL
SELECT 'cn', u, TIMESTAMPTZ '2024-02-15 12:00+00', 'transaction' FROM generate_series(1, 8) u;
SELECT is((SELECT hardware_marginal_cost::text FROM wwva.costs WHERE me_id = 'cn' AND period_id = '2024-01'),
          '33.333333', 'a per-user quotient that does not terminate has 6 decimals');
SELECT is((SELECT hardware_marginal_cost::text FROM wwva.costs WHERE me_id = 'cn' AND period_id = '2024-02'),
          '12.5', 'one that terminates is exact, without trailing zeros');
SELECT is(wwva.marginal_cost(2, 3)::text, '0.666667', 'wwva.marginal_cost rounds half away from zero at 6 decimals');
SELECT is(wwva.marginal_cost(1, 1024)::text, '0.0009765625', '... and keeps a terminating quotient of 10 decimals exact');
SELECT is(wwva.marginal_income(0, 2, 3)::text, '-0.666667', '... negative quotients round away from zero too');

-- ------------------------------------------------------ achievement
INSERT INTO wwva.target (me_id, period_id, item, value) VALUES
    ('cn', '2024-01', 'hardware_revenue', 1200000),
    ('cn', '2024-01', 'active_users', 7),
    ('cn', '2024-01', 'hardware_profit', -2);
SELECT results_eq(
    $$SELECT item, achievement::text, variance::text FROM wwva.statement
       WHERE me_id = 'cn' AND period_id = '2024-01' AND target IS NOT NULL ORDER BY line_no$$,
    $$VALUES ('active_users', '0.4286', '-4'), ('hardware_profit', '-567.2850', '1136.57'),
             ('hardware_revenue', '0.0010', '-1198765.43')$$,
    'achievement has 4 decimals (half away from zero); variance is exact');

-- ------------------------------------------------------ EMC pools and shares
-- a pool of 30.0005% of the value added has more digits than the currency:
-- 1,134.57 x 0.300005 = 340.376673 (CNY), 1,234.57 x 0.300005 = 370.377173 (JPY)
INSERT INTO wwva.emc (emc_id, leader_me_id) VALUES ('yen', 'jp'), ('fen', 'cn');
INSERT INTO wwva.emc_member (emc_id, member_id, kind, weight, upper_limit) VALUES
    ('yen', 'jp', 'me', 1, NULL), ('yen', 'partner', 'partner', 2, 100),
    ('fen', 'cn', 'me', 1, 10), ('fen', 'partner', 'partner', 1, 10);
INSERT INTO wwva.emc_contract (emc_id, period_id, leading_target) VALUES ('yen', '2024-01', 0), ('fen', '2024-01', 0);
INSERT INTO wwva.emc_tier (emc_id, period_id, threshold, rate) VALUES ('yen', '2024-01', 0, 0.300005), ('fen', '2024-01', 0, 0.300005);
SELECT results_eq(
    $$SELECT emc_id, share_scale, pool::text FROM wwva.emc_pools ORDER BY emc_id$$,
    $$VALUES ('fen', 2, '340.38'), ('yen', 0, '370')$$,
    'the pool is rounded to share_scale, which defaults to the minor unit of the leader''s currency');
SELECT is((SELECT sum(share)::text FROM wwva.emc_shares WHERE emc_id = 'yen'), '370',
          'shares and retained add up to the rounded pool');
SELECT results_eq(
    $$SELECT member_label, kind, share::text FROM wwva.emc_shares WHERE emc_id = 'fen' ORDER BY kind, member_id$$,
    $$VALUES ('cn', 'member', '10.00'), ('partner', 'member', '10.00'), ('(retained)', 'retained', '320.38')$$,
    'the retained row is labelled (retained) and is at the minor unit');
SELECT lives_ok($$INSERT INTO wwva.emc_contract (emc_id, period_id, leading_target, share_scale) VALUES ('yen', '2024-02', 0, 3)$$,
                'an explicit share_scale is kept');
SELECT is((SELECT share_scale FROM wwva.emc_contract WHERE emc_id = 'yen' AND period_id = '2024-02'), 3, '... as given');

-- ------------------------------------------------------ dates on every row
SELECT is_empty(
    $$SELECT v.view FROM (VALUES ('user_resources'), ('value_added_sharing'), ('revenues'), ('costs'),
                                 ('marginal_income'), ('figures'), ('statement'), ('emc_pools'), ('emc_shares'),
                                 ('materialized_statement')) AS v(view)
       WHERE NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = ('wwva.' || v.view)::regclass AND a.attname = 'starts_on')
          OR NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = ('wwva.' || v.view)::regclass AND a.attname = 'ends_on')
          OR NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = ('wwva.' || v.view)::regclass AND a.attname = 'period_no')$$,
    'every per-period view, and the materialized statement, has period_no, starts_on and ends_on');
SELECT is_empty(
    $$SELECT s.me_id, s.period_id FROM wwva.statement s JOIN wwva.period_calendar c USING (period_id)
       WHERE (s.period_no, s.starts_on, s.ends_on) IS DISTINCT FROM (c.period_no, c.starts_on, c.ends_on)
      UNION ALL
      SELECT e.emc_id, e.period_id FROM wwva.emc_shares e JOIN wwva.period_calendar c USING (period_id)
       WHERE (e.period_no, e.starts_on, e.ends_on) IS DISTINCT FROM (c.period_no, c.starts_on, c.ends_on)
      UNION ALL
      SELECT f.me_id, f.period_id FROM wwva.figures f JOIN wwva.period_calendar c USING (period_id)
       WHERE (f.period_no, f.starts_on, f.ends_on) IS DISTINCT FROM (c.period_no, c.starts_on, c.ends_on)$$,
    'the dates are the period''s: the statement, the EMC shares and the wide view agree with wwva.period_calendar');
SELECT wwva.refresh() IS NOT NULL AS refreshed \gset
SELECT results_eq(
    $$SELECT me_id, period_id, line_no, actual, achievement, period_no, starts_on, ends_on FROM wwva.materialized_statement ORDER BY 1, 2, 3$$,
    $$SELECT me_id, period_id, line_no, actual, achievement, period_no, starts_on, ends_on FROM wwva.statement ORDER BY 1, 2, 3$$,
    'the materialized statement carries the same scales and dates');
SET client_min_messages = error;   -- the one-day gap's warning
UPDATE wwva.period SET ends_on = '2024-01-31' WHERE period_id = '2024-01';
SELECT wwva.refresh() IS NOT NULL AS refreshed \gset
SELECT is((SELECT DISTINCT ends_on FROM wwva.materialized_statement WHERE period_id = '2024-01'), DATE '2024-01-31',
          'a period moved is shown with its new dates after the next refresh');

-- ------------------------------------------------------ who sees which units
-- everyone reads the ISO 4217 rows; a unit of one's own shows to those who
-- see an ME that books in it, or who may create MEs
CREATE ROLE wwva_t_unit_reader;
CREATE ROLE wwva_t_unit_admin;
SELECT wwva.grant_reader('wwva_t_unit_reader') IS NULL AS granted \gset
SELECT wwva.grant_reader('wwva_t_unit_admin') IS NULL AS granted \gset
GRANT INSERT ON wwva.me TO wwva_t_unit_admin;
ALTER TABLE wwva.me ENABLE ROW LEVEL SECURITY;
CREATE POLICY cn_only ON wwva.me FOR SELECT USING (me_id = 'cn');
SET LOCAL ROLE wwva_t_unit_reader;
SELECT is((SELECT string_agg(code, ',') FROM wwva.currency WHERE NOT shipped), NULL,
          'a reader who sees no ME booking in POINTS does not see the unit');
SELECT is((SELECT count(*)::integer FROM wwva.currency WHERE shipped), 182, '... and sees every ISO 4217 row');
RESET ROLE;
SET LOCAL ROLE wwva_t_unit_admin;
SELECT is((SELECT string_agg(code, ',') FROM wwva.currency WHERE NOT shipped), 'POINTS',
          'a role that may create MEs sees every unit');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
